"""Filters and sorting on /sessions/ and /replays/: applied to the rows OakData returned, kept in
the URL, said on the page; the CSV exports what the page shows."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest

from oakdash.dashboard.filters import session_seconds
from oakdash.dashboard.upstream import get_api
from oakdash.demo.hostile import LONG_PATH
from oakdash.demo.projects import ACME_SECRET_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _still(still_demo_clock):
    """Pin the demo's clock: each test compares the page with its own read of the API."""


def sessions(range_: str = "7d", limit: int = 200):
    return get_api().for_key(ACME_SECRET_KEY).sessions(range=range_, limit=limit).sessions


def row_ids(html: str, attr: str = "data-session-id") -> list[str]:
    return re.findall(rf'<tr {attr}="([^"]+)"', html)


def match_count(html: str) -> str:
    return re.search(r"<strong data-match-count>([\d,]+)</strong> of ([\d,]+) (\w+) match", html)


def test_a_country_filter_keeps_only_that_countrys_rows_and_says_how_many(client_a):
    rows = sessions()
    country, _ = Counter(s.country for s in rows if s.country).most_common(1)[0]
    expected = [s.session_id for s in rows if s.country == country]
    html = client_a.get(f"/sessions/?range=7d&limit=200&country={country}").content.decode()
    assert row_ids(html) == expected
    found = match_count(html)
    assert found.groups() == (f"{len(expected):,}", f"{len(rows):,}", "sessions")
    # What is in use is said in words, with a link that removes it.
    assert f'Country: <bdi class="clip" title="{country}">{country}</bdi>' in html
    assert 'href="?range=7d&amp;limit=200" hx-get="?range=7d&amp;limit=200"' in html


def test_filters_combine_and_none_matches_a_missing_value(client_a):
    rows = sessions()
    expected = [s.session_id for s in rows if s.referring_domain is None and not s.is_bot]
    html = client_a.get("/sessions/?range=7d&limit=200&referrer=(none)&bot=no").content.decode()
    assert row_ids(html) == expected
    assert "Referrer: <bdi" in html and "Direct / none" in html


def test_duration_and_entry_page_filters(client_a):
    rows = sessions()
    expected = [s.session_id for s in rows if 60 <= session_seconds(s) < 600]
    html = client_a.get("/sessions/?range=7d&limit=200&duration=60-600").content.decode()
    assert row_ids(html) == expected
    long = [s.session_id for s in rows if s.entry_path == LONG_PATH]
    assert long, "the demo has sessions entering on its 2,000-character path"
    html = client_a.get("/sessions/", {"range": "7d", "limit": "200", "entry": LONG_PATH}).content
    assert row_ids(html.decode()) == long


def test_sorting_orders_the_rows_and_marks_the_column(client_a):
    rows = sessions()
    by_duration = sorted(rows, key=session_seconds, reverse=True)
    html = client_a.get("/sessions/?range=7d&limit=200&sort=-duration").content.decode()
    shown = row_ids(html)
    assert [session_seconds(next(s for s in rows if s.session_id == i)) for i in shown] == [
        session_seconds(s) for s in by_duration
    ]
    assert '<th scope="col" class="num" aria-sort="descending"><a class="sort-link"' in html
    # The heading links flip the current column and start others with the biggest first.
    assert 'href="?range=7d&amp;limit=200&amp;sort=duration"' in html
    assert 'href="?range=7d&amp;limit=200&amp;sort=-pages"' in html


def test_the_csv_exports_the_filtered_sorted_rows(client_a):
    rows = sessions()
    country, _ = Counter(s.country for s in rows if s.country).most_common(1)[0]
    wanted = sorted((s for s in rows if s.country == country), key=lambda s: s.events)
    url = f"/sessions/?range=7d&limit=200&country={country}&sort=events&format=csv"
    response = client_a.get(url)
    assert response["Content-Disposition"].endswith('-filtered.csv"')
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [line[0] for line in table[1:]] == [s.session_id for s in wanted]
    page = client_a.get(url.replace("&format=csv", "")).content.decode()
    assert (
        f'href="?range=7d&amp;limit=200&amp;country={country}&amp;sort=events&amp;format=csv"'
        in page
    )


def test_the_no_javascript_form_lands_on_the_clean_url(client_a):
    response = client_a.get("/sessions/?range=7d&limit=50&country=DE&city=&device=&sort=")
    assert response.status_code == 302
    assert response["Location"] == "/p/acme-shop/sessions/?range=7d&limit=50&country=DE"


def test_the_htmx_partial_carries_the_filtered_table(client_a):
    response = client_a.get("/sessions/?range=7d&country=DE", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "data-filter-status" in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "query",
    ["bot=maybe", "duration=abc", "duration=60-10", "sort=visitor", "country=a&country=b"],
)
def test_a_bad_filter_is_a_400_page_before_any_upstream_call(client_a, upstream_calls, query):
    response = client_a.get(f"/sessions/?{query}")
    assert response.status_code == 400
    assert 'data-problem="bad-request"' in response.content.decode()
    assert upstream_calls == []


def test_the_form_offers_the_values_present_with_their_counts(client_a):
    rows = sessions(limit=50)
    html = client_a.get("/sessions/?range=7d").content.decode()
    counts = Counter(s.device_type or "(none)" for s in rows)
    select = html.split('<select class="input" name="device">', 1)[1].split("</select>", 1)[0]
    for value, count in counts.items():
        assert f">{'Unknown' if value == '(none)' else value} ({count:,})</option>" in select


def test_replays_filter_by_errors_and_sort_by_duration(client_a):
    replays = get_api().for_key(ACME_SECRET_KEY).replays(limit=200).replays
    with_errors = [r for r in replays if r.has_errors]
    assert with_errors
    html = client_a.get("/replays/?limit=200&errors=yes&sort=-duration").content.decode()
    shown = row_ids(html, "data-replay-id")
    assert set(shown) == {r.id for r in with_errors}
    durations = [next(r.duration_ms for r in replays if r.id == i) for i in shown]
    assert durations == sorted(durations, reverse=True)
    assert match_count(html).groups()[1:] == (f"{len(replays):,}", "recordings")


def test_replays_filter_by_entry_page_uses_the_urls_path(client_a):
    replays = get_api().for_key(ACME_SECRET_KEY).replays(limit=200).replays
    html = client_a.get("/replays/?limit=200&entry=/sale").content.decode()
    expected = [r.id for r in replays if r.entry_url and r.entry_url.endswith("acme.test/sale")]
    assert expected
    assert row_ids(html, "data-replay-id") == expected


def test_names_match_in_any_case_but_paths_keep_theirs(client_a):
    rows = sessions()
    mobile = [s.session_id for s in rows if s.device_type == "Mobile"]
    assert mobile
    html = client_a.get("/sessions/?range=7d&limit=200&device=mobile").content.decode()
    assert row_ids(html) == mobile
    assert '<option value="Mobile" selected>' in html
    html = client_a.get("/sessions/?range=7d&limit=200&entry=/PRODUCTS").content.decode()
    assert row_ids(html) == []
