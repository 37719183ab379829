"""The overview page `/`: what a user sees for each range, and every way it can go wrong."""

from __future__ import annotations

import html
import json
import re

import pytest

from oakdash.dashboard.upstream import get_api
from oakdash.dashboard.views.overview import PANELS, TOP_ROWS
from oakdash.demo import get_demo_app
from oakdash.demo import hostile as h
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY

pytestmark = pytest.mark.django_db


def acme(range_: str = "7d", exclude_bots: bool = False):
    return get_api().for_key(ACME_SECRET_KEY).overview(range=range_, exclude_bots=exclude_bots)


@pytest.fixture(autouse=True)
def _still_demo_clock(still_demo_clock):
    """Pin the demo's clock: its data moves on every minute, and a test compares two reads."""


def stat(page: str, name: str) -> str:
    match = re.search(rf'<dd data-stat="{name}"[^>]*>([^<]*)</dd>', page)
    assert match, f"no {name} card"
    return match.group(1)


def stat_title(page: str, name: str) -> str:
    match = re.search(rf'<dd data-stat="{name}" title="([^"]*)"', page)
    assert match, f"no {name} card title"
    return match.group(1)


def chart_json(page: str) -> dict:
    pattern = r'<script id="overview-chart-data" type="application/json">(.*?)</script>'
    match = re.search(pattern, page)
    assert match, "no chart data"
    return json.loads(match.group(1))


def panel_html(page: str, slug: str) -> str:
    pattern = rf'<section class="card breakdown" data-panel="{slug}".*?</section>'
    match = re.search(pattern, page, re.S)
    assert match, f"no {slug} panel"
    return match.group(0)


def canned_overview(**changes) -> bytes:
    """A valid /overview answer with no traffic at all, for empty states and ordering checks."""
    body = {
        "range": "24h",
        "stats": {
            "pageviews": 0,
            "visitors": 0,
            "sessions": 0,
            "avgSessionDurationSec": 0,
            "avgPagesPerSession": 0,
            "bounceRate": 0,
        },
        "timeSeries": [],
        "topPages": [],
        "topReferrers": [],
        "topSources": [],
        "topCampaigns": [],
        "topCountries": [],
        "topCities": [],
        "browsers": [],
        "operatingSystems": [],
        "deviceTypes": [],
        "eventCount": 0,
    }
    body.update(changes)
    return json.dumps(body).encode()


def test_the_stat_cards_show_what_the_api_returned(client_a):
    expected = acme("30d")
    page = client_a.get("/?range=30d").content.decode()
    stats = expected.stats
    assert stat_title(page, "visitors") == f"{stats.visitors:,} visitors"
    assert stat_title(page, "pageviews") == f"{stats.pageviews:,} pageviews"
    assert stat_title(page, "sessions") == f"{stats.sessions:,} sessions"
    assert stat_title(page, "events") == f"{expected.event_count:,} events"
    seconds = int(stats.avg_session_duration_sec)
    assert stat(page, "duration") == f"{seconds // 60}:{seconds % 60:02d}"
    assert stat(page, "pages-per-session") == f"{stats.avg_pages_per_session:.1f}"
    assert stat(page, "bounce-rate") == f"{stats.bounce_rate:.1f}%"


def test_big_numbers_are_shortened_on_the_cards_with_the_exact_value_on_hover(client_a):
    expected = acme("90d")
    assert expected.stats.pageviews >= 10_000  # the demo has plenty of traffic in 90 days
    page = client_a.get("/?range=90d").content.decode()
    assert stat(page, "pageviews") == f"{expected.stats.pageviews / 1000:.1f}k".replace(".0k", "k")


def test_the_chart_gets_one_point_per_bucket_hourly_for_24h(client_a):
    expected = acme("24h")
    data = chart_json(client_a.get("/?range=24h").content.decode())
    assert data["unit"] == "hour"
    assert data["visitors"] == [p.visitors for p in expected.time_series]
    assert data["pageviews"] == [p.pageviews for p in expected.time_series]
    assert data["sessions"] == [p.sessions for p in expected.time_series]
    assert len(data["labels"]) == len(expected.time_series)
    assert all(re.fullmatch(r"\d\d:00", label) for label in data["labels"])


def test_the_chart_is_daily_for_longer_ranges_with_a_table_of_the_same_numbers(client_a):
    expected = acme("7d")
    page = client_a.get("/?range=7d").content.decode()
    data = chart_json(page)
    assert data["unit"] == "day"
    assert data["visitors"] == [p.visitors for p in expected.time_series]
    table = re.search(r'<details class="chart-table".*?</details>', page, re.S).group(0)
    assert table.count('<th scope="row">') == len(expected.time_series)
    busiest = max(expected.time_series, key=lambda p: p.pageviews)
    assert f'<td class="num">{busiest.pageviews:,}</td>' in table


