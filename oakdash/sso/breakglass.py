"""Break-glass sign-in for a superuser when company sign-in is down or misconfigured.

`manage.py breakglass USERNAME` (shell access to the server is the credential) prints a link
that signs that superuser in once: it is valid for ten minutes, is spent by its first use (the
token covers the account's last login time, which signing in changes), survives password login
being turned off, and both issuing and using it are logged. The session it opens lasts an hour.
Opening the link shows a button; only the POST signs in, so link previews cannot spend it.
"""

from __future__ import annotations

import logging

from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from oakdash.sso.config import MODEL_BACKEND_PATH

log = logging.getLogger("oakdash.sso.breakglass")

BREAK_GLASS_SESSION = "oakdash.break_glass"
LINK_SECONDS = 600
SESSION_SECONDS = 3600


class BreakGlassTokens(PasswordResetTokenGenerator):
    """Django's password-reset tokens, salted apart, valid for minutes instead of days."""

    key_salt = "oakdash.sso.breakglass"

    def check_token(self, user: User | None, token: str | None) -> bool:
        if token is None or not super().check_token(user, token):
            return False
        issued = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - issued <= LINK_SECONDS


tokens = BreakGlassTokens()


def link_path(user: User) -> str:
    """The path of a fresh break-glass link for `user`."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("breakglass", args=[uid, tokens.make_token(user)])


def _superuser(uidb64: str) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = get_user_model().objects.get(pk=pk)
    except (ValueError, OverflowError, get_user_model().DoesNotExist):
        return None
    return user if user.is_active and user.is_superuser else None


@never_cache
@require_http_methods(["GET", "POST"])
def view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _superuser(uidb64)
    if user is None or not tokens.check_token(user, token):
        log.warning(
            "break-glass link refused (unknown, used or expired) from %s",
            request.META.get("REMOTE_ADDR"),
        )
        return render(request, "sso/breakglass.html", {"valid": False}, status=403)
    if request.method == "GET":
        return render(request, "sso/breakglass.html", {"valid": True, "account": user})
    auth.login(request, user, backend=MODEL_BACKEND_PATH)
    request.session[BREAK_GLASS_SESSION] = True
    request.session.set_expiry(SESSION_SECONDS)
    log.warning(
        "break-glass sign-in as %s from %s", user.get_username(), request.META.get("REMOTE_ADDR")
    )
    return HttpResponseRedirect(reverse("admin:index"))
