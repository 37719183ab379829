"""Two projects with different data; a key never reads the other project."""

from __future__ import annotations

from urllib.parse import quote

from oakdash.demo.hostile import HOSTILE_DISTINCT_IDS


def test_projects_have_different_sites(acme, globex):
    acme_pages = {r["label"] for r in acme.get("/overview").json()["topPages"]}
    globex_pages = {r["label"] for r in globex.get("/overview").json()["topPages"]}
    assert "/products/oak-desk" in acme_pages and "/products/oak-desk" not in globex_pages
    assert "/docs/getting-started" in globex_pages and "/docs/getting-started" not in acme_pages
    for row in acme.get("/events", params={"limit": 200}).json()["rows"]:
        url = row["properties"].get("$current_url")
        assert url is None or url.startswith("https://shop.acme.test")
    for row in globex.get("/events", params={"limit": 200}).json()["rows"]:
        url = row["properties"].get("$current_url")
        assert url is None or url.startswith("https://docs.globex.test")


def test_ids_never_cross_projects(acme, globex):
    a_sessions = acme.get("/sessions", params={"range": "90d", "limit": 200}).json()["sessions"]
    b_sessions = globex.get("/sessions", params={"range": "90d", "limit": 200}).json()["sessions"]
    assert not {s["session_id"] for s in a_sessions} & {s["session_id"] for s in b_sessions}
    for s in a_sessions[:20]:
        assert globex.get(f"/sessions/{s['session_id']}").status_code == 404
        assert globex.get("/visitors/" + quote(s["distinct_id"], safe="")).status_code == 404
    for s in b_sessions[:20]:
        assert acme.get(f"/sessions/{s['session_id']}").status_code == 404
        assert acme.get("/visitors/" + quote(s["distinct_id"], safe="")).status_code == 404
    for r in acme.get("/replays", params={"limit": 20}).json()["replays"]:
        assert globex.get(f"/replays/{r['id']}").status_code == 404
    for r in globex.get("/replays", params={"limit": 20}).json()["replays"]:
        assert acme.get(f"/replays/{r['id']}").status_code == 404
    for distinct_id in HOSTILE_DISTINCT_IDS:
        assert globex.get("/visitors/" + quote(distinct_id, safe="")).status_code == 404
    a_live = {s["session_id"] for s in acme.get("/live").json()["sessions"]}
    b_live = {s["session_id"] for s in globex.get("/live").json()["sessions"]}
    assert not a_live & b_live
    a_events = {r["uuid"] for r in acme.get("/events", params={"limit": 500}).json()["rows"]}
    b_events = {r["uuid"] for r in globex.get("/events", params={"limit": 500}).json()["rows"]}
    assert not a_events & b_events


def test_overviews_differ(acme, globex):
    a = acme.get("/overview").json()
    b = globex.get("/overview").json()
    assert a["stats"] != b["stats"]
    assert a["topCampaigns"] != b["topCampaigns"]
