"""The awkward values are present, intact, in the default 7d window (for the escaping tests)."""

from __future__ import annotations

from urllib.parse import quote

from oakdash.demo import hostile as h

from .schema import SESSION


def labels(body: dict, name: str) -> set:
    return {r["label"] for r in body[name]}


def test_hostile_labels_in_overview(acme):
    body = acme.get("/overview").json()
    pages = labels(body, "topPages")
    assert {h.HOSTILE_PATH, h.LONG_PATH, h.RTL_PATH, h.EMOJI_PATH} <= pages
    assert len(h.LONG_PATH) == 2000
    assert {h.HOSTILE_REFERRING_DOMAIN, h.RTL_REFERRING_DOMAIN} <= labels(body, "topReferrers")
    assert {h.HOSTILE_CAMPAIGN, h.HEBREW_CAMPAIGN, h.EMOJI_CAMPAIGN} <= labels(body, "topCampaigns")
    assert {h.ARABIC_CITY, h.HEBREW_CITY} <= labels(body, "topCities")
    for name in (
        "topReferrers",
        "topCountries",
        "topCities",
        "browsers",
        "operatingSystems",
        "deviceTypes",
    ):
        assert None in labels(body, name), name


def test_hostile_ids_and_paths_in_sessions(acme):
    rows = acme.get("/sessions").json()["sessions"]
    assert set(h.HOSTILE_DISTINCT_IDS) <= {s["distinct_id"] for s in rows}
    entry = {
        s["entry_path"] for s in acme.get("/sessions", params={"limit": 200}).json()["sessions"]
    }
    assert {h.HOSTILE_PATH, h.LONG_PATH, h.RTL_PATH} & entry


def test_hostile_journey_label(acme):
    roots = {r["label"] for r in acme.get("/journey").json()["roots"]}
    assert h.HOSTILE_PATH in roots


def test_javascript_urls(acme):
    replays = acme.get("/replays").json()["replays"]
    assert h.HOSTILE_URL in {r["entry_url"] for r in replays}
    profile = acme.get("/visitors/" + quote(h.HOSTILE_DISTINCT_IDS[0], safe="")).json()
    touches = [t for t in (profile["firstTouch"], profile["lastTouch"]) if t]
    assert profile["traits"]["website"] == h.HOSTILE_URL
    assert touches


def test_traits_survive_exactly(acme):
    for distinct_id in h.HOSTILE_DISTINCT_IDS:
        profile = acme.get("/visitors/" + quote(distinct_id, safe="")).json()
        assert profile["traits"] == h.HOSTILE_TRAITS
        assert profile["traits"]["nickname"] is None
        assert len(profile["traits"]["long_note"]) == 2000


def test_every_nullable_session_field_is_null_somewhere(acme):
    nulls = {k for k, v in SESSION.items() if v.endswith("?")}
    seen: set = set()
    rows = acme.get("/sessions", params={"limit": 200}).json()["sessions"]
    # Server-side sessions (no pathname, no device) are rarer: find one through the firehose.
    for offset in range(0, 20_000, 500):
        events = acme.get("/events", params={"offset": offset, "limit": 500}).json()["rows"]
        server = next((e for e in events if e["pathname"] is None), None)
        if server:
            profile = acme.get("/visitors/" + quote(server["distinct_id"], safe="")).json()
            rows += profile["sessions"]
            break
    for row in rows:
        seen |= {k for k in nulls if row[k] is None}
    assert seen == nulls


def test_event_properties_carry_markup(acme):
    found = set()
    for offset in range(0, 5000, 500):
        for row in acme.get("/events", params={"offset": offset, "limit": 500}).json()["rows"]:
            props = row["properties"]
            for value in props.values():
                if value in (h.HOSTILE_LABEL, h.HOSTILE_IMG):
                    found.add(value)
        if len(found) == 2:
            break
    assert found == {h.HOSTILE_LABEL, h.HOSTILE_IMG}


def test_json_is_utf8(acme):
    response = acme.get("/overview")
    assert "charset=utf-8" in response.headers["content-type"].replace(" ", "").lower()
    assert h.ARABIC_CITY.encode() in response.content
