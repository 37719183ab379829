"""The replay page: metadata from /replays/{id}, session events, its own CSP, no chunk URLs."""

from __future__ import annotations

import json
import re

import pytest
from django.utils.html import escape

from oakdash.dashboard.links import id_url
from oakdash.dashboard.views.replay import REPLAY_SCRIPTS
from oakdash.demo import get_demo_app
from oakdash.demo.hostile import HOSTILE_LABEL, HOSTILE_URL
from oakdash.demo.projects import ACME_SECRET_KEY
from tests.urls import ACME

pytestmark = pytest.mark.django_db


def _acme():
    from oakdash.upstream import get_api

    return get_api().for_key(ACME_SECRET_KEY)


def _replays():
    return _acme().replays(limit=200).replays


def _first(predicate):
    return next(r for r in _replays() if predicate(r))


def _json_script(html: str, element_id: str):
    pattern = rf'<script id="{element_id}" type="application/json">(.*?)</script>'
    match = re.search(pattern, html, re.S)
    assert match, f"no json_script {element_id}"
    return json.loads(match.group(1))


def test_the_page_shows_the_replays_metadata_from_the_api(client_a):
    replay = _first(lambda r: r.has_errors and r.country and r.distinct_id.startswith("anon_"))
    response = client_a.get(f"/replays/{replay.id}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert replay.id in html
    assert f'href="{id_url("visitor", ACME, replay.distinct_id)}"' in html
    assert f'href="{id_url("session", ACME, replay.session_id)}"' in html
    assert f"{replay.viewport_width} × {replay.viewport_height}" in html
    assert replay.browser in html and replay.os in html and replay.device_type in html
    assert replay.country in html
    assert escape(replay.entry_url) in html
    assert "Errors recorded" in html
    assert replay.started_at.strftime("%Y-%m-%d %H:%M") in html  # UTC: no zone cookie


def test_a_replay_without_errors_says_so(client_a):
    replay = _first(lambda r: not r.has_errors)
    html = client_a.get(f"/replays/{replay.id}/").content.decode()
    assert "No errors" in html and "Errors recorded" not in html


def test_the_duration_is_humanised(client_a):
    replay = _first(lambda r: r.duration_ms == 59198)
    html = client_a.get(f"/replays/{replay.id}/").content.decode()
    assert "59s" in html  # ms_duration
    assert ">0:59<" in html  # the player's total on the clock


def test_the_player_config_names_the_stream_and_the_start_time(client_a):
    replay = _replays()[0]
    html = client_a.get(f"/replays/{replay.id}/?t=12.5").content.decode()
    config = _json_script(html, "replay-config")
    assert config["streamUrl"] == f"/p/acme-shop/replays/{replay.id}/events.ndjson"
    assert config["startAt"] == 12.5
    assert config["durationMs"] == replay.duration_ms
    assert config["width"] == replay.viewport_width


def test_the_sessions_events_reach_the_page_as_json(client_a):
    replay = _replays()[0]
    timeline = _acme().session(replay.session_id)
    html = client_a.get(f"/replays/{replay.id}/").content.decode()
    events = _json_script(html, "replay-session-events")
    assert [e["event"] for e in events] == [e.event for e in timeline.events]
    assert events[0]["ts"] == int(timeline.events[0].timestamp.timestamp() * 1000)


def test_a_failing_session_call_still_shows_the_player(client_a):
    replay = _replays()[0]
    get_demo_app().faults.add(f"/api/v1/sessions/{replay.session_id}", status=503)
    response = client_a.get(f"/replays/{replay.id}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="replay-player"' in html
    assert "could not be loaded right now" in html
    assert _json_script(html, "replay-session-events") == []


def test_a_missing_session_says_it_has_no_events(client_a):
    replay = _replays()[0]
    get_demo_app().faults.add(
        f"/api/v1/sessions/{replay.session_id}", status=404, body=b'{"error": "no events"}'
    )
    html = client_a.get(f"/replays/{replay.id}/").content.decode()
    assert "OakData has no events for this replay" in html


def test_hostile_metadata_is_escaped_and_never_a_link(client_a):
    script_entry = _first(lambda r: r.entry_url and HOSTILE_LABEL in r.entry_url)
    html = client_a.get(f"/replays/{script_entry.id}/").content.decode()
    assert HOSTILE_LABEL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    js_entry = _first(lambda r: r.entry_url == HOSTILE_URL)
    html = client_a.get(f"/replays/{js_entry.id}/").content.decode()
    assert HOSTILE_URL in html  # shown as text…
    assert 'href="javascript:' not in html  # …never as a link
    assert 'href="/p/acme-shop/visitors/a%2Fb/"' in html  # the "a/b" visitor as one path segment

    dots = _first(lambda r: r.distinct_id == "../live")
    html = client_a.get(f"/replays/{dots.id}/").content.decode()
    assert 'href="/p/acme-shop/visitors/..%2Flive/"' in html  # never /visitors/../live/ (= /live/)


@pytest.mark.parametrize(
    "replay_id",
    ["rec_nope", "..", "../live", "<script>alert(1)</script>", "a/b", "%00", "x" * 1500],
)
def test_unknown_and_hostile_ids_get_the_404_page(client_a, replay_id):
    from urllib.parse import quote

    response = client_a.get("/replays/" + quote(replay_id, safe="") + "/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Replay not found</h1>" in html
    assert "<script>alert(1)</script>" not in html


def test_a_bad_start_time_gets_the_400_page(client_a):
    replay = _replays()[0]
    for bad in ("abc", "-3", "1e9", "12s"):
        response = client_a.get(f"/replays/{replay.id}/?t={bad}")
        assert response.status_code == 400, bad
        assert "t must be a number of seconds" in response.content.decode()


def test_an_empty_start_time_means_from_the_start(client_a):
    replay = _replays()[0]
    html = client_a.get(f"/replays/{replay.id}/?t=").content.decode()
    assert _json_script(html, "replay-config")["startAt"] is None


def test_the_page_never_contains_chunk_urls_signatures_or_the_key(client_a):
    replay = _replays()[0]
    chunk_urls = [c.url for c in _acme().replay(replay.id).chunk_urls]
    html = client_a.get(f"/replays/{replay.id}/").content.decode()
    assert chunk_urls
    assert "/storage/" not in html
    assert "sig=" not in html and "expires=" not in html
    assert "demo.oakdata.invalid" not in html
    assert ACME_SECRET_KEY not in html


def test_the_replay_page_has_its_own_content_security_policy(client_a):
    replay = _replays()[0]
    response = client_a.get(f"/replays/{replay.id}/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    # Our own files by exact URL, never 'self': the recording shares this policy.
    assert policy["script-src"].split() == [
        f"testserver/static/{name}" for name in REPLAY_SCRIPTS
    ]  # still no inline script
    assert policy["style-src"] == (
        "'unsafe-inline' testserver/static/css/app.css "
        "testserver/static/vendor/rrweb-player-2.1.7/style.min.css"
    )  # rrweb injects styles
    assert policy["img-src"] == "data: blob: testserver/static/img/oak.svg"
    assert policy["font-src"] == "data:"
    assert policy["media-src"] == "data: blob:"
    # The stream, the nav's live count, and the project switcher's menu and counts.
    assert policy["connect-src"] == (
        f"testserver/p/acme-shop/replays/{replay.id}/events.ndjson "
        "testserver/p/acme-shop/live/widget/ testserver/projects/menu/ "
        "testserver/p/acme-shop/live/count/"
    )
    assert policy["default-src"] == policy["frame-src"] == policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    assert "'self'" not in policy["img-src"] + policy["style-src"] + policy["script-src"]
    # Nothing the recording references may load from another host.
    assert "http" not in response["Content-Security-Policy"]
    assert "*" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"  # no-referrer breaks its POST forms
    assert 'name="referrer"' not in response.content.decode()  # no <meta> overriding it


def test_other_pages_keep_the_strict_policy(client_a):
    from oakdash.dashboard.middleware import STRICT_CSP

    for url in ("/", "/replays/"):
        response = client_a.get(url)
        assert response["Content-Security-Policy"] == STRICT_CSP, url
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_page_has_no_inline_script_or_style_attributes(client_a):
    replay = _replays()[0]
    html = client_a.get(f"/replays/{replay.id}/").content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "style=" not in html
    assert "rrweb-player-2.1.7/rrweb-player.min.js" in html
    assert "js/replay.js" in html


def test_another_projects_replay_is_not_found(client_b):
    replay = _replays()[0]
    response = client_b.get(f"/replays/{replay.id}/")
    assert response.status_code == 404


def test_a_user_without_a_key_is_sent_to_settings(client_nokey):
    response = client_nokey.get("/replays/rec_x/?t=3")
    assert response.status_code == 302
    assert response["Location"].startswith("/settings/?next=%2Freplays%2Frec_x%2F%3Ft%3D3")