@pytest.mark.parametrize(("range_", "unit"), [("24h", "hour"), ("7d", "day"), ("90d", "day")])
def test_the_first_and_last_buckets_are_marked_partial(client_a, range_, unit):
    expected = acme(range_)
    page = client_a.get(f"/?range={range_}").content.decode()
    partial = chart_json(page)["partial"]
    assert len(partial) == len(expected.time_series)
    # The range starts inside the first bucket and the last one is still running.
    assert partial[0].startswith(f"Partial {unit}: the range starts at ")
    assert partial[-1].startswith(f"Partial {unit}: counted until ")
    assert partial[1:-1] == [None] * (len(partial) - 2)
    table = re.search(r'<details class="chart-table".*?</details>', page, re.S).group(0)
    assert table.count('<tr class="partial-row">') == 2
    assert ("Dashed: an hour" if unit == "hour" else "Dashed: a day") in page


def test_buckets_the_range_covers_whole_are_not_partial():
    import datetime as dt

    from oakdash.dashboard.views.overview import partial_buckets
    from oakdash.oakdata import models

    midnight = dt.datetime(2026, 3, 8, tzinfo=dt.UTC)
    days = [midnight - dt.timedelta(days=n) for n in range(7, 0, -1)]
    series = [{"bucket": d.isoformat(), "visitors": 1, "pageviews": 1, "sessions": 1} for d in days]
    overview = models.Overview.model_validate_json(canned_overview(range="7d", timeSeries=series))
    assert partial_buckets(overview, "7d", midnight) == [None] * 7
    later = midnight + dt.timedelta(hours=6)
    notes = partial_buckets(overview, "7d", later)
    assert notes[0] == "Partial day: the range starts at 06:00 UTC"
    assert notes[1:] == [None] * 6


def test_the_numbers_table_names_utc_days_whatever_the_viewers_zone(client_a):
    expected = acme("7d")
    client_a.cookies["oakdash_tz"] = "America/Los_Angeles"  # UTC-8: local dates are a day early
    page = client_a.get("/?range=7d").content.decode()
    table = re.search(r'<details class="chart-table".*?</details>', page, re.S).group(0)
    for point in expected.time_series:
        day = point.bucket.strftime("%a %d %b %Y")
        assert f'<time datetime="{point.bucket.isoformat()}">{day}</time>' in table


def test_hourly_labels_follow_the_viewers_time_zone(client_a):
    expected = acme("24h")
    client_a.cookies["oakdash_tz"] = "Asia/Kolkata"  # UTC+5:30: every label ends in :30
    data = chart_json(client_a.get("/?range=24h").content.decode())
    assert len(data["labels"]) == len(expected.time_series)
    assert all(label.endswith(":30") for label in data["labels"])
    assert all(title.endswith("IST") for title in data["titles"])


def test_every_breakdown_panel_lists_the_api_rows_with_visitors_and_pageviews(client_a):
    expected = acme("7d")
    page = client_a.get("/?range=7d").content.decode()
    for spec in PANELS:
        rows = getattr(expected, spec.attr)
        panel = panel_html(page, spec.slug)
        assert spec.title in panel
        assert rows, f"the demo has {spec.slug} in 7 days"
        top = rows[0]
        label = spec.none_label if top.label is None else html.escape(top.label)
        assert label in panel
        # Exact numbers in the columns, in one format ("17,923" beside "9,493", never "17.9k").
        assert f'<td class="num">{top.visitors:,}</td>' in panel
        assert f'<td class="num">{top.pageviews:,}</td>' in panel
        assert not re.search(r'<td class="num">[\d.]+k</td>', panel)
        assert f'<meter class="bd-bar" min="0" max="{top.visitors}" value="{top.visitors}"' in panel


def test_a_long_breakdown_shows_eight_rows_and_the_rest_behind_show_all(client_a):
    expected = acme("30d")
    page = client_a.get("/?range=30d").content.decode()
    pages = expected.top_pages
    assert len(pages) > TOP_ROWS
    panel = panel_html(page, "pages")
    # One table (the revealed rows share the header's columns); the rest are marked for CSS.
    assert panel.count("<table") == 1
    assert panel.count("<tr>") - 1 == TOP_ROWS  # minus the header row
    assert panel.count('<tr class="bd-extra">') == len(pages) - TOP_ROWS
    last_row = panel.split('<tr class="bd-extra">')[-1]
    assert html.escape(pages[-1].label or "") in last_row
    more = panel.split('<details class="breakdown-more">', 1)[1]
    assert f"Show all {len(pages)}" in more


