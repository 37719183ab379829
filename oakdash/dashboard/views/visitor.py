"""Placeholder until the pages issue lands."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oakdash.dashboard.decorators import dashboard_page
from oakdash.oakdata import OakDataClient


@dashboard_page
def page(request: HttpRequest, client: OakDataClient, *args: str) -> HttpResponse:
    return HttpResponse("coming soon")
