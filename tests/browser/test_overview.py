"""The overview page in real headless Chromium: the chart, htmx range switches, history, CSP."""

from __future__ import annotations

import re
import time

import pytest

from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.upstream import get_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART_POINTS = """() => {
    const chart = Chart.getChart(document.querySelector("[data-overview-chart]"));
    return chart ? chart.data.datasets.map(d => d.data.length) : null;
}"""


@pytest.fixture(autouse=True)
def _still_demo(monkeypatch):
    """Pin the demo's clock (its data moves every minute) and build its data up front."""
    app, now = get_demo_app(), time.time()
    monkeypatch.setattr(app, "clock", lambda: now)
    app.warm()


def acme(range_: str, exclude_bots: bool = False):
    return get_api().for_key(ACME_SECRET_KEY).overview(range=range_, exclude_bots=exclude_bots)


def visitors_title(range_: str, exclude_bots: bool = False) -> str:
    return f"{acme(range_, exclude_bots).stats.visitors:,} visitors"


def wait_for_chart(page, points: int) -> None:
    page.wait_for_function(
        """n => {
            const canvas = document.querySelector("[data-overview-chart]");
            const chart = canvas && window.Chart && Chart.getChart(canvas);
            return chart && chart.data.datasets[0].data.length === n;
        }""",
        arg=points,
    )


def problems(page) -> list[str]:
    return [m.text for m in page.console_messages if m.type in ("error", "warning")]


def test_the_chart_draws_one_point_per_hour_for_24h(logged_in_page):
    page = logged_in_page
    expected = acme("24h")
    page.goto("/?range=24h")
    wait_for_chart(page, len(expected.time_series))
    assert page.evaluate(CHART_POINTS) == [len(expected.time_series)] * 3
    chart = page.evaluate(
        """() => {
            const c = Chart.getChart(document.querySelector("[data-overview-chart]"));
            return {labels: c.data.datasets.map(d => d.label), visitors: c.data.datasets[0].data,
                    legend: c.options.plugins.legend.display !== false};
        }"""
    )
    assert chart["labels"] == ["Visitors", "Pageviews", "Sessions"]
    assert chart["visitors"] == [p.visitors for p in expected.time_series]
    assert chart["legend"]
    assert problems(page) == []


def test_switching_the_range_swaps_the_content_without_a_reload(logged_in_page):
    page = logged_in_page
    day, week = acme("24h"), acme("7d")
    page.goto("/?range=24h")
    wait_for_chart(page, len(day.time_series))
    page.evaluate("window.__noReload = 1")

    page.click('nav[aria-label="Time range"] a[data-range="7d"]')
    page.wait_for_url(re.compile(r"/\?range=7d$"))
    wait_for_chart(page, len(week.time_series))
    assert page.evaluate("window.__noReload") == 1
    assert page.get_attribute('[data-stat="visitors"]', "title") == visitors_title("7d")
    assert page.get_attribute('a[data-range="7d"]', "aria-current") == "true"
    assert page.locator("[data-overview-chart]").count() == 1
    assert problems(page) == []


def test_back_and_forward_restore_the_right_range(logged_in_page):
    page = logged_in_page
    day, month = acme("24h"), acme("30d")
    page.goto("/?range=24h")
    wait_for_chart(page, len(day.time_series))
    page.click('a[data-range="30d"]')
    page.wait_for_url(re.compile(r"range=30d"))
    wait_for_chart(page, len(month.time_series))

    page.go_back()
    page.wait_for_url(re.compile(r"range=24h"))
    wait_for_chart(page, len(day.time_series))
    assert page.get_attribute('[data-stat="visitors"]', "title") == visitors_title("24h")
    assert page.get_attribute('a[data-range="24h"]', "aria-current") == "true"

    page.go_forward()
    page.wait_for_url(re.compile(r"range=30d"))
    wait_for_chart(page, len(month.time_series))
    assert page.get_attribute('[data-stat="visitors"]', "title") == visitors_title("30d")
    assert problems(page) == []


