"""The overview page `/`: headline stats, the traffic chart and nine ranked breakdowns.

State lives in the query string (`?range=30d&exclude_bots=1`). "Refresh" is a POST to the same
URL (a GET never changes state): it asks OakData again now; htmx swaps the new content in, and
a plain (no-JS) form post is redirected back to the view's URL once the cache holds the answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import bool_param, range_param
from oakdash.dashboard.upstream_cache import cached_call
from oakdash.oakdata import OakDataClient, models, params

# Rows shown before "Show all": enough to read at a glance, few enough that panels line up.
TOP_ROWS = 8

RANGE_NAMES = {
    "24h": "the last 24 hours",
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "90d": "the last 90 days",
}
RANGE_SHORT = {"24h": "24 hours", "7d": "7 days", "30d": "30 days", "90d": "90 days"}


@dataclass(frozen=True)
class PanelSpec:
    attr: str  # the Overview attribute holding the rows
    slug: str
    title: str
    column: str  # heading of the label column
    plural: str  # for the empty state: "No <plural> in the last 7 days"
    none_label: str  # what a null label means for this dimension


PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("top_pages", "pages", "Top pages", "Page", "pageviews", "(unknown page)"),
    PanelSpec("top_referrers", "referrers", "Referrers", "Referrer", "referrers", "Direct / none"),
    PanelSpec("top_sources", "sources", "UTM sources", "Source", "tagged sources", "(none)"),
    PanelSpec("top_campaigns", "campaigns", "Campaigns", "Campaign", "campaigns", "(none)"),
    PanelSpec("top_countries", "countries", "Countries", "Country", "countries", "Unknown"),
    PanelSpec("top_cities", "cities", "Cities", "City", "cities", "Unknown"),
    PanelSpec("browsers", "browsers", "Browsers", "Browser", "browsers", "Unknown"),
    PanelSpec("operating_systems", "os", "Operating systems", "OS", "operating systems", "Unknown"),
    PanelSpec("device_types", "devices", "Devices", "Device", "device types", "Unknown"),
)


@dataclass(frozen=True)
class Panel:
    spec: PanelSpec
    rows: list[models.BreakdownRow]
    top: list[models.BreakdownRow]
    rest: list[models.BreakdownRow]
    max_visitors: int  # the bar scale: the biggest row fills its bar


def view_query(range_: str, exclude_bots: bool, **extra: str) -> str:
    """The query string of one view of this page."""
    values = {"range": range_}
    if exclude_bots:
        values["exclude_bots"] = "1"
    values.update(extra)
    return "?" + urlencode(values)


def build_panels(overview: models.Overview) -> list[Panel]:
    panels = []
    for spec in PANELS:
        rows = list(getattr(overview, spec.attr))
        panels.append(
            Panel(
                spec=spec,
                rows=rows,
                top=rows[:TOP_ROWS],
                rest=rows[TOP_ROWS:],
                max_visitors=max((row.visitors for row in rows), default=0) or 1,
            )
        )
    return panels


def _bucket_labels(point: models.TimePoint, hourly: bool) -> tuple[str, str]:
    """(axis label, tooltip title). Hours in the viewer's zone; days are the API's UTC days."""
    if hourly:
        local = timezone.localtime(point.bucket)
        return local.strftime("%H:%M"), local.strftime("%a %d %b, %H:%M %Z")
    day = point.bucket.astimezone(dt.UTC)
    return day.strftime("%d %b"), day.strftime("%a %d %b %Y")


def chart_data(overview: models.Overview) -> dict:
    """What static/js/overview.js draws (via json_script): labels plus one list per series."""
    hourly = overview.range == "24h"
    labels = [_bucket_labels(point, hourly) for point in overview.time_series]
    return {
        "unit": "hour" if hourly else "day",
        "labels": [short for short, _ in labels],
        "titles": [full for _, full in labels],
        "visitors": [point.visitors for point in overview.time_series],
        "pageviews": [point.pageviews for point in overview.time_series],
        "sessions": [point.sessions for point in overview.time_series],
    }


def chart_summary(overview: models.Overview, range_name: str) -> str:
    """A sentence for screen readers: what the chart shows and its busiest bucket."""
    series = overview.time_series
    unit = "hour" if overview.range == "24h" else "day"
    if not series or not any(point.visitors for point in series):
        return f"Visitors, pageviews and sessions per {unit}: no traffic in {range_name}."
    peak = max(series, key=lambda point: point.visitors)
    when = _bucket_labels(peak, unit == "hour")[1]
    return (
        f"Visitors, pageviews and sessions per {unit} over {range_name}; "
        f"the busiest {unit} was {when} with {peak.visitors:,} visitors."
    )


def refreshed(request: HttpRequest, view_url: str) -> HttpResponse | None:
    """After a no-JS refresh POST, the redirect (303) back to the view; None otherwise."""
    if request.method != "POST" or request.htmx:
        return None
    response = HttpResponseRedirect(view_url)
    response.status_code = 303  # See Other: the browser GETs the view, never re-POSTs
    return response


@dashboard_page(refresh_by_post=True)
def overview_page(request: HttpRequest, client: OakDataClient) -> HttpResponse:
    range_ = range_param(request)
    exclude_bots = bool_param(request, "exclude_bots")
    refresh = request.method == "POST"
    fresh = cached_call(
        request.project,
        "overview",
        {"range": range_, "exclude_bots": exclude_bots},
        lambda: client.overview(range=range_, exclude_bots=exclude_bots),
        ttl=settings.OAKDASH_REPORT_CACHE_SECONDS,
        refresh=refresh,
    )
    # The cache now holds the new answer: a no-JS refresh shows it at the view's own URL.
    redirect = refreshed(request, request.path + view_query(range_, exclude_bots))
    if redirect is not None:
        return redirect
    overview = fresh.value
    range_name = RANGE_NAMES.get(range_, range_)
    return render_page(
        request,
        "dashboard/overview.html",
        {
            "overview": overview,
            "fetched_at": fresh.fetched_at,
            "range": range_,
            "range_name": range_name,
            "exclude_bots": exclude_bots,
            "range_links": [
                (r, RANGE_SHORT[r], view_query(r, exclude_bots)) for r in params.RANGES
            ],
            "bots_toggle_url": view_query(range_, not exclude_bots),
            "self_url": view_query(range_, exclude_bots),
            "refresh_url": view_query(range_, exclude_bots),  # POSTed to
            "panels": build_panels(overview),
            "chart": chart_data(overview),
            "chart_summary": chart_summary(overview, range_name),
            "hourly": range_ == "24h",
        },
    )
