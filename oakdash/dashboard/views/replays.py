"""/replays/ — recorded session replays, newest first (``?limit=``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import int_param
from oakdash.oakdata import OakDataClient, params

LIMIT_CHOICES = (25, 50, 100, 200)


@dashboard_page
def page(request: HttpRequest, client: OakDataClient) -> HttpResponse:
    limit = int_param(request, "limit", params.REPLAYS_LIMIT, params.REPLAYS_DEFAULT_LIMIT)
    result = client.replays(limit=limit)
    return render_page(
        request,
        "dashboard/replays.html",
        {
            "result": result,
            "limit": limit,
            "limits": sorted(set(LIMIT_CHOICES) | {limit}),
        },
    )
