"""Same seed and minute: same data; another seed: other data; the past stays put as time moves."""

from __future__ import annotations

from urllib.parse import quote

from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY

from .conftest import Clock

PATHS = [
    "/overview",
    "/overview?range=90d&exclude_bots=true",
    "/sessions?limit=200",
    "/journey?range=30d",
    "/live",
    "/events?offset=777&limit=300",
    "/replays?limit=200",
    "/visitors/" + quote("a/b", safe=""),
]


def snapshot(demo, key, paths=PATHS):
    with demo.client(key) as client:
        return {p: client.get(p).json() for p in paths}


def test_same_seed_same_data(demo, start_demo):
    twin = start_demo(seed=1, clock=Clock(demo.clock()))
    for key in (ACME_SECRET_KEY, GLOBEX_SECRET_KEY):
        assert snapshot(twin, key) == snapshot(demo, key)


def test_other_seed_other_data(demo, start_demo):
    other = start_demo(seed=2, clock=Clock(demo.clock()))
    mine = snapshot(demo, ACME_SECRET_KEY, ["/sessions?limit=200", "/overview", "/replays"])
    theirs = snapshot(other, ACME_SECRET_KEY, ["/sessions?limit=200", "/overview", "/replays"])
    assert mine["/overview"]["stats"] != theirs["/overview"]["stats"]
    ids = {s["session_id"] for s in mine["/sessions?limit=200"]["sessions"]}
    assert not ids & {s["session_id"] for s in theirs["/sessions?limit=200"]["sessions"]}
    assert mine["/replays"] != theirs["/replays"]


def test_the_past_stays_put_as_the_clock_moves(demo, start_demo):
    later = start_demo(seed=1, clock=Clock(demo.clock() + 25 * 60))
    with demo.client(ACME_SECRET_KEY) as now_client, later.client(ACME_SECRET_KEY) as later_client:
        now_rows = now_client.get("/sessions", params={"limit": 200}).json()["sessions"]
        later_rows = later_client.get("/sessions", params={"limit": 200}).json()["sessions"]
        later_by_id = {s["session_id"]: s for s in later_rows}
        # Sessions that had finished an hour ago look the same later; newer ones may have grown.
        old = [
            s
            for s in now_rows
            if s["last_at"] < now_rows[0]["started_at"] and s["session_id"] in later_by_id
        ]
        assert old
        for s in old[-50:]:
            if (
                s["session_id"] in later_by_id
                and s["last_at"] < later_by_id[s["session_id"]]["last_at"]
            ):
                continue  # was still in progress
            assert later_by_id[s["session_id"]] == s
            assert (
                now_client.get(f"/sessions/{s['session_id']}").json()
                == later_client.get(f"/sessions/{s['session_id']}").json()
            )
        # The newest sessions of "later" did not exist yet "now".
        known = {s["session_id"] for s in now_rows}
        assert any(s["session_id"] not in known for s in later_rows[:20])
