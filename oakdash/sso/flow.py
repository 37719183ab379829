"""The authorization request (code flow, PKCE S256, state, nonce) and where to go afterwards.

State, nonce and PKCE verifier are stored with the library's helper, keyed by state, so the
library's callback finds and consumes them (one use each). Each entry also remembers where this
sign-in was started from (`next`) and whether it is a silent re-check (`prompt=none`), so
parallel sign-ins in several tabs each come back to their own page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import url_has_allowed_host_and_scheme
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
)

from oakdash.sso.config import get_config
from oakdash.sso.provider import metadata

STATES = "oidc_states"  # the library's session key


def safe_next(request: HttpRequest, target: str | None) -> str:
    """`target` if it is a path on this site (no open redirect), else the default page."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("oidc_callback"))


def authorization_url(request: HttpRequest, next_url: str, *, silent: bool = False) -> str:
    """Where to send the browser to sign in; raises ProviderUnavailable (discovery)."""
    config = get_config()
    endpoint = metadata(config).authorization_endpoint
    state, nonce, verifier = get_random_string(32), get_random_string(32), get_random_string(64)
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": callback_url(request),
        "scope": config.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
    }
    if silent:
        params["prompt"] = "none"
    add_state_and_verifier_and_nonce_to_session(request, state, params, verifier)
    request.session[STATES][state].update(next=next_url, silent=silent)
    request.session.modified = True  # the library changed a nested dict
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)
