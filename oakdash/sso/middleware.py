"""Sessions end within a bounded time once a person's claims no longer qualify.

A company sign-in is re-checked every OAKDASH_OIDC_REVALIDATE_SECONDS: the next page the person
opens goes through the provider with `prompt=none` (no page shown while their provider session
lives) and comes back through the callback, which re-reads their claims and refuses, with the
session ended, anyone who no longer qualifies. What cannot be redirected waits for that:

* htmx requests (live polling) get `HX-Refresh`, so the whole page reloads and is re-checked,
  instead of a redirect to the provider inside a fragment;
* other requests (form posts, the replay player's fetch) are let through for one more interval,
  then the session ends. So no session outlives a lost claim by more than two intervals.

Also: with password login turned off, sessions that began with a password end (break-glass ones
excepted), and with company sign-in turned off, company sign-in sessions end.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import auth
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from oakdash.dashboard.links import canonical_full_path
from oakdash.http_types import HtmxHttpRequest
from oakdash.sso.breakglass import BREAK_GLASS_SESSION
from oakdash.sso.config import BACKEND_PATH, MODEL_BACKEND_PATH, get_config
from oakdash.sso.errors import ProviderUnavailable
from oakdash.sso.flow import authorization_url
from oakdash.sso.views import problem, to_provider

EXPIRY = "oidc_id_token_expiration"  # set by the library's callback at each sign-in
# Views that must work whatever the session's state (signing in and out, probes).
EXEMPT = frozenset(
    {"login", "logout", "oidc_start", "oidc_callback", "breakglass", "healthz", "readyz"}
)


class SessionRevalidationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HtmxHttpRequest, view, args, kwargs) -> HttpResponse | None:
        # In process_view, not process_request: resolver_match re-encodes ids in the page's URL.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.resolver_match and request.resolver_match.url_name in EXEMPT:
            return None
        config = get_config()
        backend = request.session.get(auth.BACKEND_SESSION_KEY)
        if backend == MODEL_BACKEND_PATH:
            if config.password_login or request.session.get(BREAK_GLASS_SESSION):
                return None
            return self._end(request)
        if backend != BACKEND_PATH:
            return None
        if not config.enabled:
            return self._end(request)
        now, valid_until = time.time(), request.session.get(EXPIRY, 0)
        if now < valid_until:
            return None
        if request.htmx:
            return HttpResponseClientRefresh()
        navigation = request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"
        if navigation and request.method in ("GET", "HEAD"):
            try:
                url = authorization_url(request, canonical_full_path(request), silent=True)
            except ProviderUnavailable as exc:
                return problem(request, exc, retry_url=request.get_full_path())
            return to_provider(request, url, f"Checking your sign-in with {config.label}")
        if now < valid_until + config.revalidate_seconds:
            return None
        return self._end(request)

    def _end(self, request: HtmxHttpRequest) -> HttpResponse:
        page = canonical_full_path(request)
        auth.logout(request)
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(page).url)
        return redirect_to_login(page)
