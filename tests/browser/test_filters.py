"""Filtering lists in Chromium: a select swaps the table and pushes a clean URL; the overview's rows
open the filtered sessions list."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.upstream import get_api

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("still_demo_clock"),  # tests/conftest.py: the data holds still
]


def test_choosing_a_filter_swaps_the_rows_and_pushes_a_clean_url(logged_in_page):
    page = logged_in_page
    rows = get_api().for_key(ACME_SECRET_KEY).sessions(range="7d", limit=50).sessions
    device, count = Counter(s.device_type for s in rows if s.device_type).most_common(1)[0]
    page.goto("/sessions/?range=7d&limit=50")
    page.evaluate("window.__noReload = 1")
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Device").select_option(device)
    page.wait_for_url(re.compile(rf"/sessions/\?range=7d&limit=50&device={device}$"))
    page.wait_for_selector("[data-filter-status]")
    assert page.locator("[data-match-count]").inner_text() == f"{count:,}"
    assert page.locator("tr[data-session-id]").count() == count
    assert page.evaluate("window.__noReload") == 1

    page.get_by_label("Order").select_option(label="Longest first")
    page.wait_for_url(re.compile(r"sort=-duration"))
    page.get_by_role("link", name=re.compile("^Remove the filter Device")).click()
    page.wait_for_url(re.compile(r"/sessions/\?range=7d&limit=50&sort=-duration$"))
    assert page.locator("tr[data-session-id]").count() == len(rows)
    page.go_back()
    page.wait_for_url(re.compile(rf"device={device}"))
    page.wait_for_selector("[data-filter-status]")
    assert page.locator("tr[data-session-id]").count() == count


def test_a_country_on_the_overview_opens_its_sessions(logged_in_page):
    page = logged_in_page
    overview = get_api().for_key(ACME_SECRET_KEY).overview(range="30d")
    country = overview.top_countries[0].label
    page.goto("/?range=30d")
    page.locator('[data-panel="countries"] a.bd-link').first.click()
    page.wait_for_url(re.compile(rf"/sessions/\?range=30d&limit=200&country={country}$"))
    chip = " ".join(page.locator(".chip").first.inner_text().split())
    assert chip == f"Country: {country} ×"
    sessions = get_api().for_key(ACME_SECRET_KEY).sessions(range="30d", limit=200).sessions
    expected = sum(1 for s in sessions if s.country == country)
    assert page.locator("tr[data-session-id]").count() == expected
    assert page.locator("[data-filter-status] p").inner_text() == (
        f"{expected:,} of {len(sessions):,} sessions match"
    )
