"""One upstream /live call per project per interval, whatever the number of workers and hosts.

Two gunicorn processes of 4 workers each stand for two hosts behind a load balancer: one
PostgreSQL, one Redis. 60 viewers of two projects poll /live/widget/ for 30 s, each poll going to
either host, as a round-robin balancer would send it. The calls are counted where they land: at
the demo API, served over HTTP in this process.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections import defaultdict

import httpx
import pytest

from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY
from tests.support.processes import (
    Reply,
    User,
    dashboard_env,
    dashboard_hosts,
    scripted_upstream,
)
from tests.urls import scoped

pytestmark = pytest.mark.deployment

INTERVAL = 5.0  # OAKDASH_LIVE_CACHE_SECONDS and the widget's polling period
DURATION = 30.0
VIEWERS = 60
# The API takes a while to answer, as a real one does: long enough that, without a shared lock,
# several workers would find the entry expired at once and all call (the thundering herd).
LIVE_LATENCY = 0.3


def _slow_live(app):
    def reply(environ):
        time.sleep(LIVE_LATENCY)
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(app(environ, start_response))
        return Reply(int(captured["status"].split()[0]), body, captured["headers"])

    return reply


def _poll(
    client: httpx.Client, hosts: list[str], path: str, first: float, until: float, log: list
) -> None:
    """One viewer: a poll of `path` every INTERVAL seconds from `first` (a time.monotonic())
    on."""
    next_at = first
    while next_at < until:
        time.sleep(max(0.0, next_at - time.monotonic()))
        host = random.choice(hosts)
        started = time.monotonic()
        try:
            answer = client.get(host + path, headers={"HX-Request": "true"})
            log.append((answer.status_code, answer.text, time.monotonic() - started))
        except httpx.HTTPError as err:
            log.append((None, repr(err), time.monotonic() - started))
        next_at += INTERVAL


def test_sixty_viewers_on_two_hosts_cost_one_live_call_per_project_per_interval(
    tmp_path, postgres, redis
):
    users = [
        User("acme-1", ACME_SECRET_KEY),
        User("acme-2", ACME_SECRET_KEY),
        User("globex-1", GLOBEX_SECRET_KEY),
        User("globex-2", GLOBEX_SECRET_KEY),
    ]
    with scripted_upstream() as upstream:
        upstream.script("/api/v1/live", _slow_live(upstream.app))
        env = dashboard_env(
            tmp_path,
            upstream.url + "/api/v1",
            DATABASE_URL=postgres.create_database(),
            CACHE_URL=redis.fresh_url(),
            OAKDASH_LIVE_CACHE_SECONDS=str(INTERVAL),
        )
        with dashboard_hosts(
            tmp_path, upstream.url + "/api/v1", users, hosts=2, env=env, workers=4, threads=4
        ) as hosts:
            # Each person logs in once, on one host; the session is shared (cached_db on the
            # shared database and cache), so the other host knows them too.
            logins = [hosts[n % 2].login(u.username) for n, u in enumerate(users)]
            before = len(upstream.requests)
            log: list = []
            clients = [
                httpx.Client(cookies=logins[n % len(logins)].cookies, timeout=30)
                for n in range(VIEWERS)
            ]
            # Each viewer polls their project's widget (/p/<slug>/live/widget/).
            paths = [
                scoped("/live/widget/", logins[n % len(logins)].project) for n in range(VIEWERS)
            ]
            start = time.monotonic() + 0.5
            until = start + DURATION
            viewers = []
            for n, client in enumerate(clients):
                first = start + INTERVAL * n / VIEWERS  # spread over the interval, as people are
                thread = threading.Thread(
                    target=_poll,
                    args=(client, [h.url for h in hosts], paths[n], first, until, log),
                )
                viewers.append((thread, client))
                thread.start()
            for thread, client in viewers:
                thread.join(timeout=DURATION + 60)
                client.close()

    polls = len(log)
    assert polls == VIEWERS * DURATION / INTERVAL, f"{polls} polls were made"
    failures = [entry for entry in log if entry[0] != 200 or 'id="live-widget"' not in entry[1]]
    assert not failures, f"{len(failures)} of {polls} polls failed, e.g. {failures[0][:2]!r}"

    calls: dict[str, list[float]] = defaultdict(list)
    seen = zip(upstream.requests[before:], upstream.arrived[before:], strict=True)
    for (path, _, headers), at in seen:
        if path == "/api/v1/live":
            calls[headers.get("authorization", "")].append(at)
    assert set(calls) == {f"Bearer {ACME_SECRET_KEY}", f"Bearer {GLOBEX_SECRET_KEY}"}
    for key, times in calls.items():
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        report = json.dumps({"calls": len(times), "gaps": [round(g, 2) for g in gaps]})
        print(f"/live calls for {key[:15]}… from {polls} polls: {report}")  # the figures (-s)
        # At most one call per interval: a call renews the answer for INTERVAL seconds from the
        # moment it returns, so the next one cannot come sooner (a little slack for timing).
        assert all(gap >= INTERVAL - 0.2 for gap in gaps), f"{key[:15]}…: {report}"
        assert len(times) <= DURATION / INTERVAL + 1, report
        # ...and the answers were renewed all along (stale-while-revalidate, not stuck).
        assert len(times) >= DURATION / (INTERVAL + 2 * LIVE_LATENCY + 1.5) - 1, report
