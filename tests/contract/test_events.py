"""GET /events: the firehose, newest first, with an exact total across pages."""

from __future__ import annotations

from .schema import EVENTS, check, parse_iso


def test_defaults(acme):
    body = acme.get("/events").json()
    check(body, EVENTS)
    assert body["offset"] == 0 and body["limit"] == 100
    assert len(body["rows"]) == 100
    assert body["total"] > 10_000
    assert body == acme.get("/events", params={"offset": 0, "limit": 100}).json()


def test_pages_are_consistent(acme):
    whole = acme.get("/events", params={"limit": 300}).json()
    pages = [acme.get("/events", params={"offset": o, "limit": 100}).json() for o in (0, 100, 200)]
    assert [r for p in pages for r in p["rows"]] == whole["rows"]
    assert {p["total"] for p in pages} == {whole["total"]}
    stamps = [parse_iso(r["timestamp"]) for r in whole["rows"]]
    assert stamps == sorted(stamps, reverse=True), "newest first"
    assert len({r["uuid"] for r in whole["rows"]}) == 300


def test_total_is_exact_at_the_end(acme):
    total = acme.get("/events", params={"limit": 1}).json()["total"]
    last = acme.get("/events", params={"offset": total - 3, "limit": 10}).json()
    assert last["total"] == total and len(last["rows"]) == 3
    beyond = acme.get("/events", params={"offset": total, "limit": 10}).json()
    assert beyond["rows"] == [] and beyond["total"] == total
    far = acme.get("/events", params={"offset": 1_000_000, "limit": 500}).json()
    check(far, EVENTS)
    assert far["offset"] == 1_000_000 and far["limit"] == 500


def test_rows_agree_with_their_sessions(acme):
    rows = acme.get("/events", params={"offset": 5000, "limit": 40}).json()["rows"]
    for row in rows[:10]:
        timeline = acme.get(f"/sessions/{row['session_id']}").json()["events"]
        assert row in timeline


def test_max_limit(acme):
    body = acme.get("/events", params={"limit": 500, "offset": 12345}).json()
    check(body, EVENTS)
    assert len(body["rows"]) == 500
