"""A teammate logs in through the real form in Chromium and lands on the overview."""

from __future__ import annotations

import pytest

from oakdash.dashboard.templatetags.oakfmt import compact
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_logging_in_shows_the_overview_of_the_users_project(browser, live_server, user_a):
    from oakdash.demo.projects import ACME_SECRET_KEY
    from oakdash.upstream import get_api

    expected = get_api().for_key(ACME_SECRET_KEY).overview(range="30d")
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: m.type == "error" and violations.append(m.text))
    try:
        page.goto("/?range=30d")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", "alice")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/?range=30d")
        shown = page.locator('[data-stat="pageviews"]').first.inner_text().strip()
        count = expected.stats.pageviews
        assert shown in {f"{count:,}", compact(count)}
        assert "oak_sec_…a1b2" in page.content()
        assert ACME_SECRET_KEY not in page.content()
        assert violations == []
    finally:
        context.close()
