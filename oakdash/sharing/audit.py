"""Writing the audit trail: one row per creation, view, refusal, revocation and export."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest

from oakdash.accounts.lockout import client_ip
from oakdash.accounts.models import Project
from oakdash.http_types import signed_in
from oakdash.sharing.models import ShareAudit, SharedReplay

# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
_FAMILIES = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("HeadlessChrome/", "Chrome (headless)"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python", "script"),
    ("bot", "bot"),
)


def agent_family(user_agent: str) -> str:
    """The browser's family only: versions and platforms would start to name people."""
    if not user_agent:
        return ""
    lowered = user_agent.lower()
    return next((name for marker, name in _FAMILIES if marker.lower() in lowered), "other")


def client_hash(request: HttpRequest) -> str:
    """A keyed hash of the client's address cut to 48 bits: repeat visits show, addresses do not."""
    address = client_ip(request) or ""
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:12]


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    link: SharedReplay | None = None,
    project: Project | None = None,
    replay_id: str = "",
    actor: User | None = None,
    detail: str = "",
) -> ShareAudit:
    if link is not None:
        project = project or link.project
        replay_id = replay_id or link.replay_id
    if actor is None and request is not None and signed_in(request):
        actor = request.user
    return ShareAudit.objects.create(
        link=link,
        project=project,
        replay_id=replay_id[:1024],
        actor=actor,
        action=action,
        client_hash=client_hash(request) if request is not None else "",
        client_agent=agent_family(request.headers.get("User-Agent", "")) if request else "",
        detail=detail[:200],
    )
