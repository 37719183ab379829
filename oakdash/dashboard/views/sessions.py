"""/sessions/ — recent sessions as a table (or a CSV of the same rows with ?format=csv).

OakData returns the newest sessions of a range, up to 200; filters and sorting (``filters.py``)
narrow and order those rows here, and the page says how many match.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect

from oakdash.dashboard import filters
from oakdash.dashboard.access import DashboardRequest
from oakdash.dashboard.csv_export import csv_response, wants_csv
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.overview_cache import cached_overview
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import int_param, range_param
from oakdash.dashboard.ranges import RANGE_NAMES
from oakdash.dashboard.render.formats import whole_seconds
from oakdash.oakdata import OakDataClient, models, params

# The limits offered as one-click choices; any other value in 1–200 still works from the URL.
LIMIT_CHOICES = (25, 50, 100, 200)

CSV_HEADER = (
    "session_id",
    "distinct_id",
    "started_at",
    "last_at",
    "duration_seconds",
    "pageviews",
    "events",
    "entry_path",
    "exit_path",
    "referring_domain",
    "country",
    "city",
    "browser",
    "os",
    "device_type",
    "is_bot",
    "bot_name",
)


def session_csv_row(s: models.Session) -> list[object]:
    duration = whole_seconds((s.last_at - s.started_at).total_seconds())
    return [
        s.session_id,
        s.distinct_id,
        s.started_at,
        s.last_at,
        duration,
        s.pageviews,
        s.events,
        s.entry_path,
        s.exit_path,
        s.referring_domain,
        s.country,
        s.city,
        s.browser,
        s.os,
        s.device_type,
        s.is_bot,
        s.bot_name,
    ]


def list_summary(count: int, limit: int, total: int | None, range_words: str) -> str:
    """What the rows are: "latest 50 of 2,396 in the last 7 days" — the API returns the newest
    rows up to a limit, so the count alone is the limit, not a total."""
    if count < limit or (total is not None and total <= count):
        return f"all {count:,} in {range_words}"
    if total is not None:
        return f"latest {count:,} of {total:,} in {range_words}"
    return f"latest {count:,} in {range_words}"


@dashboard_page
def page(request: DashboardRequest, client: OakDataClient) -> HttpResponse:
    range_ = range_param(request)
    limit = int_param(request, "limit", params.SESSIONS_LIMIT, params.SESSIONS_DEFAULT_LIMIT)
    as_csv = wants_csv(request)
    filters.read(request, filters.SESSIONS)  # a bad filter is a 400 before any upstream call
    result = client.sessions(range=range_, limit=limit)
    view = filters.apply(
        request, filters.SESSIONS, result.sessions, {"range": range_, "limit": str(limit)}
    )
    if as_csv:
        marker = "-filtered" if view.filtering else ""
        return csv_response(
            f"oakdash-sessions-{range_}-{limit}{marker}.csv",
            CSV_HEADER,
            (session_csv_row(s) for s in view.rows),
        )
    if filters.has_empty_values(request, filters.SESSIONS) and not request.htmx:
        return HttpResponseRedirect(request.path + view.url())  # the no-JS form's blank fields
    overview = cached_overview(request.project.cache_key, range_)
    range_words = RANGE_NAMES.get(range_, range_)
    return render_page(
        request,
        "dashboard/sessions.html",
        {
            "result": result,
            "view": view,
            "range": range_,
            "ranges": params.RANGES,
            "limit": limit,
            "limits": sorted(set(LIMIT_CHOICES) | {limit}),
            "range_words": range_words,
            "summary": list_summary(
                result.count, limit, overview.stats.sessions if overview else None, range_words
            ),
            "max_limit": params.SESSIONS_LIMIT[1],
            "more_url": view.url(limit=str(params.SESSIONS_LIMIT[1]))
            if limit < params.SESSIONS_LIMIT[1]
            else "",
            "csv_url": view.url(format="csv"),
        },
    )