def test_excluding_bots_updates_the_url_and_the_numbers(logged_in_page):
    page = logged_in_page
    page.goto("/?range=30d")
    page.evaluate("window.__noReload = 1")
    page.click("[data-exclude-bots]")
    page.wait_for_url(re.compile(r"range=30d&exclude_bots=1$"))
    page.wait_for_selector('[data-exclude-bots][aria-checked="true"]')
    sessions = acme("30d", exclude_bots=True).stats.sessions
    assert page.get_attribute('[data-stat="sessions"]', "title") == f"{sessions:,} sessions"
    assert page.get_attribute('a[data-range="7d"]', "href") == "?range=7d&exclude_bots=1"
    assert page.evaluate("window.__noReload") == 1


def test_a_pasted_link_reproduces_the_view(logged_in_page):
    page = logged_in_page
    page.goto("/?range=90d&exclude_bots=1")
    wait_for_chart(page, len(acme("90d", exclude_bots=True).time_series))
    assert page.get_attribute('a[data-range="90d"]', "aria-current") == "true"
    assert page.get_attribute("[data-exclude-bots]", "aria-checked") == "true"
    assert page.get_attribute('[data-stat="visitors"]', "title") == visitors_title("90d", True)


def test_refresh_redraws_without_changing_the_url(logged_in_page):
    page = logged_in_page
    page.goto("/?range=7d")
    wait_for_chart(page, len(acme("7d").time_series))
    page.evaluate("window.__noReload = 1")
    # A POST through htmx: the CSRF token travels in hx-headers (the cookie is HttpOnly).
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("[data-refresh]")
    assert answer.value.status == 200
    assert answer.value.request.headers["x-csrftoken"]
    wait_for_chart(page, len(acme("7d").time_series))
    assert page.url.endswith("/?range=7d")
    assert page.evaluate("window.__noReload") == 1
    assert problems(page) == []


def test_the_chart_takes_its_colours_from_the_theme(logged_in_page):
    page = logged_in_page
    page.emulate_media(color_scheme="dark")
    page.goto("/?range=7d")
    wait_for_chart(page, len(acme("7d").time_series))
    colour = page.evaluate(
        """() => [Chart.getChart(document.querySelector("[data-overview-chart]")).data.datasets[0]
                   .borderColor,
                  getComputedStyle(document.documentElement).getPropertyValue("--chart-visitors")
                   .trim()]"""
    )
    assert colour == ["#5cc487", "#5cc487"]


def test_a_phone_sees_no_sideways_overflow(logged_in_page):
    page = logged_in_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/?range=30d")
    wait_for_chart(page, len(acme("30d").time_series))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    # The 2,000-character path is clipped inside its panel, not stretching it.
    panel = page.locator('[data-panel="pages"]').bounding_box()
    assert panel["width"] <= 375


def test_show_all_opens_the_rest_of_a_long_breakdown(logged_in_page):
    page = logged_in_page
    pages = acme("30d").top_pages
    page.goto("/?range=30d")
    panel = page.locator('[data-panel="pages"]')
    extra = panel.locator("tbody tr.bd-extra")
    assert extra.count() == len(pages) - 8
    assert not extra.first.is_visible()
    panel.locator("details.breakdown-more summary").click()
    assert extra.first.is_visible() and extra.last.is_visible()
    assert panel.locator("details.breakdown-more summary").inner_text() == "Show the top 8"


def test_partial_buckets_are_dashed_and_their_tooltip_says_so(logged_in_page):
    page = logged_in_page
    points = len(acme("24h").time_series)
    page.goto("/?range=24h")
    wait_for_chart(page, points)
    drawn = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector("[data-overview-chart]"));
            const last = chart.data.labels.length - 1;
            chart.tooltip.setActiveElements([{datasetIndex: 0, index: last}], {x: 0, y: 0});
            chart.update();
            const segments = chart.getDatasetMeta(0).dataset.segments;
            return {
                dashes: segments.map(s => [s.start, s.end, (s.style && s.style.borderDash) || []]),
                footer: chart.tooltip.footer,
            };
        }"""
    )
    last = points - 1
    assert drawn["dashes"] == [[0, 1, [6, 4]], [1, last - 1, []], [last - 1, last, [6, 4]]]
    assert drawn["footer"][0].startswith("Partial hour: counted until ")
    assert page.get_by_text("Dashed: a hour").count() == 0  # "an hour", as a person writes it
