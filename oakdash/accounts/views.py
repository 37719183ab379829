"""/settings/: store, replace or remove the user's OakData secret key."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from oakdash.accounts import crypto, keystore
from oakdash.accounts.forms import ApiKeyForm
from oakdash.dashboard.upstream import get_api
from oakdash.oakdata import mask_key

PENDING = "oakdash.pending_key"


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _done(request: HttpRequest) -> HttpResponse:
    return redirect(_safe_next(request) or "overview")


def _pending_mask(request: HttpRequest) -> str | None:
    token = request.session.get(PENDING)
    if not token:
        return None
    try:
        return mask_key(crypto.decrypt(token))
    except crypto.UndecryptableKey:
        request.session.pop(PENDING, None)
        return None


@never_cache
@sensitive_post_parameters("api_key")
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "remove":
            keystore.remove_key(request.user)
            request.session.pop(PENDING, None)
            messages.success(request, "Your key was removed. Dashboard pages need a key again.")
            return redirect("settings")
        if action == "save_unverified":
            return _save_pending(request)
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            response = _save_checked(request, form)
            if response is not None:
                return response
        status = 400 if form.errors else 200
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "stored": keystore.stored_key(request.user),
            "pending_mask": _pending_mask(request),
            "next": _safe_next(request) or "",
            "needs_key_reason": request.GET.get("reason") == "nokey",
        },
        status=status,
    )


@sensitive_variables("key")
def _save_checked(request: HttpRequest, form: ApiKeyForm) -> HttpResponse | None:
    key = keystore.normalise(form.cleaned_data["api_key"])
    check = keystore.check_key(get_api(), key)
    if check.verdict is keystore.Verdict.OK:
        keystore.store_key(request.user, key, verified=True)
        request.session.pop(PENDING, None)
        messages.success(request, f"Key {mask_key(key)} saved and verified.")
        return _done(request)
    if check.verdict is keystore.Verdict.UNREACHABLE:
        # Keep what the user typed (encrypted, server-side) so "save anyway" needs no retyping.
        request.session[PENDING] = crypto.encrypt(key)
        messages.warning(
            request,
            "OakData could not be reached to check this key. You can save it anyway and it "
            "will be used as soon as OakData answers, or try again.",
        )
        return None
    form.add_error("api_key", check.message)
    return None


@sensitive_variables("key")
def _save_pending(request: HttpRequest) -> HttpResponse:
    token = request.session.pop(PENDING, None)
    if not token:
        messages.error(request, "There is no unsaved key any more: please enter it again.")
        return redirect("settings")
    try:
        key = crypto.decrypt(token)
    except crypto.UndecryptableKey:  # the server's encryption keys changed in between
        messages.error(request, "The unsaved key can no longer be read: please enter it again.")
        return redirect("settings")
    keystore.store_key(request.user, key, verified=False)
    messages.warning(request, f"Key {mask_key(key)} saved without verification.")
    return _done(request)
