"""Rendering a dashboard page: the whole page, or only the region an htmx request swaps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str = "content",
    status: int = 200,
) -> HttpResponse:
    """``template`` for a normal request; its ``{% partialdef partial %}`` for htmx."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)
