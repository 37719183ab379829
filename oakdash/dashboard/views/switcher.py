"""/projects/menu/: the switcher's list, asked for when the menu opens.

The list in the page was right for the page as it was loaded; htmx may have changed the page's
query since (a range, a filter, a page of events), so opening the menu asks again with
``HX-Current-URL`` and each entry's live count loads from then on (``live.count``), never before.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from oakdash.dashboard import access, switcher
from oakdash.dashboard.decorators import login_redirect
from oakdash.http_types import HtmxHttpRequest


def _page_project(url_path: str) -> str | None:
    try:
        return resolve(url_path).kwargs.get("project")
    except Resolver404:
        return None


@require_safe
def menu(request: HtmxHttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return login_redirect(request)
    # The page's own address (htmx sends it; another origin's is ignored).
    page = request.htmx.current_url_abs_path or "" if request.htmx else ""
    where = switcher.Where.of_url(page)
    mine = access.my_projects(request.user)
    page_slug = _page_project(urlsplit(page).path) if page else None
    if page_slug is None:
        current = access.remembered(request, mine)
    else:
        current = next((p for p in mine if p.slug == page_slug), None)
    response = render(
        request,
        "partials/project_menu.html",
        {"items": switcher.items(where, mine, current), "load_counts": True},
    )
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ["HX-Request", "Cookie"])
    return response