def test_a_breakdown_row_opens_the_sessions_it_counts(client_a):
    expected = acme("30d")
    page = client_a.get("/?range=30d&exclude_bots=1").content.decode()
    country = expected.top_countries[0].label
    link = f'href="/p/acme-shop/sessions/?range=30d&amp;limit=200&amp;bot=no&amp;country={country}"'
    assert link in panel_html(page, "countries")
    referrers = panel_html(page, "referrers")
    assert "referrer=%28none%29" in referrers  # "Direct / none" opens sessions with no referrer
    # Sessions carry no UTM source or campaign: those rows are not links.
    assert "<a " not in panel_html(page, "sources")
    assert "<a " not in panel_html(page, "campaigns")


def test_null_labels_read_as_direct_or_unknown(client_a):
    get_demo_app().faults.add(
        "/api/v1/overview",
        status=200,
        body=canned_overview(
            topReferrers=[{"label": None, "visitors": 5, "pageviews": 9}],
            topCountries=[{"label": None, "visitors": 2, "pageviews": 2}],
        ),
    )
    page = client_a.get("/?range=24h").content.decode()
    assert "Direct / none" in panel_html(page, "referrers")
    assert "Unknown" in panel_html(page, "countries")
    assert "None" not in panel_html(page, "referrers")


def test_no_traffic_gets_empty_states_that_name_the_range(client_a):
    get_demo_app().faults.add("/api/v1/overview", status=200, body=canned_overview())
    page = client_a.get("/?range=24h").content.decode()
    assert "No sessions in the last 24 hours." in page
    assert "data-overview-chart" not in page
    assert "No campaigns in the last 24 hours." in panel_html(page, "campaigns")
    assert "No cities in the last 24 hours." in panel_html(page, "cities")


