"""/sessions/<id>/: one session's summary and ordered timeline, its replay link, its failures."""

from __future__ import annotations

import html as htmllib
import json

import pytest

from oakdash.dashboard.templatetags.oakfmt import clock, pretty_json
from oakdash.dashboard.upstream import get_api
from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY
from tests.urls import replay_url, visitor_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def _warm_demo():
    get_demo_app().warm()  # build the demo's data once, outside any request's timeout


def acme():
    return get_api().for_key(ACME_SECRET_KEY)


@pytest.fixture
def recorded():
    """A settled session that has a replay: (replay row, its timeline)."""
    replay = acme().replays(limit=50).replays[5]
    return replay, acme().session(replay.session_id)


def test_the_timeline_lists_every_event_in_order_with_its_offset(client_a, recorded):
    _, timeline = recorded
    html = client_a.get(f"/sessions/{timeline.session_id}/").content.decode()
    body = html.split("<tbody>", 2)[2]  # the timeline table comes after the summary table
    start = timeline.events[0].timestamp
    position = 0
    for event in timeline.events:
        offset = f"+{clock((event.timestamp - start).total_seconds())}"
        found = body.find(offset, position)
        assert found >= 0, offset
        position = body.find(htmllib.escape(event.event, quote=True), found)
        assert position >= 0, event.event
    assert f"{timeline.event_count} event" in html


def test_properties_are_pretty_escaped_json_behind_a_disclosure(client_a, recorded):
    _, timeline = recorded
    event = next(e for e in timeline.events if e.properties)
    html = client_a.get(f"/sessions/{timeline.session_id}/").content.decode()
    assert '<details class="props">' in html
    assert htmllib.escape(pretty_json(event.properties)) in html


def test_the_summary_shows_duration_pages_and_links_to_the_visitor(client_a, recorded):
    replay, timeline = recorded
    html = client_a.get(f"/sessions/{timeline.session_id}/").content.decode()
    pageviews = sum(1 for e in timeline.events if e.event == "$pageview")
    assert f'data-stat="pageviews">{pageviews:,}<' in html
    assert f'data-stat="events">{timeline.event_count:,}<' in html
    assert f'href="{visitor_url(replay.distinct_id)}"' in html


def test_a_recorded_session_links_to_its_replay(client_a, recorded):
    replay, timeline = recorded
    html = client_a.get(f"/sessions/{timeline.session_id}/").content.decode()
    assert f'href="{replay_url(replay.id)}"' in html
    assert "Watch replay" in html


def test_the_page_still_renders_when_the_visitor_lookup_fails(client_a, recorded):
    _, timeline = recorded
    get_demo_app().faults.add("/api/v1/visitors/", status=503)
    response = client_a.get(f"/sessions/{timeline.session_id}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Watch replay" not in html
    assert "could not be loaded" in html
    assert htmllib.escape(timeline.events[0].event) in html


def test_a_bot_session_is_marked_with_its_bot_name(client_a):
    sessions = acme().sessions(range="30d", limit=200).sessions
    bot = next(s for s in sessions[5:] if s.is_bot and s.bot_name)
    html = client_a.get(f"/sessions/{bot.session_id}/").content.decode()
    assert 'class="badge badge-bot"' in html
    assert bot.bot_name in html


def test_the_htmx_partial_is_only_the_content(client_a, recorded):
    _, timeline = recorded
    response = client_a.get(f"/sessions/{timeline.session_id}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "Timeline" in html


@pytest.mark.parametrize("odd", ["s_does_not_exist", "..%2F..%2Flive", "a%2Fb", "%25", "x" * 300])
def test_an_unknown_or_odd_id_is_the_404_page(client_a, odd):
    response = client_a.get(f"/sessions/{odd}/")
    assert response.status_code == 404
    assert 'data-problem="not-found"' in response.content.decode()


def test_the_not_found_page_names_the_id_and_offers_the_list(client_a):
    html = client_a.get("/sessions/s_does_not_exist/").content.decode()
    assert "<h1>Session not found</h1>" in html
    assert '<code class="problem-id" title="s_does_not_exist"><bdi>s_does_not_exist</bdi>' in html
    assert (
        '<a class="btn btn-primary" href="/p/acme-shop/sessions/">Browse recent sessions</a>'
        in html
    )
    assert "session not found" not in html  # the API's own lowercase text
    assert "default settings" not in html  # there are no settings to reset on a detail page


def test_an_id_longer_than_the_api_allows_is_a_400_not_a_crash(client_a):
    response = client_a.get("/sessions/" + "s" * 5000 + "/")
    assert response.status_code in (400, 404)
    assert "Traceback" not in response.content.decode()


def test_an_unavailable_api_is_a_503_page(client_a, recorded):
    _, timeline = recorded
    get_demo_app().faults.add("/api/v1/sessions/", status=502)
    response = client_a.get(f"/sessions/{timeline.session_id}/")
    assert response.status_code == 503
    assert "OakData did not answer" in response.content.decode()


def test_a_revoked_key_is_the_invalid_key_page(client_a, recorded):
    _, timeline = recorded
    get_demo_app().faults.add("/api/v1/sessions/", status=401, body=b'{"error": "revoked"}')
    response = client_a.get(f"/sessions/{timeline.session_id}/")
    assert response.status_code == 403
    assert 'data-problem="invalid-key"' in response.content.decode()


def test_hostile_event_text_is_escaped(client_a):
    event = {
        "event": "<script>alert(1)</script>",
        "timestamp": "2026-01-01T10:00:00Z",
        "pathname": "/search/<img src=x onerror=alert(1)>",
        "properties": {"q": "<script>alert(1)</script>", "url": "javascript:alert(1)"},
        "distinct_id": "x@y.z",
    }
    body = {"session_id": "s_hostile", "event_count": 1, "events": [event]}
    get_demo_app().faults.add("/api/v1/sessions/", status=200, body=json.dumps(body).encode())
    html = client_a.get("/sessions/s_hostile/").content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
