"""A slow API must not stall unrelated pages (issue 7, item 9).

With /live answering in 6 s and 24 viewers polling the live widget of one gunicorn worker with
fewer threads than viewers, /healthz stays fast and other pages are not held up: one request at a
time waits on the API (the one refreshing, for at most the polling timeout), the others are
answered at once with the last answer or the last failure.
"""

from __future__ import annotations

import threading
import time

import httpx

from oakdash.demo.projects import ACME_SECRET_KEY
from tests.support.processes import Reply, User, dashboard_process, scripted_upstream

VIEWERS = 24
POLL_EVERY = 5.0
DURATION = 12.0  # a cold start and two refresh attempts


def _slow_live(environ):
    time.sleep(6)
    return Reply(200, b'{"active_now": 1, "sessions": []}')


def _repeat(client: httpx.Client, path: str, every: float, first: float, until: float, log):
    next_at = first
    while next_at < until:
        time.sleep(max(0.0, next_at - time.monotonic()))
        started = time.monotonic()
        try:
            status = client.get(path, headers={"HX-Request": "true"}).status_code
        except httpx.HTTPError as err:
            status = repr(err)
        log.append((path, status, time.monotonic() - started))
        next_at += every


def test_twenty_four_viewers_of_a_six_second_live_do_not_stall_healthz_or_other_pages(tmp_path):
    with scripted_upstream() as upstream:
        upstream.script("/api/v1/live", _slow_live)
        api = upstream.url + "/api/v1"
        users = [User("alice", ACME_SECRET_KEY)]
        with dashboard_process(tmp_path, api, users, workers=1, threads=8) as dash:
            cookies = dash.login("alice").cookies
            clients = [dash.client(cookies=cookies) for _ in range(VIEWERS + 1)]
            start = time.monotonic() + 0.3
            until = start + DURATION
            log: list = []
            jobs = [
                (clients[n], "/live/widget/", POLL_EVERY, start + POLL_EVERY * n / VIEWERS)
                for n in range(VIEWERS)
            ]
            jobs.append((dash.client(), "/healthz", 0.25, start))
            jobs.append((clients[VIEWERS], "/sessions/", 1.0, start + 0.5))
            threads = [threading.Thread(target=_repeat, args=(*job, until, log)) for job in jobs]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=DURATION + 30)
            for client in clients:
                client.close()

    def seconds(path: str) -> list[float]:
        return sorted(taken for p, status, taken in log if p == path and status == 200)

    assert all(status == 200 for _, status, _ in log), [e for e in log if e[1] != 200][:3]
    healthz, sessions, polls = seconds("/healthz"), seconds("/sessions/"), seconds("/live/widget/")
    print(
        f"/healthz max {healthz[-1] * 1000:.0f} ms over {len(healthz)}, /sessions/ max "
        f"{sessions[-1] * 1000:.0f} ms, {len(polls)} polls max {polls[-1] * 1000:.0f} ms"
    )
    assert len(healthz) >= DURATION / 0.25 * 0.8
    assert healthz[-1] < 1.0, f"/healthz took up to {healthz[-1]:.2f} s"
    assert sessions and sessions[-1] < 2.0, f"/sessions/ took up to {sessions[-1]:.2f} s"
    # Every poll is answered within the polling timeout (3 s) and a margin for a busy machine:
    # none waits for the 6 s answer.
    assert len(polls) >= VIEWERS * 2 and polls[-1] < 5.5, f"a poll took {polls[-1]:.2f} s"