def test_the_htmx_partial_carries_only_the_content(client_a):
    expected = acme("24h")
    response = client_a.get("/?range=24h", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "topbar" not in page
    assert 'id="page-content"' not in page  # the partial is what goes inside it
    assert stat_title(page, "visitors") == f"{expected.stats.visitors:,} visitors"
    assert 'id="overview-chart-data"' in page
    assert "HX-Request" in response["Vary"]


def test_the_full_page_loads_chart_js_and_the_page_script(client_a):
    page = client_a.get("/").content.decode()
    assert 'id="page-content"' in page
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in page
    assert "js/overview.js" in page


@pytest.mark.parametrize(
    "query", ["range=1y", "range=7D", "exclude_bots=maybe", "range=7d&range=30d"]
)
def test_a_bad_query_value_gets_the_400_page(client_a, query):
    response = client_a.get(f"/?{query}")
    assert response.status_code == 400
    assert "That link has a value oakdash cannot use" in response.content.decode()


def test_a_bad_range_in_an_htmx_request_gets_only_the_problem(client_a):
    response = client_a.get("/?range=1y", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert 'data-problem="bad-request"' in response.content.decode()


def test_excluding_bots_changes_the_numbers_and_stays_in_every_link(client_a):
    everyone, humans = acme("30d"), acme("30d", exclude_bots=True)
    assert humans.stats.sessions < everyone.stats.sessions
    page = client_a.get("/?range=30d&exclude_bots=1").content.decode()
    assert stat_title(page, "sessions") == f"{humans.stats.sessions:,} sessions"
    assert 'role="switch" aria-checked="true"' in page
    for r in ("24h", "7d", "30d", "90d"):
        assert f'href="?range={r}&amp;exclude_bots=1"' in page
    assert 'href="?range=30d" hx-get="?range=30d"' in page  # the switch turns it off again

    page = client_a.get("/?range=30d").content.decode()
    assert stat_title(page, "sessions") == f"{everyone.stats.sessions:,} sessions"
    assert 'href="?range=7d"' in page and "exclude_bots=1&amp;" not in page


def test_the_range_links_are_real_links_and_htmx_pushes_them(client_a):
    page = client_a.get("/?range=90d").content.decode()
    assert (
        '<a href="?range=24h" hx-get="?range=24h" hx-target="#page-content" hx-push-url="true"'
        in page
    )
    assert 'data-range="90d" aria-current="true"' in page


def test_a_second_view_within_a_minute_makes_no_upstream_call(client_a, upstream_calls):
    first = client_a.get("/?range=7d").content.decode()
    assert upstream_calls == ["/overview"]
    second = client_a.get("/?range=7d").content.decode()
    assert upstream_calls == ["/overview"]
    assert stat_title(first, "visitors") == stat_title(second, "visitors")
    client_a.get("/?range=7d&exclude_bots=1")
    assert upstream_calls == ["/overview", "/overview"]  # another view, another entry


def test_the_cache_is_per_project(client_a, client_b, upstream_calls):
    client_a.get("/?range=7d")
    client_b.get("/?range=7d")
    assert len(upstream_calls) == 2


def test_refresh_is_a_post_that_asks_upstream_again(client_a, upstream_calls):
    client_a.get("/?range=24h&exclude_bots=1")
    response = client_a.post("/?range=24h&exclude_bots=1", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert upstream_calls == ["/overview", "/overview"]
    assert "As of <time" in page
    assert (
        '<form method="post" action="?range=24h&amp;exclude_bots=1" '
        'hx-post="?range=24h&amp;exclude_bots=1" hx-target="#page-content" hx-push-url="false">'
    ) in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "refresh" not in " ".join(re.findall(r'(?:href|hx-get)="([^"]*)"', page))


def test_a_get_never_refreshes(client_a, upstream_calls):
    client_a.get("/?range=30d")
    assert client_a.get("/?range=30d&refresh=1").status_code == 200
    assert upstream_calls == ["/overview"]  # the old ?refresh=1 link is served from the cache


def test_refresh_without_javascript_redirects_to_the_view(client_a, upstream_calls):
    response = client_a.post("/?range=30d")
    assert response.status_code == 303
    assert response["Location"] == "/p/acme-shop/?range=30d"
    assert upstream_calls == ["/overview"]
    client_a.get(response["Location"])
    assert upstream_calls == ["/overview"]  # the redirect target is served from the fresh cache


def test_refresh_needs_the_csrf_token(user_a, upstream_calls):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user_a)
    assert client.post("/?range=30d").status_code == 403
    assert upstream_calls == []


def test_the_page_says_when_the_numbers_were_fetched(client_a):
    client_a.cookies["oakdash_tz"] = "Europe/Berlin"
    page = client_a.get("/").content.decode()
    as_of = r'As of <time datetime="[^"]+" title="[^"]+ CES?T">\d\d:\d\d:\d\d</time>'
    assert re.search(as_of, page)


@pytest.mark.parametrize(
    ("status", "expected_status", "words"),
    [
        (401, 403, "Your key is no longer valid"),
        (403, 403, "Your stored key is a public key"),
        (400, 400, "OakData refused the request"),
        (500, 503, "OakData did not answer"),
        (503, 503, "OakData did not answer"),
    ],
)
def test_each_upstream_error_gets_its_page(client_a, status, expected_status, words):
    get_demo_app().faults.add("/api/v1/overview", status=status, body=b'{"error": "nope"}')
    response = client_a.get("/?range=7d")
    assert response.status_code == expected_status
    assert words in response.content.decode()
    partial = client_a.get("/?range=30d", HTTP_HX_REQUEST="true")
    assert partial.status_code == expected_status
    assert words in partial.content.decode() and "<html" not in partial.content.decode()


def test_hostile_labels_are_escaped_and_clipped(client_a):
    page = client_a.get("/?range=7d").content.decode()
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel_html(page, "pages")
    assert "&lt;img src=x onerror=alert(1)&gt;" in panel_html(page, "campaigns")
    assert f"<bdi>{h.ARABIC_CITY}</bdi>" in panel_html(page, "cities")
    assert f'<span class="bd-text" title="{h.LONG_PATH}"><bdi>{h.LONG_PATH}</bdi>' in page
    assert 'href="javascript:' not in page


def test_two_users_see_their_own_projects(client_a, client_b):
    acme_view = acme("7d")
    globex_view = get_api().for_key(GLOBEX_SECRET_KEY).overview(range="7d")
    assert acme_view.stats.visitors != globex_view.stats.visitors
    page_a = client_a.get("/?range=7d").content.decode()
    page_b = client_b.get("/?range=7d").content.decode()
    assert stat_title(page_a, "visitors") == f"{acme_view.stats.visitors:,} visitors"
    assert stat_title(page_b, "visitors") == f"{globex_view.stats.visitors:,} visitors"
    only_acme = {r.label for r in acme_view.top_pages} - {r.label for r in globex_view.top_pages}
    only_globex = {r.label for r in globex_view.top_pages} - {r.label for r in acme_view.top_pages}
    assert "/products/oak-desk" in only_acme
    globex_page = sorted(label for label in only_globex if label and label.isascii())[0]
    assert "/products/oak-desk" in page_a and "/products/oak-desk" not in page_b
    assert html.escape(globex_page) in page_b and html.escape(globex_page) not in page_a
    for page in (page_a, page_b):
        assert ACME_SECRET_KEY not in page and GLOBEX_SECRET_KEY not in page


def test_a_user_without_a_key_is_sent_to_settings(client_nokey):
    response = client_nokey.get("/?range=30d")
    assert response.status_code == 302
    assert response["Location"].startswith("/settings/?next=%2F%3Frange%3D30d")
