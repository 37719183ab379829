"""A dashboard page with nothing on it, for bench/fixed_cost.py: what every page pays.

`@dashboard_page` (login, the viewer's key read and decrypted), every middleware, the context
processors and base.html (with the project nav), and no upstream call, no view work, no content.
Served only by the benchmark (ROOT_URLCONF = "bench.empty_page"); the app's own routes are included
unchanged.
"""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from oakdash.dashboard.decorators import dashboard_page
from oakdash.oakdata import OakDataClient


@cache
def _template():  # compiled once, like a template file under the cached loader
    return engines["django"].from_string('{% extends "base.html" %}')


@dashboard_page
def empty(request: HttpRequest, client: OakDataClient) -> HttpResponse:
    return HttpResponse(_template().render({}, request))


urlpatterns = [
    # bench/routes.py's "empty": a page of the viewer's project, like every dashboard page.
    path("p/<slug:project>/bench/empty/", empty, name="bench_empty"),
    path("", include("oakdash.urls")),
]
