"""In Chromium, end to end: a teammate signs in on the provider's own pages and lands on the
page they opened; logging out signs them out at the provider too; live polling survives a
re-check."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore  # settings.SESSION_ENGINE

from tests.sso.conftest import LABEL, configure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFF_MACHINE = re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])")


@pytest.fixture
def page(browser, live_server, settings, provider, user_a):
    user_a.email = "alice@acme.example"
    user_a.save()
    configure(settings, provider, live_server.url)
    context = browser.new_context(base_url=live_server.url, timezone_id="UTC")
    # The provider's development pages @import a web font: nothing leaves this machine.
    context.route(OFF_MACHINE, lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []

    def on_console(message) -> None:  # ours only: the provider's pages miss their web font

        if message.type == "error" and page.url.startswith(live_server.url):
            errors.append(message.text)

    page.on("console", on_console)
    page.console_errors = errors
    yield page
    context.close()


def sign_in_at_provider(page, account: str) -> None:
    page.click(f"text=Sign in with {LABEL}")
    page.fill("input[name=login]", account)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    page.click("text=Continue")  # the provider's consent page


def test_a_teammate_signs_in_lands_on_the_page_opened_and_signs_out_at_the_provider(
    page, live_server, provider
):
    opened = "/p/acme-shop/visitors/a%2Fb/?range=30d"
    page.goto(opened)
    assert "/accounts/login/" in page.url
    sign_in_at_provider(page, "alice")
    page.wait_for_url(live_server.url + opened)
    assert page.url == live_server.url + opened
    assert page.locator('[data-distinct-id="a/b"]').count() == 1
    assert "oak_sec_…a1b2" in page.content()

    page.click(".usermenu summary")
    page.click("text=Log out")
    page.click("text=Yes, sign me out")  # the provider's own logout confirmation
    page.wait_for_url(live_server.url + "/accounts/login/")
    page.click(f"text=Sign in with {LABEL}")
    page.wait_for_selector("input[name=login]")  # the provider asks again: its session ended
    assert page.console_errors == []


def test_live_polling_after_the_recheck_interval_reloads_through_the_provider(
    page, live_server, provider
):
    page.goto("/p/acme-shop/live/")
    sign_in_at_provider(page, "alice")
    page.wait_for_url(live_server.url + "/p/acme-shop/live/")
    page.wait_for_selector("[data-live-widget]")
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()

    polled = provider.stats()["token"]
    with page.expect_navigation(url=live_server.url + "/p/acme-shop/live/"):
        page.evaluate("htmx.trigger(document.querySelector('[data-live-widget]'), 'live:refresh')")
    page.wait_for_selector("[data-live-widget]")
    # Re-checked at the provider without a page there (the top bar's live pill may poll too).
    assert provider.stats()["token"] > polled
    assert page.locator("input[name=login]").count() == 0
    assert SessionStore(session_key=key).get("oidc_id_token_expiration", 0) > time.time() + 800
    assert page.console_errors == []
