"""/settings/: the person's projects and their keys — add, rename, replace, remove.

Every rule for a typed key holds for each project: public keys are refused with the explanation,
a key OakData rejects is "not valid", and when OakData cannot be reached the typed key waits
encrypted in the session (never echoed into the page) to be saved anyway — or, for a key said to
belong to an existing project, checked again: such a key must prove it (``placement``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.forms.utils import ErrorList
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from oakdash.accounts import crypto, keystore, projects
from oakdash.accounts.forms import ApiKeyForm, RenameForm
from oakdash.accounts.models import Project, ProjectKey
from oakdash.accounts.placement import Outcome, Placement, place_key
from oakdash.http_types import AuthenticatedHttpRequest
from oakdash.oakdata import mask_key
from oakdash.upstream import get_api

RenameErrors = dict[str, ErrorList | list[str]]  # per project slug, for the rename form
PENDING = "oakdash.pending_key"


@dataclass(frozen=True)
class Pending:
    """A typed key waiting (encrypted) for OakData to answer, and what it was typed for."""

    token: str
    project: str = ""  # the slug it was said to belong to
    name: str = ""

    @classmethod
    def load(cls, request: HttpRequest) -> Pending | None:
        saved = request.session.get(PENDING)
        if isinstance(saved, str):  # stored by the version before projects
            return cls(saved)
        if isinstance(saved, dict) and saved.get("token"):
            return cls(saved["token"], saved.get("project", ""), saved.get("name", ""))
        return None

    def save(self, request: HttpRequest) -> None:
        request.session[PENDING] = {"token": self.token, "project": self.project, "name": self.name}


@dataclass(frozen=True)
class Membership:
    """One of the person's projects as settings lists it."""

    key: ProjectKey
    others: int  # how many other people have a key for the project (a count, never who)

    @property
    def project(self) -> Project:
        return self.key.project


def _memberships(request: AuthenticatedHttpRequest) -> list[Membership]:
    keys = (
        ProjectKey.objects.filter(user=request.user)
        .select_related("project")
        .annotate(members=Count("project__keys"))
        .order_by("project__name", "project__slug")
    )
    return [Membership(k, k.members - 1) for k in keys]


def _safe_next(request: AuthenticatedHttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _project_of(url: str) -> str | None:
    """The project slug a dashboard URL names (``/p/<slug>/…``), None for any other URL."""
    try:
        return resolve(urlsplit(url).path).kwargs.get("project")
    except Resolver404:
        return None


def _focus(request: AuthenticatedHttpRequest) -> Project | None:
    """The project the page is about (``?project=``): preselected where a key is typed."""
    slug = request.POST.get("project") or request.GET.get("project") or ""
    return Project.objects.filter(slug=slug).first() if slug else None


def _pending_mask(request: AuthenticatedHttpRequest, pending: Pending | None) -> str | None:
    if pending is None:
        return None
    try:
        return mask_key(crypto.decrypt(pending.token))
    except crypto.UndecryptableKey:
        request.session.pop(PENDING, None)
        return None


def _my_project(request: AuthenticatedHttpRequest) -> Project | None:
    """The project a rename or remove is for: one of the person's own, else None."""
    slug = request.POST.get("project", "")
    mine = Project.objects.filter(keys__user=request.user)
    if slug:
        return mine.filter(slug=slug).first()
    only = list(mine[:2])  # the form before projects sent no slug: fine while there is one
    return only[0] if len(only) == 1 else None


@never_cache
@sensitive_post_parameters("api_key")
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiKeyForm(initial={"project": _focus(request)})
    rename_errors: RenameErrors = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "remove":
            return _remove(request)
        if action == "rename":
            response, rename_errors = _rename(request)
            if response is not None:
                return response
            status = 400
        elif action in ("save_unverified", "check_again"):
            return _save_pending(request, verify=action == "check_again")
        else:
            form = ApiKeyForm(request.POST)
            if form.is_valid():
                response = _save_checked(request, form)
                if response is not None:
                    return response
            status = 400 if form.errors else 200
    return _render(request, form, rename_errors, status)


def _render(
    request: AuthenticatedHttpRequest,
    form: ApiKeyForm,
    rename_errors: RenameErrors,
    status: int,
) -> HttpResponse:
    pending = Pending.load(request)
    focus = _focus(request)
    memberships = _memberships(request)
    mine = {m.project.slug for m in memberships}
    response = render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "memberships": memberships,
            "rename_errors": rename_errors,
            "failed_for": request.POST.get("origin", "") if form.errors else "",
            "focus": focus,
            "focus_is_mine": focus is not None and focus.slug in mine,
            "pending_mask": _pending_mask(request, pending),
            "pending_claim": Project.objects.filter(slug=pending.project).first()
            if pending and pending.project
            else None,
            "next": _safe_next(request) or "",
            "needs_key_reason": request.GET.get("reason") in ("nokey", "undecryptable")
            or (focus is not None and focus.slug not in mine),
        },
        status=status,
    )
    return response


