"""The table pages in real headless Chromium: htmx controls with history, hostile visitor ids
followed by a real browser, and no CSP violations (the phone layout: test_layout.py)."""

from __future__ import annotations

import time

import pytest

from oakdash.demo import get_demo_app
from oakdash.demo.hostile import HOSTILE_DISTINCT_IDS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _still_demo(monkeypatch):
    app, now = get_demo_app(), time.time()
    monkeypatch.setattr(app, "clock", lambda: now)
    app.warm()


def problems(page) -> list[str]:
    return [m.text for m in page.console_messages if m.type in ("error", "warning")]


def test_the_range_switch_swaps_the_table_and_pushes_the_url(logged_in_page):
    page = logged_in_page
    page.goto("/sessions/?range=7d&limit=25")
    assert page.locator("tr[data-session-id]").count() == 25
    page.get_by_role("navigation", name="Rows shown").get_by_role("link", name="50").click()
    page.wait_for_url("**/sessions/?range=7d&limit=50")
    page.wait_for_function("document.querySelectorAll('tr[data-session-id]').length === 50")
    page.get_by_role("navigation", name="Time range").get_by_role("link", name="24h").click()
    page.wait_for_url("**/sessions/?range=24h&limit=50")
    assert page.get_by_role("heading", level=1).inner_text().endswith("in the last 24 hours")
    page.go_back()
    page.wait_for_url("**/sessions/?range=7d&limit=50")
    assert problems(page) == []


@pytest.mark.parametrize("distinct_id", HOSTILE_DISTINCT_IDS)
def test_clicking_a_hostile_visitor_id_opens_exactly_that_visitor(logged_in_page, distinct_id):
    page = logged_in_page
    page.goto("/sessions/?range=7d&limit=200")
    link = page.locator("a.visitor-link", has=page.locator(f'bdi[title="{distinct_id}"]')).first
    link.click()
    page.wait_for_load_state()
    assert page.locator("[data-distinct-id]").get_attribute("data-distinct-id") == distinct_id
    assert "/visitors/" in page.url
    assert problems(page) == []


def test_the_events_pager_and_properties_work_without_errors(logged_in_page):
    page = logged_in_page
    page.goto("/events/?offset=0&limit=50")
    page.locator("a[rel=next]").first.click()
    page.wait_for_url("**/events/?offset=50&limit=50")
    page.wait_for_function("document.querySelector('.pager-where').textContent.includes('Page 2')")
    details = page.locator("details.props").first
    details.locator("summary").click()
    assert details.locator("pre").is_visible()
    page.fill("#jump-page", "4")
    page.get_by_role("button", name="Go").click()
    page.wait_for_url("**/events/?offset=150&limit=50")
    assert problems(page) == []


def test_visitor_and_replays_pages_render_without_csp_errors(logged_in_page):
    page = logged_in_page
    page.goto("/visitors/a%2Fb/")
    assert page.locator("[data-distinct-id]").get_attribute("data-distinct-id") == "a/b"
    page.goto("/replays/?limit=20")
    assert page.locator("tr[data-replay-id]").count() == 20
    assert problems(page) == []


def test_an_inline_style_left_by_the_cssom_is_not_copied_by_an_htmx_swap(browser, logged_in_page):
    # Screenshot tools, password managers and other extensions write element.style (allowed by
    # the CSP); htmx's settle step used to copy the resulting style="" onto the swapped-in
    # element of the same id with setAttribute, which the strict policy refuses.
    page = logged_in_page
    page.goto("/events/?offset=0&limit=50")
    page.evaluate("document.getElementById('jump-page').style.caretColor = 'transparent'")
    page.locator("a[rel=next]").first.click()
    page.wait_for_url("**/events/?offset=50&limit=50")
    page.wait_for_function("document.querySelector('.pager-where').textContent.includes('Page 2')")
    browser.flush()
    assert browser.violations == []
