"""Hostile upstream text on the table pages: escaped, bidi-isolated, clipped, never a live link.

The demo plants markup, script, `javascript:` URLs, right-to-left text, emoji and a 2,000-char
path in project A's data (oakdash/demo/hostile.py); these tests look for them on every page.
"""

from __future__ import annotations

import html as htmllib
import re

import pytest

from oakdash.demo.hostile import (
    ARABIC_CITY,
    HOSTILE_LABEL,
    HOSTILE_PATH,
    HOSTILE_URL,
    LONG_PATH,
    RTL_PATH,
)
from tests.conftest import acme
from tests.urls import visitor_url

pytestmark = pytest.mark.django_db

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def _still_demo_clock(still_demo_clock):
    """Pin the demo's clock (tests/conftest.py): a test compares two reads."""


def assert_safe(html: str) -> None:
    """Nothing upstream became markup, script, style or a javascript: link."""
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.I)
    assert not re.search(r"\sstyle\s*=", html, re.I)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def hostile_session():
    sessions = acme().sessions(range="7d", limit=200).sessions
    return next(s for s in sessions if s.entry_path == HOSTILE_PATH)


def test_the_sessions_table_escapes_and_isolates_hostile_values(client_a):
    html = client_a.get("/sessions/?range=7d&limit=200").content.decode()
    assert_safe(html)
    assert ESCAPED_SCRIPT in html
    assert f'<bdi class="clip" title="{htmllib.escape(RTL_PATH)}">' in html
    assert f'<bdi class="clip" title="{ARABIC_CITY}">{ARABIC_CITY}</bdi>' in html
    assert f'<bdi class="clip" title="{HOSTILE_URL}">{HOSTILE_URL}</bdi>' in html


def test_a_very_long_path_is_clipped_with_the_full_text_on_hover(client_a):
    html = client_a.get("/sessions/?range=7d&limit=200").content.decode()
    assert f'<bdi class="clip" title="{LONG_PATH}">{LONG_PATH}</bdi>' in html


def test_the_session_timeline_escapes_paths_and_properties(client_a):
    session = hostile_session()
    html = client_a.get(f"/sessions/{session.session_id}/").content.decode()
    assert_safe(html)
    assert htmllib.escape(HOSTILE_PATH) in html
    assert "&lt;script&gt;" in html


def test_the_visitor_page_escapes_traits_groups_and_attribution(client_a):
    for distinct_id in ("a/b", "x@y.z"):
        html = client_a.get(visitor_url(distinct_id)).content.decode()
        assert_safe(html)
        assert ESCAPED_SCRIPT in html


def test_the_events_page_escapes_every_row(client_a):
    html = client_a.get("/events/?offset=0&limit=500").content.decode()
    assert_safe(html)


def test_replay_entry_urls_are_text_only(client_a):
    replays = acme().replays(limit=200).replays
    html = client_a.get("/replays/?limit=200").content.decode()
    assert_safe(html)
    for r in replays:
        if r.entry_url:
            assert htmllib.escape(r.entry_url) in html
    assert 'href="http' not in html.split("<tbody>", 1)[1]


def test_hostile_htmx_fragments_are_escaped_too(client_a):
    session = hostile_session()
    for url in ("/sessions/?range=7d&limit=200", f"/sessions/{session.session_id}/"):
        html = client_a.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert_safe(html)
        assert "<html" not in html


def test_a_hostile_label_is_never_rendered_raw_anywhere(client_a):
    pages = ["/sessions/?range=7d&limit=200", "/events/?limit=500", "/replays/?limit=200"]
    pages += [visitor_url(i) for i in ("a/b", "../live")]
    for url in pages:
        assert HOSTILE_LABEL not in client_a.get(url).content.decode(), url


def test_a_hostile_id_on_the_not_found_page_is_text(client_a):
    from urllib.parse import quote

    for route in ("sessions", "visitors", "replays"):
        response = client_a.get(f"/{route}/" + quote(HOSTILE_LABEL, safe="") + "/")
        html = response.content.decode()
        assert response.status_code == 404
        assert_safe(html)
        assert HOSTILE_LABEL not in html
        assert f"<bdi>{htmllib.escape(HOSTILE_LABEL)}</bdi>" in html


@pytest.mark.parametrize("url", ["/sessions/", "/replays/"])
def test_filter_values_echoed_back_are_text(client_a, url):
    attack = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
    html = client_a.get(url, {"entry": attack, "country": HOSTILE_LABEL}).content.decode()
    assert_safe(html)
    assert HOSTILE_LABEL not in html
    assert attack not in html
    assert htmllib.escape(attack) in html  # the chip and the selected option say it, as text


def test_hostile_values_in_the_filter_options_are_text(client_a):
    html = client_a.get("/sessions/?range=7d&limit=200").content.decode()
    form = html.split('<form class="filter-form"', 1)[1].split("</form>", 1)[0]
    assert_safe(form)
    assert "&lt;script&gt;" in form  # the hostile entry path is one of the choices


def test_live_rows_described_from_hostile_sessions_are_text(client_a):
    import json

    from oakdash.demo import get_demo_app

    row = acme().sessions(range="24h", limit=1).sessions[0].model_dump(mode="json")
    row.update(
        session_id="s_hostile",
        exit_path=HOSTILE_PATH,
        referring_domain=HOSTILE_URL,
        country=HOSTILE_LABEL,
        city=ARABIC_CITY,
        browser='"><img src=x onerror=alert(1)>',
        device_type=HOSTILE_LABEL,
    )
    live = {"active_now": 1, "sessions": [{"session_id": "s_hostile", "last_seen": row["last_at"]}]}
    sessions = {"range": "24h", "count": 1, "sessions": [row]}
    faults = get_demo_app().faults
    faults.add("/api/v1/live", status=200, body=json.dumps(live).encode())
    faults.add("/api/v1/sessions", status=200, body=json.dumps(sessions).encode())
    html = client_a.get("/live/").content.decode()
    assert_safe(html)
    assert HOSTILE_LABEL not in html
    assert htmllib.escape(HOSTILE_PATH) in html
    assert f'title="{HOSTILE_URL}">{HOSTILE_URL}</bdi>' in html
