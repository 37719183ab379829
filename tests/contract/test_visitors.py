"""GET /visitors/{distinctId}: profiles, identity stitching, hostile ids round-tripping."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from oakdash.demo.hostile import HOSTILE_DISTINCT_IDS

from .schema import SESSION, VISITOR, check, parse_iso


def path_for(distinct_id: str) -> str:
    return "/visitors/" + quote(distinct_id, safe="")


def test_shape_for_recent_visitors(acme):
    ids = {
        s["distinct_id"] for s in acme.get("/sessions", params={"limit": 100}).json()["sessions"]
    }
    for distinct_id in sorted(ids)[:30]:
        response = acme.get(path_for(distinct_id))
        assert response.status_code == 200, distinct_id
        body = response.json()
        check(body, VISITOR)
        assert (
            distinct_id in (body["distinct_id"], body["user_id"])
            or body["distinct_id"] == distinct_id
        )
        assert parse_iso(body["first_seen"]) <= parse_iso(body["last_seen"])
        assert body["total_events"] >= sum(s["events"] for s in body["sessions"]) > 0
        started = [parse_iso(s["started_at"]) for s in body["sessions"]]
        assert started == sorted(started, reverse=True)


@pytest.mark.parametrize("distinct_id", HOSTILE_DISTINCT_IDS)
def test_hostile_ids_round_trip(acme, distinct_id):
    response = acme.get(path_for(distinct_id))
    assert response.status_code == 200, (distinct_id, response.text)
    body = response.json()
    check(body, VISITOR)
    assert body["distinct_id"] == distinct_id
    assert all(s["distinct_id"] == distinct_id for s in body["sessions"])
    assert body["traits"]["bio"] == "<script>alert(1)</script>"


def test_hostile_ids_in_default_sessions(acme):
    listed = {s["distinct_id"] for s in acme.get("/sessions").json()["sessions"]}
    assert set(HOSTILE_DISTINCT_IDS) <= listed


def find_stitched(acme) -> dict:
    for s in acme.get("/sessions", params={"range": "7d", "limit": 200}).json()["sessions"]:
        body = acme.get(path_for(s["distinct_id"])).json()
        if body["user_id"] and any(e["event"] == "$identify" for e in body["identityTimeline"]):
            return body
    raise AssertionError("no visitor who signed up in the window among the newest 200 sessions")


def test_identity_stitching(acme):
    profile = find_stitched(acme)
    identify = next(e for e in profile["identityTimeline"] if e["event"] == "$identify")
    # The anonymous id leads to the same person.
    anon = identify["summary"].rsplit("previously anonymous ", 1)[1].split(")")[0]
    by_anon = acme.get(path_for(anon)).json()
    assert by_anon == profile
    assert profile["distinct_id"] == profile["user_id"] != anon
    assert {"email", "name", "plan"} <= set(profile["traits"])
    stamps = [parse_iso(e["timestamp"]) for e in profile["identityTimeline"]]
    assert stamps == sorted(stamps)
    # Activity before sign-up (anonymous sessions) is part of the profile.
    ids = {s["distinct_id"] for s in profile["sessions"]}
    assert profile["user_id"] in ids
    assert profile["firstTouch"] is not None
    assert parse_iso(profile["firstTouch"]["timestamp"]) == parse_iso(profile["first_seen"])


def test_visitor_replays_agree_with_replays(acme):
    replays = acme.get("/replays", params={"limit": 50}).json()["replays"]
    checked = 0
    for replay in replays[:10]:
        profile = acme.get(path_for(replay["distinct_id"])).json()
        mine = {r["id"]: r for r in profile["replays"]}
        assert replay["id"] in mine, replay["id"]
        assert mine[replay["id"]] == {
            k: replay[k] for k in ("id", "session_id", "started_at", "last_event_at", "has_errors")
        }
        timeline = acme.get(f"/sessions/{replay['session_id']}").json()
        assert timeline["session_id"] == replay["session_id"]
        assert parse_iso(timeline["events"][0]["timestamp"]) == parse_iso(replay["started_at"])
        checked += 1
    assert checked


def test_bots_have_no_attribution(acme):
    bot = next(
        s for s in acme.get("/sessions", params={"limit": 200}).json()["sessions"] if s["is_bot"]
    )
    profile = acme.get(path_for(bot["distinct_id"])).json()
    check(profile, VISITOR)
    assert (
        profile["firstTouch"] is None
        and profile["lastTouch"] is None
        and profile["user_id"] is None
    )


def test_visitor_sessions_have_the_session_shape(acme):
    body = acme.get(path_for(HOSTILE_DISTINCT_IDS[0])).json()
    for s in body["sessions"]:
        check(s, SESSION)
