"""/sessions/ — recent sessions as a table (or a CSV of the same rows with ?format=csv)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oakdash.dashboard.csv_export import csv_response, wants_csv
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import int_param, range_param
from oakdash.dashboard.templatetags.oakfmt import whole_seconds
from oakdash.oakdata import OakDataClient, models, params

# The limits offered as one-click choices; any other value in 1–200 still works from the URL.
LIMIT_CHOICES = (25, 50, 100, 200)

RANGE_WORDS = {
    "24h": "the last 24 hours",
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "90d": "the last 90 days",
}

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


@dashboard_page
def page(request: HttpRequest, client: OakDataClient) -> HttpResponse:
    range_ = range_param(request)
    limit = int_param(request, "limit", params.SESSIONS_LIMIT, params.SESSIONS_DEFAULT_LIMIT)
    as_csv = wants_csv(request)
    result = client.sessions(range=range_, limit=limit)
    if as_csv:
        return csv_response(
            f"oakdash-sessions-{range_}-{limit}.csv",
            CSV_HEADER,
            (session_csv_row(s) for s in result.sessions),
        )
    return render_page(
        request,
        "dashboard/sessions.html",
        {
            "result": result,
            "range": range_,
            "ranges": params.RANGES,
            "limit": limit,
            "limits": sorted(set(LIMIT_CHOICES) | {limit}),
            "range_words": RANGE_WORDS.get(range_, range_),
        },
    )
