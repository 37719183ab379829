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

from oakdash.dashboard.access import DashboardRequest
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.links import sessions_list_url
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import bool_param, range_param
from oakdash.dashboard.upstream_cache import cached_call, peek
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
    # The sessions filter a row opens (filters.SESSIONS), None where session rows lack the
    # field (OakData's sessions carry no UTM source or campaign).
    filter_param: str | None = None
    filter_words: str = ""  # the link's title: "Sessions that entered on"


PANELS: tuple[PanelSpec, ...] = (
    PanelSpec(
        "top_pages",
        "pages",
        "Top pages",
        "Page",
        "pageviews",
        "(unknown page)",
        "entry",
        "Sessions that entered on",
    ),
    PanelSpec(
        "top_referrers",
        "referrers",
        "Referrers",
        "Referrer",
        "referrers",
        "Direct / none",
        "referrer",
        "Sessions referred by",
    ),
    PanelSpec("top_sources", "sources", "UTM sources", "Source", "tagged sources", "(none)"),
    PanelSpec("top_campaigns", "campaigns", "Campaigns", "Campaign", "campaigns", "(none)"),
    PanelSpec(
        "top_countries",
        "countries",
        "Countries",
        "Country",
        "countries",
        "Unknown",
        "country",
        "Sessions from",
    ),
    PanelSpec(
        "top_cities",
        "cities",
        "Cities",
        "City",
        "cities",
        "Unknown",
        "city",
        "Sessions from",
    ),
    PanelSpec(
        "browsers",
        "browsers",
        "Browsers",
        "Browser",
        "browsers",
        "Unknown",
        "browser",
        "Sessions in",
    ),
    PanelSpec(
        "operating_systems",
        "os",
        "Operating systems",
        "OS",
        "operating systems",
        "Unknown",
        "os",
        "Sessions on",
    ),
    PanelSpec(
        "device_types",
        "devices",
        "Devices",
        "Device",
        "device types",
        "Unknown",
        "device",
        "Sessions on",
    ),
)


@dataclass(frozen=True)
class Panel:
    spec: PanelSpec
    rows: list[models.BreakdownRow]
    top: list[models.BreakdownRow]
    rest: list[models.BreakdownRow]
    max_visitors: int  # the bar scale: the biggest row fills its bar
    sessions_url: str  # the filtered sessions list, without this panel's value ("" if none)


def overview_args(range_: str, exclude_bots: bool) -> dict:
    """The cache arguments of one overview answer (the sessions page looks its total up)."""
    return {"range": range_, "exclude_bots": exclude_bots}


def cached_overview(cache_key: str, range_: str) -> models.Overview | None:
    """This project's overview of ``range_`` (bots included) if one is cached, else None —
    never an upstream call: a page that only wants to quote a total must not pay for it."""
    fresh = peek(cache_key, "overview", overview_args(range_, False))
    return fresh.value if fresh is not None else None


def view_query(range_: str, exclude_bots: bool, **extra: str) -> str:
    """The query string of one view of this page."""
    values = {"range": range_}
    if exclude_bots:
        values["exclude_bots"] = "1"
    values.update(extra)
    return "?" + urlencode(values)


def build_panels(
    overview: models.Overview,
    project: str,
    range_: str = params.DEFAULT_RANGE,
    exclude_bots: bool = False,
) -> list[Panel]:
    # A click opens the most sessions the API gives for the same range (and bot choice).
    query = {"range": range_, "limit": str(params.SESSIONS_LIMIT[1])}
    if exclude_bots:
        query["bot"] = "no"
    sessions_url = sessions_list_url(project, **query)
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
                sessions_url=sessions_url if spec.filter_param else "",
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


RANGE_SPANS = {
    "24h": dt.timedelta(hours=24),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
    "90d": dt.timedelta(days=90),
}


def partial_buckets(overview: models.Overview, range_: str, as_of: dt.datetime) -> list[str | None]:
    """Per bucket: None when the range covers all of it, else why it is partial.

    A bucket runs from its start for an hour (24h) or a UTC day; the range is the ``range_``
    before ``as_of`` (when OakData answered: the API does not say its own "now"). So the first
    bucket usually starts before the range does and the last one is still running.
    """
    step = dt.timedelta(hours=1) if range_ == "24h" else dt.timedelta(days=1)
    end = as_of
    start = end - RANGE_SPANS.get(range_, dt.timedelta(days=7))
    unit = "hour" if step.days == 0 else "day"

    def at(moment: dt.datetime) -> str:
        if unit == "hour":
            return timezone.localtime(moment).strftime("%H:%M %Z")
        return moment.astimezone(dt.UTC).strftime("%H:%M UTC")

    notes: list[str | None] = []
    for point in overview.time_series:
        if point.bucket < start:
            notes.append(f"Partial {unit}: the range starts at {at(start)}")
        elif point.bucket + step > end:
            notes.append(f"Partial {unit}: counted until {at(end)}, still running")
        else:
            notes.append(None)
    return notes


def chart_data(overview: models.Overview, range_: str, as_of: dt.datetime) -> dict:
    """What static/js/overview.js draws (via json_script): labels plus one list per series,
    and which buckets are partial (drawn dashed, said in the tooltip)."""
    hourly = range_ == "24h"
    labels = [_bucket_labels(point, hourly) for point in overview.time_series]
    return {
        "unit": "hour" if hourly else "day",
        "labels": [short for short, _ in labels],
        "titles": [full for _, full in labels],
        "partial": partial_buckets(overview, range_, as_of),
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
        f"the busiest {unit} was {when} with {peak.visitors:,} visitors. "
        f"A {unit} the range covers only in part is drawn dashed. "
        "The numbers are in the table below the chart."
    )


def refreshed(request: HttpRequest, view_url: str) -> HttpResponse | None:
    """After a no-JS refresh POST, the redirect (303) back to the view; None otherwise."""
    if request.method != "POST" or request.htmx:
        return None
    response = HttpResponseRedirect(view_url)
    response.status_code = 303  # See Other: the browser GETs the view, never re-POSTs
    return response


@dashboard_page(refresh_by_post=True)
def overview_page(request: DashboardRequest, client: OakDataClient) -> HttpResponse:
    range_ = range_param(request)
    exclude_bots = bool_param(request, "exclude_bots")
    refresh = request.method == "POST"
    fresh = cached_call(
        request.project.cache_key,
        "overview",
        overview_args(range_, exclude_bots),
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
    chart = chart_data(overview, range_, fresh.fetched_at)
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
            "panels": build_panels(overview, request.project.slug, range_, exclude_bots),
            "chart": chart,
            # (point, its UTC day's name, partial note) for the numbers table.
            "chart_rows": list(
                zip(overview.time_series, chart["titles"], chart["partial"], strict=True)
            ),
            "chart_summary": chart_summary(overview, range_name),
            "hourly": range_ == "24h",
        },
    )
