"""Login page, the sign-in start and callback, and logout that ends the provider session too."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from oakdash.sso.config import BACKEND_PATH, get_config, library_setting
from oakdash.sso.errors import ProviderUnavailable, SignInError, StaleSignIn, TokenRejected
from oakdash.sso.flow import STATES, authorization_url, safe_next
from oakdash.sso.provider import metadata

log = logging.getLogger("oakdash.sso")

# Provider errors that only mean "no signed-in session there any more" (prompt=none answers).
SESSION_GONE = {
    "login_required",
    "interaction_required",
    "consent_required",
    "account_selection_required",
}


def problem(request: HttpRequest, error: SignInError, *, retry_url: str = "") -> HttpResponse:
    """A page in our layout saying why, with a way forward; never a traceback."""
    log.warning("sign-in: %s: %s", type(error).__name__, error.detail)
    response = render(
        request,
        "sso/problem.html",
        {"title": error.title, "message": error.message, "retry_url": retry_url},
        status=error.status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def to_provider(request: HttpRequest, url: str, title: str) -> HttpResponse:
    """A page that moves on to the provider at once (templates/sso/redirect.html says why)."""
    response = render(
        request, "sso/redirect.html", {"url": url, "title": title, "label": get_config().label}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


class LoginView(auth_views.LoginView):
    """Django's login page with the company sign-in button; passwords refused when turned off."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        config = get_config()
        context.update(
            sso_enabled=config.enabled, sso_label=config.label, password_login=config.password_login
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if get_config().password_login:
            return super().post(request, *args, **kwargs)
        # The backend switch refuses passwords everywhere; this says so on the page itself.
        messages.error(request, "Password sign-in is turned off here: use company sign-in.")
        response = self.get(request, *args, **kwargs)
        response.status_code = 403
        return response


@never_cache
@require_safe
def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the provider; it comes back to `next` (checked: no open redirect)."""
    if not get_config().enabled:
        raise Http404("company sign-in is not configured")
    try:
        return HttpResponseRedirect(
            authorization_url(request, safe_next(request, request.GET.get("next")))
        )
    except ProviderUnavailable as exc:
        return problem(request, exc, retry_url=request.get_full_path())


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back. The library consumes the state (one use) and signs in."""

    get_settings = staticmethod(library_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        config = get_config()
        if not config.enabled:
            raise Http404("company sign-in is not configured")
        state = request.GET.get("state", "")
        entry = (request.session.get(STATES) or {}).get(state)
        if not isinstance(entry, dict):
            return problem(request, StaleSignIn(f"unknown state {state[:12]!r}…"))
        self.next_url = entry.get("next") or safe_next(request, None)
        # RFC 9207: a provider that names itself in the answer must be the one we asked.
        answered_by = request.GET.get("iss")
        if answered_by is not None and answered_by.rstrip("/") != config.issuer:
            self._forget(request, state)
            return problem(request, TokenRejected(f"authorization answer from {answered_by!r}"))
        if request.GET.get("error"):
            return self._provider_said_no(request, state, silent=bool(entry.get("silent")))
        try:
            return super().get(request)
        except SignInError as exc:
            auth.logout(request)  # a failed re-check ends the session it was checking
            return problem(request, exc)

    def _forget(self, request: HttpRequest, state: str) -> None:
        request.session[STATES].pop(state, None)
        request.session.modified = True

    def _provider_said_no(self, request: HttpRequest, state: str, *, silent: bool) -> HttpResponse:
        self._forget(request, state)
        error = request.GET.get("error", "")[:100]
        if request.user.is_authenticated:
            auth.logout(request)
        if silent and error in SESSION_GONE:
            messages.info(
                request, f"Your session at {get_config().label} has ended: sign in again."
            )
            return redirect_to_login(self.next_url)
        description = request.GET.get("error_description", "")[:300]
        return problem(
            request,
            SignInError(
                f"The sign-in at {get_config().label} did not complete ({error}"
                f"{': ' + description if description else ''}).",
                f"provider answered error={error!r}",
            ),
        )

    @property
    def success_url(self) -> str:
        return self.next_url

    def login_failure(self) -> HttpResponse:
        # Another backend refused (a throttled address), the account is inactive, or the
        # answer carried neither code nor error.
        return problem(self.request, SignInError("oakdash could not sign you in. Start again."))


def end_session_url(request: HttpRequest) -> str | None:
    """The provider's RP-initiated logout URL for this session, if it has one (OIDC RP-Logout)."""
    config = get_config()
    id_token = request.session.get("oidc_id_token")
    if not (
        config.enabled
        and id_token
        and request.session.get(auth.BACKEND_SESSION_KEY) == BACKEND_PATH
    ):
        return None
    try:
        endpoint = metadata(config).end_session_endpoint
    except ProviderUnavailable as exc:
        log.warning(
            "logout: provider session not ended, the provider is unavailable: %s", exc.detail
        )
        return None
    if not endpoint:
        return None
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        "client_id": config.client_id,
    }
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST), then on to the provider to end the session there too."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        provider_logout = end_session_url(request)  # read before the session is flushed
        response = super().post(request, *args, **kwargs)
        if provider_logout:
            return to_provider(request, provider_logout, f"Signing you out of {get_config().label}")
        return response
