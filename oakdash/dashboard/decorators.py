"""The wrapper every dashboard page shares: login, GET only, the project and the viewer's key for
it, upstream errors → pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import overload
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from oakdash.dashboard import access
from oakdash.dashboard.errors import CLIENT_FAILURES, client_problem, render_problem
from oakdash.dashboard.links import canonical_full_path
from oakdash.http_types import AuthenticatedHttpRequest, HtmxHttpRequest, signed_in
from oakdash.oakdata import OakDataClient

PageView = Callable[..., HttpResponseBase]  # a page, or a stream (the portable replay file)


def page_url(request: HtmxHttpRequest) -> str:
    """The URL the user is looking at: for htmx requests the page's, not the fragment's."""
    if request.htmx and request.headers.get("HX-Current-URL"):
        current = urlsplit(request.headers["HX-Current-URL"])
        return current.path + (f"?{current.query}" if current.query else "")
    return canonical_full_path(request)


def to_settings(request: HtmxHttpRequest, reason: str, project: str = "") -> HttpResponse:
    """To /settings/, coming back to exactly this URL (query string included) once a key is
    stored; ``project`` is preselected there."""
    query = {"next": page_url(request) or "/", "reason": reason}
    if project:
        query["project"] = project
    url = reverse("settings") + "?" + urlencode(query)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def remember_project(request: HtmxHttpRequest, response: HttpResponseBase) -> None:
    """A page of a project (not a fragment, a download or a poll) makes it the one URLs without
    a project open (``access.remembered``)."""
    viewed = access.viewed(request)
    if (
        viewed is None
        or request.htmx
        or not response.get("Content-Type", "").startswith("text/html")
        or request.COOKIES.get(access.COOKIE) == viewed.slug
    ):
        return
    response.set_cookie(
        access.COOKIE,
        viewed.slug,
        max_age=access.COOKIE_MAX_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def login_redirect(request: HtmxHttpRequest) -> HttpResponse:
    """Like login_required, but ?next= re-encodes ids from the URL: the decoded path would turn
    the visitor "../live" into /visitors/../live/, which browsers normalise away."""
    login = redirect_to_login(page_url(request))
    # An htmx swap must not put the login page inside a panel: reload the whole page.
    return HttpResponseClientRedirect(login.url) if request.htmx else login


@overload
def dashboard_page(view: PageView, *, refresh_by_post: bool = False) -> PageView: ...
@overload
def dashboard_page(
    view: None = None, *, refresh_by_post: bool = False
) -> Callable[[PageView], PageView]: ...
def dashboard_page(
    view: PageView | None = None, *, refresh_by_post: bool = False
) -> PageView | Callable[[PageView], PageView]:
    """Call ``view(request, client, *args)`` with the viewer's client for the URL's project
    (``request.project``: ``access.ViewedProject``); answer every failure kindly.

    GET (and HEAD) only: reading a page never changes anything. With ``refresh_by_post=True``
    a POST to the page's own URL (CSRF-checked) is accepted too, and means "ask OakData again
    now" — the one action a page has.
    """
    if view is None:
        return functools.partial(dashboard_page, refresh_by_post=refresh_by_post)

    def _answer(
        request: AuthenticatedHttpRequest, project: str, *args, **kwargs
    ) -> HttpResponseBase:
        try:
            client: OakDataClient = access.open_project(request, project)
            return view(request, client, *args, **kwargs)
        except CLIENT_FAILURES as err:
            problem = client_problem(err, request, page_url(request))
            if isinstance(err, access.KeyUnreadable):
                # A page can do better than say so: straight to settings, to store it again.
                messages.error(request, f"{problem.title}. {problem.detail}")
                return to_settings(request, "undecryptable", err.project.slug)
            return render_problem(request, problem)

    @functools.wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponseBase:
        response = _answer(request, *args, **kwargs)
        remember_project(request, response)
        # Every answer (error pages and redirects too) is per user and differs for htmx.
        response.headers.setdefault("Cache-Control", "private, no-store")
        patch_vary_headers(response, ["HX-Request", "Cookie"])
        return response

    # GET, and HEAD for probes; POST only for a page's refresh.
    allowed = require_http_methods(["GET", "HEAD", "POST"]) if refresh_by_post else require_safe
    guarded = allowed(wrapper)

    @functools.wraps(view)
    def entry(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not signed_in(request):
            return login_redirect(request)
        return guarded(request, *args, **kwargs)

    return entry
