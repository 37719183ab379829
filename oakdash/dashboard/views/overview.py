from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.query import bool_param, range_param
from oakdash.oakdata import OakDataClient, params


@dashboard_page
def overview_page(request: HttpRequest, client: OakDataClient) -> HttpResponse:
    range_ = range_param(request)
    exclude_bots = bool_param(request, "exclude_bots")
    overview = client.overview(range=range_, exclude_bots=exclude_bots)
    template = "dashboard/overview.html#content" if request.htmx else "dashboard/overview.html"
    return render(
        request,
        template,
        {
            "overview": overview,
            "range": range_,
            "ranges": params.RANGES,
            "exclude_bots": exclude_bots,
        },
    )
