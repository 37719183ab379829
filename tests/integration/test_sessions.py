"""/sessions/: the table of recent sessions, its htmx partial, its CSV, and its failures."""

from __future__ import annotations

import csv
import io
import json
from html import escape as html_escape
from zoneinfo import ZoneInfo

import pytest

from oakdash.dashboard.csv_export import cell
from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.upstream import get_api
from tests.urls import session_url, visitor_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def _warm_demo():
    get_demo_app().warm()  # build the demo's data once, outside any request's timeout


def acme():
    return get_api().for_key(ACME_SECRET_KEY)


def settled(sessions, skip=5):
    """Sessions that ended a while ago: newer ones may still grow between two calls."""
    return sessions[skip:]


def test_the_table_shows_the_sessions_the_api_returned(client_a):
    expected = acme().sessions(range="30d", limit=100).sessions
    html = client_a.get("/sessions/?range=30d&limit=100").content.decode()
    for s in settled(expected):
        assert f'data-session-id="{s.session_id}"' in html
        assert f'href="{session_url(s.session_id)}"' in html
        assert f'href="{visitor_url(s.distinct_id)}"' in html


def test_a_row_shows_duration_counts_paths_geo_and_device(client_a):
    expected = settled(acme().sessions(range="30d", limit=100).sessions)
    s = next(x for x in expected if x.city and x.entry_path and x.browser and not x.is_bot)
    html = client_a.get("/sessions/?range=30d&limit=100").content.decode()
    row = html.split(f'data-session-id="{s.session_id}"', 1)[1].split("</tr>", 1)[0]
    seconds = int((s.last_at - s.started_at).total_seconds())
    from oakdash.dashboard.templatetags.oakfmt import humanduration

    assert humanduration(seconds) in row
    assert f'<td class="num c-pages">{s.pageviews:,}<span class="unit">' in row
    assert f'<td class="num c-events">{s.events:,}<span class="unit">' in row
    assert f'datetime="{s.started_at.isoformat()}"' in row
    for value in (s.entry_path, s.exit_path, s.city, s.browser, s.country):
        assert html_escape(value) in row  # the demo's paths include <script>…


def test_times_are_shown_in_the_viewers_zone_with_the_zone_named(client_a):
    client_a.cookies["oakdash_tz"] = "Asia/Tokyo"
    expected = settled(acme().sessions(range="30d", limit=20).sessions)[0]
    html = client_a.get("/sessions/?range=30d&limit=20").content.decode()
    row = html.split(f'data-session-id="{expected.session_id}"', 1)[1].split("</tr>", 1)[0]
    local = expected.started_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f'title="{local:%Y-%m-%d %H:%M:%S} JST"' in row


