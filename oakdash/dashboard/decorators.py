"""The wrapper every dashboard page shares: login, GET only, a key, upstream errors → pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from oakdash.accounts.crypto import UndecryptableKey
from oakdash.dashboard.errors import render_upstream_error
from oakdash.dashboard.links import canonical_full_path
from oakdash.dashboard.upstream import NoKey, client_for
from oakdash.oakdata import OakDataClient, errors

PageView = Callable[..., HttpResponse]


def _page_url(request: HttpRequest) -> str:
    """The URL the user is looking at: for htmx requests the page's, not the fragment's."""
    if request.htmx and request.headers.get("HX-Current-URL"):
        current = urlsplit(request.headers["HX-Current-URL"])
        return current.path + (f"?{current.query}" if current.query else "")
    return canonical_full_path(request)


def _to_settings(request: HttpRequest, reason: str) -> HttpResponse:
    # Come back to exactly this URL (query string included) once a key is stored.
    back = _page_url(request)
    url = reverse("settings") + "?" + urlencode({"next": back or "/", "reason": reason})
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def dashboard_page(view: PageView | None = None, *, refresh_by_post: bool = False) -> PageView:
    """Call ``view(request, client, *args)`` with the user's client; answer every failure kindly.

    GET (and HEAD) only: reading a page never changes anything. With ``refresh_by_post=True``
    a POST to the page's own URL (CSRF-checked) is accepted too, and means "ask OakData again
    now" — the one action a page has.
    """
    if view is None:
        return functools.partial(dashboard_page, refresh_by_post=refresh_by_post)

    def _answer(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            client: OakDataClient = client_for(request)
        except NoKey:
            return _to_settings(request, "nokey")
        except UndecryptableKey:
            messages.error(
                request,
                "Your stored key can no longer be decrypted (the server's encryption keys "
                "changed). Please store it again.",
            )
            return _to_settings(request, "undecryptable")
        except errors.OakDataError as err:  # e.g. a public key that slipped in unverified
            return render_upstream_error(request, err)
        try:
            return view(request, client, *args, **kwargs)
        except errors.OakDataError as err:
            return render_upstream_error(request, err)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = _answer(request, *args, **kwargs)
        # Every answer (error pages and redirects too) is per user and differs for htmx.
        response.headers.setdefault("Cache-Control", "private, no-store")
        patch_vary_headers(response, ["HX-Request", "Cookie"])
        return response

    # GET, and HEAD for probes; POST only for a page's refresh.
    allowed = require_http_methods(["GET", "HEAD", "POST"]) if refresh_by_post else require_safe
    guarded = allowed(wrapper)

    @functools.wraps(view)
    def entry(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Like login_required, but ?next= re-encodes ids from the URL: the decoded path would
        # turn the visitor "../live" into /visitors/../live/, which browsers normalise away.
        if not request.user.is_authenticated:
            login = redirect_to_login(_page_url(request))
            # An htmx swap must not put the login page inside a panel: reload the whole page.
            return HttpResponseClientRedirect(login.url) if request.htmx else login
        return guarded(request, *args, **kwargs)

    return entry
