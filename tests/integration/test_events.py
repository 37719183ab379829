"""/events/: the firehose in pages (?offset=&limit=), the jump form, the CSV, the failures."""

from __future__ import annotations

import csv
import html as htmllib
import io
import json
import re

import pytest

from oakdash.demo import get_demo_app
from tests.conftest import acme
from tests.urls import session_url, visitor_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _still_demo_clock(still_demo_clock):
    """Pin the demo's clock: the firehose grows every minute and a test compares two reads."""


def fake_page(rows, total, offset=0, limit=100):
    body = {"offset": offset, "limit": limit, "rows": rows, "total": total}
    get_demo_app().faults.add("/api/v1/events", status=200, body=json.dumps(body).encode())


def hrefs(html: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def test_the_page_shows_the_rows_the_api_returned_in_order(client_a):
    expected = acme().events(offset=100, limit=50)
    html = client_a.get("/events/?offset=100&limit=50").content.decode()
    shown = re.findall(r'<tr data-uuid="([^"]*)"', html)
    assert shown == [e.uuid for e in expected.rows]
    for e in expected.rows:
        if e.distinct_id:
            assert f'href="{visitor_url(e.distinct_id)}"' in html
        if e.session_id:
            assert f'href="{session_url(e.session_id)}"' in html
    assert f"{expected.total:,} in all" in html
    assert f"Rows 101–150 of {expected.total:,}" in html


def test_pages_are_computed_from_the_exact_total(client_a):
    total = acme().events(limit=1).total
    html = client_a.get("/events/?offset=100&limit=50").content.decode()
    pages = -(-total // 50)
    assert f"Page 3 of {pages:,}" in html
    links = hrefs(html)
    assert "?offset=0&limit=50" in links  # first
    assert "?offset=50&limit=50" in links  # previous
    assert "?offset=150&limit=50" in links  # next
    assert f"?offset={(pages - 1) * 50}&limit=50" in links  # last


def test_the_first_page_has_no_previous_and_the_last_no_next(client_a):
    fake_page([], total=250, offset=0, limit=100)
    html = client_a.get("/events/?offset=0&limit=100").content.decode()
    assert 'rel="prev"' not in html and 'rel="next"' in html
    assert "?offset=200&limit=100" in hrefs(html)
    get_demo_app().faults.clear()
    fake_page([], total=250, offset=200, limit=100)
    html = client_a.get("/events/?offset=200&limit=100").content.decode()
    assert 'rel="next"' not in html and 'rel="last"' not in html and 'rel="prev"' in html


def test_the_last_link_never_passes_the_offset_bound_and_says_so(client_a):
    fake_page([], total=5_000_000, offset=0, limit=300)
    html = client_a.get("/events/?offset=0&limit=300").content.decode()
    offsets = [int(m) for m in re.findall(r"offset=(\d+)", html)]
    assert max(offsets) == 999_900  # the last whole page that starts within 1,000,000
    assert "1,000,000" in html and "out of reach" in html
    assert "3,999,800 oldest events" in html


def test_the_jump_form_is_a_plain_get_that_lands_on_the_canonical_url(client_a):
    html = client_a.get("/events/?limit=50").content.decode()
    form = html.split('<form class="jump"', 1)[1].split("</form>", 1)[0]
    assert 'method="get"' in form and 'name="page"' in form and "hx-" not in form
    response = client_a.get("/events/?page=4&limit=50")
    assert response.status_code == 302
    assert response["Location"] == "?offset=150&limit=50"


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=3&offset=0", "page=20002&limit=50"])
def test_a_bad_jump_is_a_400_page(client_a, query):
    response = client_a.get(f"/events/?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=501", "limit=abc", "offset=-1", "offset=1.5", "offset=x"]
)
def test_a_bad_query_value_is_a_400_page(client_a, query):
    response = client_a.get(f"/events/?{query}")
    assert response.status_code == 400
    assert 'data-problem="bad-request"' in response.content.decode()


def test_an_offset_past_a_million_gets_a_clear_400(client_a):
    response = client_a.get("/events/?offset=1000001")
    assert response.status_code == 400
    assert "offset can be at most 1,000,000" in response.content.decode()


def test_a_page_past_the_end_says_where_the_last_page_is(client_a):
    fake_page([], total=120, offset=500, limit=100)
    html = client_a.get("/events/?offset=500&limit=100").content.decode()
    assert "No events on this page" in html
    assert "?offset=100&limit=100" in hrefs(html)


def test_no_events_at_all_says_so(client_a):
    fake_page([], total=0)
    html = client_a.get("/events/").content.decode()
    assert "No events recorded yet" in html
    assert "<table" not in html


def test_the_htmx_partial_is_only_the_content(client_a):
    response = client_a.get("/events/?offset=0&limit=20", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<tr data-uuid=" in html
    assert 'hx-push-url="true"' in html


def test_the_csv_holds_the_rows_of_the_page_shown(client_a):
    expected = acme().events(offset=40, limit=30)
    response = client_a.get("/events/?offset=40&limit=30&format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="oakdash-events-40-30.csv"'
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(expected.rows) == 30
    for row, event in zip(rows, expected.rows, strict=True):
        record = dict(zip(header, row, strict=True))
        assert record["uuid"] == event.uuid
        assert record["event"].lstrip("'") == event.event
        assert json.loads(record["properties"]) == json.loads(
            json.dumps(event.properties, default=str)
        )


def test_the_csv_neutralises_formulas(client_a):
    row = {
        "event": "=cmd|' /C calc'!A0",
        "timestamp": "2026-01-01T10:00:00Z",
        "pathname": "@SUM(1+1)",
        "distinct_id": "+1",
        "properties": {"a": 1},
    }
    fake_page([row], total=1)
    response = client_a.get("/events/?format=csv")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    record = dict(zip(header, rows[0], strict=True))
    assert record["event"] == "'=cmd|' /C calc'!A0"
    assert record["pathname"] == "'@SUM(1+1)"
    assert record["distinct_id"] == "'+1"


def test_a_revoked_key_is_the_invalid_key_page(client_a):
    get_demo_app().faults.add("/api/v1/events", status=401, body=b'{"error": "revoked"}')
    response = client_a.get("/events/")
    assert response.status_code == 403
    assert 'data-problem="invalid-key"' in response.content.decode()
