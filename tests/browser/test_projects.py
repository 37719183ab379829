"""Issue 9 in Chromium: the project switcher (keyboard and mouse, live counts loading only when it
opens), a copied link opening the same view for a teammate, and the way in for someone without a
key."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from oakdash.accounts import keystore
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_switcher_opens_by_keyboard_and_mouse_and_keeps_the_page(open_page, user_a):
    keystore.store_key(user_a, GLOBEX_SECRET_KEY, verified=True, name="Globex Docs")
    page = open_page(user_a)
    counts: list[str] = []
    page.on("request", lambda r: counts.append(r.url) if r.url.endswith("/live/count/") else None)
    page.goto("/p/acme-shop/events/?limit=20")
    expect(page).to_have_title("Events · Acme Shop · oakdash")
    switcher = page.locator("details[data-switcher]")
    expect(switcher.locator("[data-current-project]")).to_have_text("Acme Shop")
    page.wait_for_load_state("networkidle")
    assert counts == []  # nothing asked before the menu opens

    switcher.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(switcher.locator(".switcher-count").first).not_to_have_text("…")
    expect(switcher.locator(".switcher-count")).to_have_count(2)
    assert len(counts) == 2
    current = switcher.locator('a[aria-current="true"]')
    expect(current).to_have_attribute("data-project", "acme-shop")
    page.keyboard.press("Tab")  # into the list: the first entry (Acme Shop)
    page.keyboard.press("Tab")  # Globex Docs
    expect(page.locator(":focus")).to_have_attribute("data-project", "globex-docs")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/p/globex-docs/events/\?limit=20$"))
    expect(page.locator("[data-current-project]")).to_have_text("Globex Docs")

    page.locator("details[data-switcher] summary").click()  # the mouse, back to Acme
    page.locator('details[data-switcher] a[data-project="acme-shop"]').click()
    page.wait_for_url(re.compile(r"/p/acme-shop/events/\?limit=20$"))


def test_a_copied_link_opens_the_same_view_for_a_teammate_and_the_way_in_for_others(
    open_page, user_a, user_b, user_nokey, live_server
):
    keystore.store_key(user_b, ACME_SECRET_KEY, verified=True)  # bob: a teammate in Acme Shop
    alice = open_page(user_a)
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
    alice.goto("/sessions/?range=7d&country=DE")  # the old address: redirected into the project
    alice.wait_for_url(re.compile(r"/p/acme-shop/sessions/\?range=7d&country=DE$"))
    alice.get_by_role("button", name="Copy link").click()
    link = alice.evaluate("navigator.clipboard.readText()")
    assert link == f"{live_server.url}/p/acme-shop/sessions/?range=7d&country=DE"
    rows = alice.locator("tr[data-session-id]")
    expect(rows.first).to_be_visible()
    shown = rows.evaluate_all("rows => rows.map(r => r.dataset.sessionId)")

    bob = open_page(user_b)
    bob.goto(link)
    expect(bob).to_have_title("Sessions · Acme Shop · oakdash")
    assert (
        bob.locator("tr[data-session-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.sessionId)"
        )
        == shown
    )

    # carol (nora) has no key for Acme Shop: the access page, then settings, then the view.
    carol = open_page(user_nokey)
    carol.goto(link)
    expect(carol.locator("h1")).to_have_text("You have no key for Acme Shop")
    carol.get_by_role("link", name="Store a key for Acme Shop").click()
    expect(carol.locator("select[name=project]")).to_have_value("acme-shop")
    carol.locator("#add-key input[name=api_key]").fill(ACME_SECRET_KEY)  # a teammate's key
    carol.get_by_role("button", name="Save key").click()
    carol.wait_for_url(link)
    expect(carol).to_have_title("Sessions · Acme Shop · oakdash")
    assert (
        carol.locator("tr[data-session-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.sessionId)"
        )
        == shown
    )
