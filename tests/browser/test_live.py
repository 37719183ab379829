"""The live widget and nav count in real headless Chromium: polling, pausing, staleness."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from oakdash.dashboard.upstream import get_api
from oakdash.demo import get_demo_app
from oakdash.demo.hostile import ARABIC_TEXT, HOSTILE_LABEL, LONG_PATH
from oakdash.demo.projects import ACME_SECRET_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL_WAIT_MS = 15_000  # a 5 s interval plus an upstream cache of up to 5 s, with slack


@pytest.fixture(autouse=True)
def _warm_demo() -> None:
    """Build the demo's data before the browser asks: the first build takes seconds."""
    get_api().for_key(ACME_SECRET_KEY).live()
    cache.clear()


def _fake_live(active_now: int, session_ids: list[str]) -> bytes:
    rows = [{"session_id": sid, "last_seen": "2026-06-11T14:03:21.000Z"} for sid in session_ids]
    return json.dumps({"active_now": active_now, "sessions": rows}).encode()


def _widget_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/live/widget/" in r.url else None)
    return seen


def _hide(page, state: str = "hidden") -> None:
    page.evaluate(
        """state => {
            const define = (name, value) =>
                Object.defineProperty(document, name, {configurable: true, get: () => value});
            define("visibilityState", state);
            define("hidden", state !== "visible");
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_the_widget_and_the_title_update_on_their_own(logged_in_page):
    page = logged_in_page
    navigations: list[str] = []
    page.goto("/live/")
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.locator("#live-widget [data-live-count]").wait_for()

    get_demo_app().faults.add("/api/v1/live", status=200, body=_fake_live(4242, ["s_new_one"]))
    cache.clear()

    page.wait_for_function(
        "() => document.querySelector('#live-widget [data-live-count]').textContent === '4,242'",
        timeout=POLL_WAIT_MS,
    )
    assert page.locator('#live-widget a[href="/p/acme-shop/sessions/s_new_one/"]').is_visible()
    # The title follows the swap on htmx's settle step, a moment after the count changes.
    page.wait_for_function(
        "() => document.title === '(4,242) Live · Acme Shop · oakdash'", timeout=2_000
    )
    page.wait_for_function(
        "() => document.querySelector('.live-pill [data-live-count]').textContent === '4,242'",
        timeout=POLL_WAIT_MS,
    )
    assert navigations == []  # updated in place, no reload
    assert not [m for m in page.console_messages if m.type == "error"]


def test_updated_n_seconds_ago_ticks_between_polls(logged_in_page):
    page = logged_in_page
    page.goto("/live/")
    age = page.locator("#live-widget [data-live-age]")
    age.wait_for()
    first = age.text_content()
    page.wait_for_function(
        "first => document.querySelector('#live-widget [data-live-age]').textContent !== first",
        arg=first,
        timeout=3_000,
    )
    assert age.text_content().endswith(" s ago")


def test_polling_stops_while_the_tab_is_hidden_and_resumes_at_once(logged_in_page):
    page = logged_in_page
    page.goto("/live/")
    page.locator(".live-pill [data-live-count]").wait_for()
    page.wait_for_load_state("networkidle")
    requests = _widget_requests(page)

    _hide(page)
    page.wait_for_timeout(6_500)  # longer than one polling interval
    assert requests == []

    _hide(page, "visible")
    page.wait_for_timeout(1_000)  # well under the 5 s interval: the refresh is immediate
    assert any("compact=1" not in url for url in requests)  # the widget
    assert any("compact=1" in url for url in requests)  # the nav count


def test_the_nav_count_waits_for_a_hidden_tab_to_be_shown(logged_in_page):
    page = logged_in_page
    requests = _widget_requests(page)
    page.add_init_script(
        'Object.defineProperty(document, "visibilityState", '
        '{configurable: true, get: () => "hidden"});'
    )
    page.goto("/settings/")
    page.wait_for_timeout(1_500)
    assert requests == []  # not even the "load" request
    assert page.locator(".live-pill [data-live-count]").text_content() == "…"
    _hide(page, "visible")
    page.wait_for_function(
        "() => document.querySelector('.live-pill [data-live-count]').textContent !== '…'"
    )


def test_a_failing_api_keeps_the_numbers_and_shows_a_stale_marker(logged_in_page, settings):
    settings.OAKDASH_LIVE_CACHE_SECONDS = 0  # every poll goes upstream
    page = logged_in_page
    get_demo_app().faults.add("/api/v1/live", status=200, body=_fake_live(31, ["s_kept"]))
    page.goto("/live/")
    assert page.locator("#live-widget [data-live-count]").text_content() == "31"
    assert page.locator("[data-stale-marker]").count() == 0

    get_demo_app().faults.add("/api/v1/live", status=503)
    page.locator("#live-widget [data-stale-marker]").wait_for(timeout=POLL_WAIT_MS)
    assert "OakData did not answer" in page.locator("[data-stale-marker]").text_content()
    assert page.locator("#live-widget [data-live-count]").text_content() == "31"
    assert page.locator('#live-widget a[href="/p/acme-shop/sessions/s_kept/"]').is_visible()
    page.wait_for_function(
        "() => document.querySelector('.live-pill').classList.contains('stale')",
        timeout=POLL_WAIT_MS,
    )
    assert page.locator(".live-pill [data-live-count]").text_content() == "31"


def test_a_first_load_while_the_api_is_down_says_so_then_recovers(logged_in_page):
    page = logged_in_page
    get_demo_app().faults.add("/api/v1/live", status=503)
    page.goto("/live/")
    assert page.locator("[data-live-unavailable]").is_visible()
    assert "OakData did not answer" in page.locator("#live-widget").text_content()

    get_demo_app().faults.clear()
    cache.clear()
    page.locator("#live-widget [data-live-count]").wait_for(timeout=POLL_WAIT_MS)
    assert page.locator("[data-live-unavailable]").count() == 0


def test_hostile_ids_stay_text_and_the_phone_layout_does_not_overflow(logged_in_page):
    page = logged_in_page
    page.set_viewport_size({"width": 375, "height": 740})
    body = _fake_live(3, [HOSTILE_LABEL, ARABIC_TEXT, LONG_PATH])
    get_demo_app().faults.add("/api/v1/live", status=200, body=body)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/live/")
    assert page.get_by_text(HOSTILE_LABEL).is_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert dialogs == []
    assert not [m for m in page.console_messages if m.type == "error"]
