"""What a person sees at 1440 px and on a 390 px phone: tables that fit, aligned panels, a compact
top bar with a menu, card lists, and the replay player first on a phone."""

from __future__ import annotations

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.upstream import get_api

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("still_demo_clock"),  # tests/conftest.py: the data holds still
]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

# Every .table-wrap on the page: [content width, box width].
TABLE_FITS = """() => [...document.querySelectorAll('.table-wrap')]
    .map(w => [w.scrollWidth, w.clientWidth])"""


def first_replay_id() -> str:
    return get_api().for_key(ACME_SECRET_KEY).replays(limit=1).replays[0].id


@pytest.mark.parametrize(
    "path", ["/sessions/?range=7d&limit=200", "/visitors/a%2Fb/", "/replays/?limit=200"]
)
def test_at_1440_px_the_tables_fit_their_boxes(open_page, user_a, path):
    page = open_page(user_a, viewport=DESKTOP)
    page.goto(path)
    fits = page.evaluate(TABLE_FITS)
    assert fits and all(content <= box for content, box in fits), fits
    if "sessions" in path:
        heading = page.get_by_role("columnheader", name="Last event").bounding_box()
        wrap = page.locator(".table-wrap").bounding_box()
        assert heading["x"] + heading["width"] <= wrap["x"] + wrap["width"]


def test_the_visitor_page_does_not_repeat_the_visitor_in_every_row(open_page, user_a):
    page = open_page(user_a, viewport=DESKTOP)
    page.goto("/visitors/a%2Fb/")
    headers = page.locator(".sessions-table thead th").all_inner_texts()
    assert "VISITOR" not in [h.strip().upper() for h in headers]
    assert page.locator(".sessions-table a.visitor-link").count() == 0


def test_rows_revealed_by_show_all_line_up_with_the_header(open_page, user_a):
    page = open_page(user_a, viewport=DESKTOP)
    page.goto("/?range=30d")
    panel = page.locator('[data-panel="pages"]')
    extra = panel.locator("tr.bd-extra").first
    assert not extra.is_visible()
    panel.locator("details.breakdown-more summary").click()
    assert extra.is_visible()
    edges = page.evaluate(
        """() => {
            const panel = document.querySelector('[data-panel="pages"]');
            const right = el => Math.round(el.getBoundingClientRect().right);
            const width = el => Math.round(el.getBoundingClientRect().width);
            const head = panel.querySelectorAll('thead th');
            const row = panel.querySelector('tr.bd-extra').children;
            return {head: [...head].map(right), row: [...row].map(right),
                    headLabel: width(head[0]), rowLabel: width(row[0])};
        }"""
    )
    assert edges["head"] == edges["row"]
    assert edges["headLabel"] == edges["rowLabel"]
    panel.locator("details.breakdown-more summary").click()
    assert not extra.is_visible()


def test_the_replay_device_line_is_not_cut_when_there_is_room(open_page, user_a):
    page = open_page(user_a, viewport=DESKTOP)
    page.goto(f"/replays/{first_replay_id()}/")
    device = page.locator(".replay-meta dt", has_text="Device").locator("xpath=../dd")
    assert device.evaluate("dd => dd.scrollWidth <= dd.clientWidth")


def test_a_phone_gets_a_one_row_top_bar_with_a_menu_button(open_page, user_a):
    page = open_page(user_a, viewport=PHONE)
    page.goto("/sessions/")
    bar = page.locator(".topbar").bounding_box()
    assert bar["height"] <= 60
    nav = page.get_by_role("navigation", name="Main")
    button = page.get_by_role("button", name="Menu")
    assert not nav.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    button.focus()
    page.keyboard.press("Enter")
    assert nav.is_visible() and button.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")  # the links come right after the button
    assert page.evaluate("document.activeElement.closest('#mainnav') !== null")
    page.keyboard.press("Escape")
    assert not nav.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-nav-toggle')")
    button.click()
    nav.get_by_role("link", name="Replays").click()
    page.wait_for_url("**/replays/")


def test_without_javascript_the_navigation_stays_in_the_top_bar(open_page, user_a):
    page = open_page(user_a, viewport=PHONE, java_script_enabled=False)
    page.goto("/sessions/")
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert not page.locator("[data-nav-toggle]").is_visible()


@pytest.mark.parametrize("path", ["/sessions/?range=7d&limit=50", "/events/", "/replays/"])
def test_on_a_phone_lists_are_cards_not_sideways_tables(open_page, user_a, path):
    page = open_page(user_a, viewport=PHONE)
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    fits = page.evaluate(TABLE_FITS)
    assert all(content <= box for content, box in fits), fits
    cards = page.evaluate(
        """() => [...document.querySelectorAll('.cards-on-phone tbody tr')].slice(0, 10)
            .map(tr => { const box = tr.getBoundingClientRect();
                         return [getComputedStyle(tr).display, box.left, box.right]; })"""
    )
    assert cards and all(
        display == "flex" and left >= 0 and right <= PHONE["width"]
        for display, left, right in cards
    ), cards
    # A card says what its numbers are ("3 pages"), which a table leaves to its header.
    if "sessions" in path:
        assert page.locator("tbody tr .c-pages").first.inner_text().endswith(("page", "pages"))


def test_on_a_phone_the_replay_player_comes_before_its_details(open_page, user_a):
    page = open_page(user_a, viewport=PHONE)
    page.goto(f"/replays/{first_replay_id()}/")
    player = page.locator(".replay-stage").bounding_box()
    details = page.locator(".replay-meta").bounding_box()
    assert player["y"] < details["y"]
