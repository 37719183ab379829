"""A browser in Berlin sees Berlin times: the zone cookie app.js writes is what the server reads."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.upstream import get_api

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("still_demo_clock"),  # tests/conftest.py: the data holds still
]

BERLIN = ZoneInfo("Europe/Berlin")


def test_times_the_footer_and_the_hourly_chart_are_in_the_browsers_zone(open_page, user_a):
    acme = get_api().for_key(ACME_SECRET_KEY)
    page = open_page(user_a, timezone_id="Europe/Berlin")
    page.goto("/?range=24h")
    # The first page of a new browser is rendered in UTC, then reloads once with the cookie set.
    page.wait_for_function(
        "() => document.querySelector('[data-viewer-tz]').textContent === 'Europe/Berlin'"
    )
    cookie = next(c for c in page.context.cookies() if c["name"] == "oakdash_tz")
    assert cookie["value"] == "Europe/Berlin"

    expected = [
        p.bucket.astimezone(BERLIN).strftime("%H:%M") for p in acme.overview("24h").time_series
    ]
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('[data-overview-chart]'))"
    )
    labels = page.evaluate(
        "() => Chart.getChart(document.querySelector('[data-overview-chart]')).data.labels"
    )
    assert labels == expected
    assert expected != [p.bucket.strftime("%H:%M") for p in acme.overview("24h").time_series]

    session = acme.sessions(range="24h", limit=5).sessions[0]
    page.goto("/sessions/?range=24h&limit=5")
    shown = page.locator(f'tr[data-session-id="{session.session_id}"] time').first
    local = session.started_at.astimezone(BERLIN)
    assert shown.get_attribute("title") == local.strftime("%Y-%m-%d %H:%M:%S %Z")
    assert local.strftime("%Z") in ("CET", "CEST")
