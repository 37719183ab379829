"""/replays/ — recorded session replays, newest first (``?limit=``), filtered and sorted here.

OakData returns the newest recordings, up to 200; the filters (``filters.py``) narrow those.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect

from oakdash.dashboard import filters
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import int_param
from oakdash.http_types import HtmxHttpRequest
from oakdash.oakdata import OakDataClient, params

LIMIT_CHOICES = (25, 50, 100, 200)


def list_summary(count: int, limit: int) -> str:
    """ "latest 100" when the API stopped at the limit, "all 37" when it had no more."""
    noun = "recording" if count == 1 else "recordings"
    return f"all {count:,} {noun}" if count < limit else f"latest {count:,} {noun}"


@dashboard_page
def page(request: HtmxHttpRequest, client: OakDataClient) -> HttpResponse:
    limit = int_param(request, "limit", params.REPLAYS_LIMIT, params.REPLAYS_DEFAULT_LIMIT)
    filters.read(request, filters.REPLAYS)  # a bad filter is a 400 before any upstream call
    result = client.replays(limit=limit)
    view = filters.apply(request, filters.REPLAYS, result.replays, {"limit": str(limit)})
    if filters.has_empty_values(request, filters.REPLAYS) and not request.htmx:
        return HttpResponseRedirect(request.path + view.url())  # the no-JS form's blank fields
    most = params.REPLAYS_LIMIT[1]
    return render_page(
        request,
        "dashboard/replays.html",
        {
            "result": result,
            "view": view,
            "limit": limit,
            "limits": sorted(set(LIMIT_CHOICES) | {limit}),
            "summary": list_summary(result.count, limit),
            "max_limit": most,
            "more_url": view.url(limit=str(most)) if limit < most else "",
        },
    )
