"""Rendering a dashboard page: the whole page, or only the region an htmx request swaps."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from oakdash.http_types import HtmxHttpRequest


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str = "content",
    status: int = 200,
) -> HttpResponse:
    """``template`` for a normal request; its ``{% partialdef partial %}`` for htmx."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def refreshed(request: HtmxHttpRequest, view_url: str) -> HttpResponse | None:
    """After a no-JS refresh POST, the redirect (303) back to the view; None otherwise."""
    if request.method != "POST" or request.htmx:
        return None
    response = HttpResponseRedirect(view_url)
    response.status_code = 303  # See Other: the browser GETs the view, never re-POSTs
    return response
