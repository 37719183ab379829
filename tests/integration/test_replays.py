"""/replays/: recorded sessions as a table (?limit=), each row opening the player."""

from __future__ import annotations

import json
import re

import pytest

from oakdash.dashboard.templatetags.oakfmt import ms_duration
from oakdash.demo import get_demo_app
from oakdash.demo.hostile import HOSTILE_URL
from tests.conftest import acme
from tests.urls import replay_url, session_url, visitor_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _still_demo_clock(still_demo_clock):
    """Pin the demo's clock: new recordings appear as time passes and a test compares reads."""


def rows_of(html: str) -> dict[str, str]:
    parts = html.split('<tr data-replay-id="')[1:]
    return {part.split('"', 1)[0]: part.split("</tr>", 1)[0] for part in parts}


def test_the_table_shows_the_replays_the_api_returned(client_a):
    expected = acme().replays(limit=40).replays
    html = client_a.get("/replays/?limit=40").content.decode()
    rows = rows_of(html)
    assert list(rows) == [r.id for r in expected]
    for r in expected:
        row = rows[r.id]
        assert f'href="{replay_url(r.id)}"' in row
        assert f'href="{session_url(r.session_id)}"' in row
        if r.distinct_id:
            assert f'href="{visitor_url(r.distinct_id)}"' in row
        assert ms_duration(r.duration_ms) in row
        if r.viewport_width and r.viewport_height:
            assert f"{r.viewport_width}×{r.viewport_height}" in row
        assert ('class="badge badge-error"' in row) == r.has_errors


def test_the_list_says_what_its_rows_are_without_storage_jargon(client_a):
    html = client_a.get("/replays/?limit=40").content.decode()
    assert "· latest 40 recordings</span></h1>" in html
    assert "Chunks" not in html and "chunks" not in html


def test_the_limit_is_sent_upstream_and_kept_in_links(client_a):
    html = client_a.get("/replays/?limit=3").content.decode()
    assert len(rows_of(html)) <= 3
    assert 'href="?limit=200"' in html
    assert re.search(r'href="\?limit=3"[^>]*aria-current="true"', html)


def test_an_entry_url_is_text_never_a_javascript_link(client_a):
    replay = acme().replays(limit=1).replays[0].model_dump(mode="json")
    replay.update(id="rec_hostile", entry_url=HOSTILE_URL + "//<script>alert(1)</script>")
    body = {"count": 1, "replays": [replay]}
    get_demo_app().faults.add("/api/v1/replays", status=200, body=json.dumps(body).encode())
    html = client_a.get("/replays/").content.decode()
    assert "javascript:alert(1)//&lt;script&gt;" in html
    assert 'href="javascript:' not in html.lower()
    assert "<script>alert" not in html


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "limit=-5"])
def test_a_bad_limit_is_a_400_page(client_a, query):
    response = client_a.get(f"/replays/?{query}")
    assert response.status_code == 400
    assert 'data-problem="bad-request"' in response.content.decode()


def test_the_htmx_partial_is_only_the_content(client_a):
    response = client_a.get("/replays/?limit=5", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<tr data-replay-id=" in html


def test_no_recordings_says_so(client_a):
    body = {"count": 0, "replays": []}
    get_demo_app().faults.add("/api/v1/replays", status=200, body=json.dumps(body).encode())
    html = client_a.get("/replays/").content.decode()
    assert "No recordings yet" in html and "<table" not in html


def test_a_revoked_key_is_the_invalid_key_page(client_a):
    get_demo_app().faults.add("/api/v1/replays", status=401, body=b'{"error": "revoked"}')
    response = client_a.get("/replays/")
    assert response.status_code == 403
    assert 'data-problem="invalid-key"' in response.content.decode()
