"""The journey page in real headless Chromium: collapsing branches, range switches, layout."""

from __future__ import annotations

import re
import time

import pytest

from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.upstream import get_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _still_demo(monkeypatch):
    """Pin the demo's clock (its data moves every minute) and build its data up front."""
    app, now = get_demo_app(), time.time()
    monkeypatch.setattr(app, "clock", lambda: now)
    app.warm()


def acme(range_: str):
    return get_api().for_key(ACME_SECRET_KEY).journey(range=range_)


def problems(page) -> list[str]:
    return [m.text for m in page.console_messages if m.type in ("error", "warning")]


def test_a_branch_collapses_and_opens_again_on_click(logged_in_page):
    page = logged_in_page
    page.goto("/journey/?range=7d")
    branch = page.locator('details[data-key="j0"]')
    first_child = branch.locator(":scope > ol > li").first
    assert branch.evaluate("d => d.open") is True
    assert first_child.is_visible()

    branch.locator(":scope > summary").click()
    assert branch.evaluate("d => d.open") is False
    assert not first_child.is_visible()

    branch.locator(":scope > summary").click()
    assert first_child.is_visible()
    assert problems(page) == []


def test_collapse_all_and_expand_all(logged_in_page):
    page = logged_in_page
    page.goto("/journey/?range=7d")
    page.click("[data-journey-collapse]")
    assert page.locator("#journey-tree details.jn-branch[open]").count() == 0
    assert not page.locator('[data-level="2"]').first.is_visible()
    page.click("[data-journey-expand]")
    assert page.locator("#journey-tree details.jn-branch:not([open])").count() == 0
    assert page.locator('[data-level="3"]').first.is_visible()


def test_switching_the_range_swaps_the_tree_and_back_restores_it(logged_in_page):
    page = logged_in_page
    week, day = acme("7d"), acme("24h")
    assert week.total_sessions != day.total_sessions
    page.goto("/journey/?range=7d")
    page.evaluate("window.__noReload = 1")
    page.click('a[data-range="24h"]')
    page.wait_for_url(re.compile(r"/journey/\?range=24h$"))
    page.wait_for_selector(f'[data-total-sessions="{day.total_sessions}"]')
    assert page.evaluate("window.__noReload") == 1
    assert page.is_visible("[data-journey-collapse]")  # the tools come back after a swap

    page.go_back()
    page.wait_for_url(re.compile(r"range=7d$"))
    page.wait_for_selector(f'[data-total-sessions="{week.total_sessions}"]')
    assert page.get_attribute('a[data-range="7d"]', "aria-current") == "true"
    assert problems(page) == []


def test_a_phone_sees_the_tree_without_sideways_overflow(logged_in_page):
    page = logged_in_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/journey/?range=30d")
    page.wait_for_selector("#journey-tree")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    count = page.locator('details[data-key="j0"] > summary .jn-count')
    assert count.is_visible()
    assert count.bounding_box()["x"] + count.bounding_box()["width"] <= 375


def test_only_the_entry_pages_open_on_their_next_steps(logged_in_page):
    page = logged_in_page
    page.goto("/journey/?range=7d")
    levels = page.evaluate(
        """() => [...document.querySelectorAll('#journey-tree details.jn-branch')].map(d =>
               [d.closest('li').dataset.level, d.open])"""
    )
    assert {level for level, is_open in levels if is_open} == {"1"}
    assert any(level == "2" for level, _ in levels)  # deeper branches exist, closed
    assert page.locator('[data-level="2"]').first.is_visible()
    assert not page.locator('[data-level="3"]').first.is_visible()
    page.click("[data-journey-expand]")
    assert page.locator('[data-level="3"]').first.is_visible()
