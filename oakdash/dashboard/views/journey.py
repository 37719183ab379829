"""The journey page `/journey/`: the paths sessions take through the site and where they stop.

State lives in the query string (`?range=30d`); "Refresh" is a POST to the same URL, handled as
on the overview.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse

from oakdash.dashboard.access import DashboardRequest
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.journey import build_tree
from oakdash.dashboard.pages import refreshed, render_page
from oakdash.dashboard.query import range_param
from oakdash.dashboard.ranges import RANGE_NAMES, RANGE_SHORT
from oakdash.dashboard.upstream_cache import cached_call
from oakdash.oakdata import OakDataClient, params


def _query(range_: str, **extra: str) -> str:
    return "?" + urlencode({"range": range_, **extra})


@dashboard_page(refresh_by_post=True)
def page(request: DashboardRequest, client: OakDataClient) -> HttpResponse:
    range_ = range_param(request)
    refresh = request.method == "POST"
    fresh = cached_call(
        request.project.cache_key,
        "journey",
        {"range": range_},
        lambda: client.journey(range=range_),
        ttl=settings.OAKDASH_REPORT_CACHE_SECONDS,
        refresh=refresh,
    )
    redirect = refreshed(request, request.path + _query(range_))
    if redirect is not None:
        return redirect
    return render_page(
        request,
        "dashboard/journey.html",
        {
            "journey": fresh.value,
            "tree": build_tree(fresh.value),
            "fetched_at": fresh.fetched_at,
            "range": range_,
            "range_name": RANGE_NAMES.get(range_, range_),
            "range_links": [(r, RANGE_SHORT[r], _query(r)) for r in params.RANGES],
            "refresh_url": _query(range_),  # POSTed to
        },
    )
