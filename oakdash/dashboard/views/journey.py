"""The journey page `/journey/`: the paths sessions take through the site and where they stop.

State lives in the query string (`?range=30d`); `refresh=1` is handled as on the overview: htmx
sends it without pushing it, a no-JS request is redirected to the clean URL afterwards.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.journey import build_tree
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import bool_param, range_param
from oakdash.dashboard.upstream_cache import cached_call
from oakdash.dashboard.views.overview import RANGE_NAMES, RANGE_SHORT
from oakdash.oakdata import OakDataClient, params


def _query(range_: str, **extra: str) -> str:
    return "?" + urlencode({"range": range_, **extra})


@dashboard_page
def page(request: HttpRequest, client: OakDataClient) -> HttpResponse:
    range_ = range_param(request)
    refresh = bool_param(request, "refresh")
    fresh = cached_call(
        request.project,
        "journey",
        {"range": range_},
        lambda: client.journey(range=range_),
        ttl=settings.OAKDASH_REPORT_CACHE_SECONDS,
        refresh=refresh,
    )
    if refresh and not request.htmx:
        return HttpResponseRedirect(request.path + _query(range_))
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
            "refresh_url": _query(range_, refresh="1"),
        },
    )