def test_bots_carry_a_badge_with_their_name(client_a):
    expected = acme().sessions(range="30d", limit=200).sessions
    bot = next(s for s in settled(expected) if s.is_bot and s.bot_name)
    html = client_a.get("/sessions/?range=30d&limit=200").content.decode()
    row = html.split(f'data-session-id="{bot.session_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="badge badge-bot"' in row
    assert bot.bot_name in row


def test_the_range_and_limit_are_sent_upstream_and_shown(client_a):
    html = client_a.get("/sessions/?range=24h&limit=7").content.decode()
    assert html.count("<tr data-session-id=") <= 7
    assert "in the last 24 hours" in html
    assert 'href="?range=30d&amp;limit=7"' in html  # switching range keeps the limit
    assert 'href="?range=24h&amp;limit=200"' in html  # switching limit keeps the range


def test_the_htmx_partial_is_only_the_content(client_a):
    response = client_a.get("/sessions/?range=7d&limit=10", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<tr data-session-id=" in html
    assert 'hx-push-url="true"' in html


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=abc", "limit=-1", "limit=1.5", "range=1y", "format=xlsx"],
)
def test_a_bad_query_value_is_a_400_page(client_a, query):
    response = client_a.get(f"/sessions/?{query}")
    assert response.status_code == 400
    assert 'data-problem="bad-request"' in response.content.decode()


def test_a_bad_value_in_an_htmx_request_gets_the_problem_fragment(client_a):
    response = client_a.get("/sessions/?limit=999", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in html and 'data-problem="bad-request"' in html


def test_a_revoked_key_is_the_invalid_key_page(client_a):
    get_demo_app().faults.add("/api/v1/sessions", status=401, body=b'{"error": "bad key"}')
    response = client_a.get("/sessions/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-problem="invalid-key"' in html and "/settings/" in html


def test_no_sessions_says_so_for_the_chosen_range(client_a):
    empty = {"range": "24h", "count": 0, "sessions": []}
    get_demo_app().faults.add("/api/v1/sessions", status=200, body=json.dumps(empty).encode())
    html = client_a.get("/sessions/?range=24h").content.decode()
    assert "No sessions in the last 24 hours" in html
    assert "<table" not in html


def test_null_fields_are_shown_as_a_dash(client_a):
    row = {
        "session_id": "s_nulls",
        "distinct_id": "anon_nulls",
        "started_at": "2026-01-01T10:00:00Z",
        "last_at": "2026-01-01T10:03:12Z",
        "pageviews": 1,
        "events": 1,
        "entry_path": None,
        "exit_path": None,
        "referring_domain": None,
        "country": None,
        "city": None,
        "browser": None,
        "os": None,
        "device_type": None,
        "is_bot": False,
        "bot_name": None,
    }
    body = {"range": "7d", "count": 1, "sessions": [row]}
    get_demo_app().faults.add("/api/v1/sessions", status=200, body=json.dumps(body).encode())
    html = client_a.get("/sessions/").content.decode()
    tr = html.split('data-session-id="s_nulls"', 1)[1].split("</tr>", 1)[0]
    assert tr.count("—") >= 7
    assert "None" not in tr
    assert "3m 12s" in tr


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return response, rows[0], rows[1:]


def test_the_csv_holds_the_rows_the_page_shows(client_a):
    url = "/sessions/?range=30d&limit=60"
    html = client_a.get(url).content.decode()
    response, header, rows = download(client_a, url + "&format=csv")
    shown = [part.split('"', 1)[0] for part in html.split('<tr data-session-id="')[1:]]
    assert response["Content-Disposition"] == 'attachment; filename="oakdash-sessions-30d-60.csv"'
    assert header[:4] == ["session_id", "distinct_id", "started_at", "last_at"]
    assert len(rows) == len(shown) == 60
    assert [r[0] for r in rows][5:] == shown[5:]
    expected = {s.session_id: s for s in acme().sessions(range="30d", limit=60).sessions}
    for r in rows[5:]:
        s = expected[r[0]]
        assert r[1] == cell(s.distinct_id)
        assert r[5:7] == [str(s.pageviews), str(s.events)]
        assert r[header.index("is_bot")] == ("true" if s.is_bot else "false")


def test_the_csv_neutralises_spreadsheet_formulas(client_a):
    row = {
        "session_id": "s_formula",
        "distinct_id": '=HYPERLINK("http://evil.test","x")',
        "started_at": "2026-01-01T10:00:00Z",
        "last_at": "2026-01-01T10:00:10Z",
        "pageviews": 1,
        "events": 2,
        "entry_path": "+cmd|' /C calc'!A0",
        "exit_path": "-2+3",
        "referring_domain": "@SUM(A1)",
        "city": 'Quote "and", comma',
        "is_bot": False,
    }
    body = {"range": "7d", "count": 1, "sessions": [row]}
    get_demo_app().faults.add("/api/v1/sessions", status=200, body=json.dumps(body).encode())
    _, header, rows = download(client_a, "/sessions/?format=csv")
    (r,) = rows
    assert r[header.index("distinct_id")] == '\'=HYPERLINK("http://evil.test","x")'
    assert r[header.index("entry_path")] == "'+cmd|' /C calc'!A0"
    assert r[header.index("exit_path")] == "'-2+3"
    assert r[header.index("referring_domain")] == "'@SUM(A1)"
    assert r[header.index("city")] == 'Quote "and", comma'
    assert r[header.index("country")] == ""


def test_the_csv_download_never_carries_the_key(client_a):
    response = client_a.get("/sessions/?format=csv")
    assert ACME_SECRET_KEY.encode() not in response.content
    assert "oakdash-sessions-" in response["Content-Disposition"]


def test_the_heading_says_the_rows_are_the_latest_and_of_how_many(client_a, upstream_calls):
    html = client_a.get("/sessions/?range=7d&limit=50").content.decode()
    assert (
        '<h1>Sessions <span class="muted" data-list-summary>· latest 50 in the last 7 days' in html
    )
    assert upstream_calls == ["/sessions"]  # the total is never worth an extra call

    total = acme().overview(range="7d").stats.sessions
    client_a.get("/?range=7d")  # the overview is cached now: its total is known for free
    upstream_calls.clear()
    html = client_a.get("/sessions/?range=7d&limit=50").content.decode()
    assert f"· latest 50 of {total:,} in the last 7 days" in html
    assert upstream_calls == ["/sessions"]


def test_fewer_rows_than_asked_are_all_of_them(client_a):
    rows = [s.model_dump(mode="json") for s in acme().sessions(range="24h", limit=3).sessions]
    body = json.dumps({"range": "24h", "count": 3, "sessions": rows}).encode()
    get_demo_app().faults.add("/api/v1/sessions", status=200, body=body)
    html = client_a.get("/sessions/?range=24h&limit=50").content.decode()
    assert "· all 3 in the last 24 hours" in html