def _done(request: AuthenticatedHttpRequest, placement: Placement) -> HttpResponse:
    """Back to ``next`` when the stored key opens it, else to settings (saying why)."""
    record = placement.record
    assert record is not None
    target = _safe_next(request)
    wanted = _project_of(target) if target else None
    if (
        target
        and wanted is not None
        and wanted != record.project.slug
        and not ProjectKey.objects.filter(user=request.user, project__slug=wanted).exists()
    ):
        wanted_project = Project.objects.filter(slug=wanted).first()
        messages.warning(
            request,
            f"The page you opened is in {wanted_project.name if wanted_project else wanted}, "
            f"and this key is {record.project.name}'s: that project still needs its own key.",
        )
        return redirect(reverse("settings") + "?" + urlencode({"project": wanted, "next": target}))
    return redirect(target or reverse("settings"))


def _announce(
    request: AuthenticatedHttpRequest, placement: Placement, key_mask: str, claim: Project | None
) -> None:
    record = placement.record
    assert record is not None
    project = record.project.name
    verified = "saved and verified" if record.verified_at else "saved without verification"
    if placement.claim_overruled and claim is not None:
        messages.warning(
            request,
            f"Key {key_mask} belongs to {project}, where teammates already use it — not to "
            f"{claim.name}. It was {verified} for {project}.",
        )
    elif placement.joined:
        messages.success(
            request, f"Key {key_mask} {verified}: teammates already use it for {project}."
        )
    else:
        messages.success(request, f"Key {key_mask} {verified} for {project}.")


@sensitive_variables("key")
def _save_checked(request: AuthenticatedHttpRequest, form: ApiKeyForm) -> HttpResponse | None:
    key = keystore.normalise(form.cleaned_data["api_key"])
    claim: Project | None = form.cleaned_data["project"]
    name = form.cleaned_data["name"]
    placement = place_key(get_api(), request.user, key, claim=claim, name=name)
    if placement.stored:
        request.session.pop(PENDING, None)
        _announce(request, placement, mask_key(key), claim)
        return _done(request, placement)
    if placement.outcome is Outcome.UNREACHABLE:
        # Keep what the user typed (encrypted, server-side) so nothing needs retyping.
        Pending(crypto.encrypt(key), claim.slug if claim else "", name).save(request)
        if claim is None:
            messages.warning(
                request,
                "OakData could not be reached to check this key. You can save it anyway and it "
                "will be used as soon as OakData answers, or try again.",
            )
        else:
            messages.warning(
                request,
                f"OakData could not be reached to check that this key belongs to {claim.name}. "
                "It is kept until you check again.",
            )
        return None
    form.add_error("api_key", placement.message)
    return None


@sensitive_variables("key")
def _save_pending(request: AuthenticatedHttpRequest, *, verify: bool) -> HttpResponse:
    pending = Pending.load(request)
    request.session.pop(PENDING, None)
    if pending is None:
        messages.error(request, "There is no unsaved key any more: please enter it again.")
        return redirect("settings")
    try:
        key = crypto.decrypt(pending.token)
    except crypto.UndecryptableKey:  # the server's encryption keys changed in between
        messages.error(request, "The unsaved key can no longer be read: please enter it again.")
        return redirect("settings")
    claim = Project.objects.filter(slug=pending.project).first() if pending.project else None
    placement = place_key(
        get_api(), request.user, key, claim=claim, name=pending.name, verify=verify
    )
    if placement.stored:
        _announce(request, placement, mask_key(key), claim)
        return _done(request, placement)
    if placement.outcome is Outcome.UNREACHABLE:
        pending.save(request)
        messages.warning(request, "OakData still cannot be reached: the key is kept, try later.")
    else:
        messages.error(request, placement.message)
    return redirect(reverse("settings") + "?" + urlencode(_keep(request, claim)))


def _keep(request: AuthenticatedHttpRequest, claim: Project | None) -> dict[str, str]:
    values = {}
    if claim is not None:
        values["project"] = claim.slug
    target = _safe_next(request)
    if target:
        values["next"] = target
    return values


def _rename(
    request: AuthenticatedHttpRequest,
) -> tuple[HttpResponse | None, RenameErrors]:
    project = _my_project(request)
    if project is None:
        messages.error(request, "You can only rename a project you have a key for.")
        return redirect("settings"), {}
    form = RenameForm(request.POST)
    if not form.is_valid() or not projects.rename(project, form.cleaned_data["name"]):
        return None, {project.slug: form.errors.get("name", ["Give the project a name."])}
    messages.success(request, f"The project is now called {project.name}; its links stay the same.")
    return redirect("settings"), {}


def _remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    project = _my_project(request)
    if project is None or not keystore.remove_key(request.user, project):
        messages.error(request, "There was no key of yours to remove for that project.")
        return redirect("settings")
    request.session.pop(PENDING, None)
    messages.success(
        request,
        f"Your key for {project.name} was removed. Its pages need a key again; the project "
        "stays for anyone else who has one.",
    )
    return redirect("settings")
