"""GET /live: sessions whose last event is in the last 5 minutes; it moves with the clock."""

from __future__ import annotations

import itertools
import time

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY

from .conftest import Clock
from .schema import LIVE, check, parse_iso


def test_shape(acme, demo):
    body = acme.get("/live").json()
    check(body, LIVE)
    assert body["active_now"] == len(body["sessions"])
    # The demo answers "as of" the current minute (the clock floored to the minute).
    as_of = demo.clock() // 60 * 60
    for s in body["sessions"]:
        assert as_of - 300 <= parse_iso(s["last_seen"]).timestamp() <= as_of


def test_live_sessions_resolve(acme):
    for s in acme.get("/live").json()["sessions"]:
        detail = acme.get(f"/sessions/{s['session_id']}")
        assert detail.status_code == 200
        assert detail.json()["events"][-1]["timestamp"] == s["last_seen"]


@pytest.mark.parametrize("hour", [3, 12, 20])  # UTC: night, midday, the evening peak
def test_live_comes_and_goes_as_the_clock_moves(start_demo, hour):
    # Yesterday at that hour: a fixed moment of the (deterministic) data, whatever time it is now.
    yesterday = (time.time() // 86400 - 1) * 86400
    demo = start_demo(clock=Clock(yesterday + hour * 3600 + 20))
    seen = []
    with demo.client(ACME_SECRET_KEY) as client:
        for _ in range(60):  # an hour, a minute at a time
            body = client.get("/live").json()
            check(body, LIVE)
            seen.append({s["session_id"] for s in body["sessions"]})
            for s in body["sessions"]:
                assert client.get(f"/sessions/{s['session_id']}").status_code == 200
            demo.clock.advance(60)
    counts = [len(s) for s in seen]
    assert sum(counts) / len(counts) >= 2, counts
    changes = sum(1 for a, b in itertools.pairwise(seen) if a != b)
    assert changes >= 6, f"live should change from minute to minute: {counts}"
    # Over an hour, sessions come and go: more than are live at any one moment.
    assert len(set().union(*seen)) >= max(counts) + 3, counts
    assert seen[0] != seen[-1]


def test_stable_within_a_minute(start_demo):
    demo = start_demo()
    with demo.client(ACME_SECRET_KEY) as client:
        first = client.get("/live").json()
        demo.clock.advance(15)
        assert client.get("/live").json() == first
