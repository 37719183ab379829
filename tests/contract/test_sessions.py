"""GET /sessions and GET /sessions/{id}."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .schema import SESSION_TIMELINE, SESSIONS, check, parse_iso

WINDOWS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


def test_defaults(acme):
    body = acme.get("/sessions").json()
    check(body, SESSIONS)
    assert body["range"] == "7d"
    assert body["count"] == len(body["sessions"]) == 50
    assert body == acme.get("/sessions", params={"range": "7d", "limit": 50}).json()


@pytest.mark.parametrize("range_", list(WINDOWS))
@pytest.mark.parametrize("limit", [1, 17, 200])
def test_range_and_limit(acme, demo, range_, limit):
    body = acme.get("/sessions", params={"range": range_, "limit": limit}).json()
    check(body, SESSIONS)
    assert body["range"] == range_
    assert body["count"] == len(body["sessions"]) == limit
    now = demo.clock()
    started = [parse_iso(s["started_at"]) for s in body["sessions"]]
    assert started == sorted(started, reverse=True), "newest first"
    for s, start in zip(body["sessions"], started, strict=True):
        assert now - WINDOWS[range_].total_seconds() <= start.timestamp() <= now
        assert start <= parse_iso(s["last_at"]) and parse_iso(s["last_at"]).timestamp() <= now
        assert s["pageviews"] <= s["events"]
        assert (s["bot_name"] is not None) == s["is_bot"]
        assert (s["entry_path"] is None) == (s["exit_path"] is None) == (s["pageviews"] == 0)


def test_limit_is_a_prefix(acme):
    small = acme.get("/sessions", params={"limit": 10}).json()["sessions"]
    large = acme.get("/sessions", params={"limit": 200}).json()["sessions"]
    assert large[:10] == small
    assert len({s["session_id"] for s in large}) == 200


def test_session_timeline_matches_the_list(acme):
    for row in acme.get("/sessions", params={"limit": 40}).json()["sessions"]:
        body = acme.get(f"/sessions/{row['session_id']}").json()
        check(body, SESSION_TIMELINE)
        assert body["session_id"] == row["session_id"]
        events = body["events"]
        assert body["event_count"] == len(events) == row["events"]
        stamps = [parse_iso(e["timestamp"]) for e in events]
        assert stamps == sorted(stamps), "oldest first"
        assert stamps[0] == parse_iso(row["started_at"]) and stamps[-1] == parse_iso(row["last_at"])
        views = [e for e in events if e["event"] == "$pageview"]
        assert len(views) == row["pageviews"]
        assert (views[0]["pathname"] if views else None) == row["entry_path"]
        assert (views[-1]["pathname"] if views else None) == row["exit_path"]
        assert events[-1]["distinct_id"] == row["distinct_id"]
        assert len({e["uuid"] for e in events}) == len(events)
        for e in events:
            assert e["session_id"] == row["session_id"]
            for column in ("referring_domain", "country", "city", "browser", "os", "device_type"):
                assert e[column] == row[column]


def test_old_sessions_resolve_too(acme):
    oldest = acme.get("/sessions", params={"range": "90d", "limit": 200}).json()["sessions"][-1]
    assert acme.get(f"/sessions/{oldest['session_id']}").status_code == 200


def test_events_carry_properties(acme):
    seen: dict[str, dict] = {}
    for row in acme.get("/sessions", params={"limit": 200}).json()["sessions"]:
        # Until both kinds are seen: which kinds the newest sessions hold depends on the hour.
        if {"$pageview", "$autocapture"} <= seen.keys():
            break
        for e in acme.get(f"/sessions/{row['session_id']}").json()["events"]:
            seen.setdefault(e["event"], e)
    pageview = seen["$pageview"]
    assert pageview["properties"]["$current_url"].endswith(pageview["pathname"])
    assert pageview["properties"]["$pathname"] == pageview["pathname"]
    assert "$autocapture" in seen and "$el_text" in seen["$autocapture"]["properties"]
