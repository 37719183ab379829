"""The addresses from before projects (``/sessions/…`` without ``/p/<slug>``): they still work.

Each redirects (302, the query string kept, ids re-encoded as one path segment) to the same view of
the viewer's current project (``access.remembered``), so "Copy link" always gives the project's
URL. An htmx request (a poll from a page loaded before the upgrade) gets ``HX-Redirect`` to its
page's scoped address instead. The replay stream's old address redirects too (``fetch`` follows),
but answers JSON when there is nowhere to go. No project yet: settings, then back here.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from oakdash.dashboard import access
from oakdash.dashboard.decorators import login_redirect, to_settings
from oakdash.dashboard.links import id_url

STREAM = "replay_events"


def scoped_path(path: str, slug: str) -> str | None:
    """``path`` (an unscoped dashboard path as a URL carries it, ids percent-encoded) inside
    project ``slug``, ids re-encoded; None when it is not one."""
    try:
        match = resolve(unquote(path))
    except Resolver404:
        return None
    if match.namespace != "unscoped":
        return None
    return id_url(match.url_name, slug, *(str(v) for v in match.kwargs.values()))


def _htmx_target(request: HttpRequest, slug: str) -> str:
    """Where a whole page goes when one of its fragments asked an unscoped URL: that page's own
    address in the project, else the project's overview."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    page = scoped_path(current.path, slug) if current.path else None
    if page is None:
        return id_url("overview", slug)
    return page + (f"?{current.query}" if current.query else "")


def _json(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def to_current_project(name: str) -> Callable[..., HttpResponse]:
    """The view answering route ``name``'s unscoped address."""

    def redirect(request: HttpRequest, **ids: str) -> HttpResponse:
        response = _redirect(request, name, ids)
        response.headers.setdefault("Cache-Control", "private, no-store")
        patch_vary_headers(response, ["HX-Request", "Cookie"])
        return response

    redirect.__name__ = redirect.__qualname__ = f"unscoped_{name}"
    return redirect


def _redirect(request: HttpRequest, name: str, ids: dict[str, str]) -> HttpResponse:
    if not request.user.is_authenticated:
        if name == STREAM:  # fetch() wants JSON, not the HTML login page
            return _json(401, "Your session ended: log in again to load this replay.")
        return login_redirect(request)
    current = access.remembered(request, access.my_projects(request.user))
    if current is None:
        if name == STREAM:
            return _json(403, "Store your OakData key in settings to load replays.")
        return to_settings(request, "nokey")
    if request.htmx:
        return HttpResponseClientRedirect(_htmx_target(request, current.slug))
    target = id_url(name, current.slug, *ids.values())
    query = request.META.get("QUERY_STRING", "")
    response = HttpResponseRedirect(f"{target}?{query}" if query else target)
    if request.method not in ("GET", "HEAD"):
        response.status_code = 307  # a refresh POST from an old page stays a POST
    return response
