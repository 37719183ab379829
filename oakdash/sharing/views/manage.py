"""Creating public links, "My shared links" (with the audit of one's links) and revoking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from oakdash.accounts import crypto
from oakdash.accounts.models import ProjectKey
from oakdash.http_types import AuthenticatedHttpRequest
from oakdash.oakdata import errors
from oakdash.sharing import audit, tokens
from oakdash.sharing.forms import ShareForm
from oakdash.sharing.models import ShareAudit, SharedReplay
from oakdash.sharing.permissions import why_not_share
from oakdash.upstream import get_api

AUDIT_ROWS = 200


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _replay_problem(key: ProjectKey, replay_id: str) -> str:
    """Why the replay cannot be shared with this key ("" when it can): checked once, now."""
    try:
        get_api().for_key(key.reveal()).replay(replay_id)
    except crypto.UndecryptableKey:
        return "Your stored key for this project can no longer be read: store it again."
    except (errors.NotFound, errors.InvalidParameter):
        return "OakData has no replay with that id in this project."
    except (errors.InvalidKey, errors.PublicKey):
        return "OakData no longer accepts your key for this project: store a valid one first."
    except errors.OakDataError:
        return "OakData could not be reached to check the replay: try again in a moment."
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The form (GET, or a POST with mistakes, everything typed kept) or the new link, once."""
    refusal = why_not_share(request.user)
    if refusal:
        return render(request, "sharing/create.html", {"refusal": refusal}, status=403)
    form = ShareForm(request.POST if request.method == "POST" else None, initial=request.GET)
    if request.method == "GET" or not form.is_valid():
        status = 400 if form.is_bound else 200
        return render(request, "sharing/create.html", {"form": form}, status=status)
    data = form.cleaned_data
    key = (
        ProjectKey.objects.select_related("project")
        .filter(user=request.user, project__slug=data["project"])
        .first()
    )
    problem = "You have no key for that project." if key is None else ""
    if key is not None:
        problem = _replay_problem(key, data["replay_id"])
    if problem or key is None:
        form.add_error(None, problem)
        return render(request, "sharing/create.html", {"form": form}, status=400)
    secret = tokens.new_secret()
    now = timezone.now()
    with transaction.atomic():
        link = SharedReplay.objects.create(
            public_id=tokens.new_public_id(),
            secret_hash=tokens.hash_secret(secret),
            project=key.project,
            replay_id=data["replay_id"],
            creator=request.user,
            created_at=now,
            expires_at=now + form.lifetime(),
            start_ms=form.start_ms(),
            note=data["note"],
            include_events=data["include_events"],
            max_views=data["max_views"],
        )
        audit.record(ShareAudit.Action.CREATED, request=request, link=link)
    url = request.build_absolute_uri(reverse("share_page", args=[link.public_id])) + "#" + secret
    response = render(request, "sharing/created.html", {"link": link, "url": url}, status=201)
    return _no_store(response)


def _visible_links(request: AuthenticatedHttpRequest, everyone: bool):
    links = SharedReplay.objects.select_related("project", "creator", "revoked_by")
    return links if everyone else links.filter(creator=request.user)


@login_required
@require_http_methods(["GET", "HEAD"])
def my_links(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The viewer's links (an admin: everybody's with ?all=1) and their audit trail."""
    everyone = request.user.is_staff and request.GET.get("all") == "1"
    links = list(_visible_links(request, everyone)[:500])
    trail = ShareAudit.objects.select_related("link", "project", "actor")
    if not everyone:
        trail = trail.filter(link__creator=request.user)
    now = timezone.now()
    rows = [(link, link.status(now)) for link in links]
    return render(
        request,
        "sharing/links.html",
        {"rows": rows, "trail": trail[:AUDIT_ROWS], "everyone": everyone, "audit_rows": AUDIT_ROWS},
    )


@login_required
@require_POST
def revoke(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Revoke a link now (its creator, or staff). The next request for it is refused."""
    link = get_object_or_404(_visible_links(request, request.user.is_staff), public_id=public_id)
    if link.revoked_at is None:
        SharedReplay.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=request.user
        )
        audit.record(ShareAudit.Action.REVOKED, request=request, link=link)
        messages.success(request, f"The link to {link.replay_id[:60]} is revoked.")
    back = reverse("shared_links") + ("?all=1" if request.POST.get("all") == "1" else "")
    return HttpResponseRedirect(back)
