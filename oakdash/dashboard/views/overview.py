"""The overview page `/`: headline stats, the traffic chart and nine ranked breakdowns.

State lives in the query string (`?range=30d&exclude_bots=1`). "Refresh" is a POST to the same
URL (a GET never changes state): it asks OakData again now; htmx swaps the new content in, and
a plain (no-JS) form post is redirected back to the view's URL once the cache holds the answer.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from oakdash.dashboard.access import DashboardRequest
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.overview_cache import overview_args
from oakdash.dashboard.pages import refreshed, render_page
from oakdash.dashboard.panels import build_panels
from oakdash.dashboard.query import bool_param, range_param
from oakdash.dashboard.ranges import RANGE_NAMES, RANGE_SHORT, RANGE_SPANS
from oakdash.dashboard.upstream_cache import cached_call
from oakdash.oakdata import OakDataClient, models, params


def view_query(range_: str, exclude_bots: bool, **extra: str) -> str:
    """The query string of one view of this page."""
    values = {"range": range_}
    if exclude_bots:
        values["exclude_bots"] = "1"
    values.update(extra)
    return "?" + urlencode(values)


def _bucket_labels(point: models.TimePoint, hourly: bool) -> tuple[str, str]:
    """(axis label, tooltip title). Hours in the viewer's zone; days are the API's UTC days."""
    if hourly:
        local = timezone.localtime(point.bucket)
        return local.strftime("%H:%M"), local.strftime("%a %d %b, %H:%M %Z")
    day = point.bucket.astimezone(dt.UTC)
    return day.strftime("%d %b"), day.strftime("%a %d %b %Y")


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
