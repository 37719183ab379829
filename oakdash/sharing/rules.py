"""Whether a public link may be viewed right now, and with which key.

Every view reads the link's row (and the creator's key) from the database: revoking, expiring
or turning sharing off takes effect at the next request on every worker and host. A wrong
secret gets exactly the answer an unknown link gets, so the answer tells a guesser nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from oakdash.accounts import crypto
from oakdash.accounts.models import ProjectKey
from oakdash.oakdata import OakDataClient
from oakdash.sharing import tokens
from oakdash.sharing.models import SharedReplay
from oakdash.upstream import get_api

# reason: (HTTP status, title, what the viewer is told)
REFUSALS = {
    "disabled": (
        403,
        "Public replay links are turned off",
        "Whoever runs this oakdash has turned public links off, so no shared replay opens here "
        "at the moment. Ask the person who sent you the link.",
    ),
    "unknown": (
        404,
        "This link does not open anything",
        "No shared replay is at this address. Check that you copied the whole link, including "
        "the part after #.",
    ),
    "revoked": (410, "This link was revoked", "The person who shared this replay revoked it."),
    "expired": (
        410,
        "This link has expired",
        "Shared replays open only until the expiry their creator chose. Ask for a new link.",
    ),
    "used up": (
        410,
        "This link has been used up",
        "It could be opened a set number of times, and it has been. Ask for a new link.",
    ),
    "key removed": (
        410,
        "This link no longer works",
        "The person who shared this replay no longer has access to its project in oakdash.",
    ),
    "key invalid": (
        410,
        "This link no longer works",
        "The OakData key of the person who shared this replay is no longer valid, so the "
        "recording cannot be fetched. Ask them for a new link.",
    ),
    "replay gone": (
        410,
        "This recording no longer exists",
        "OakData no longer has this recording (recordings are kept for a limited time).",
    ),
}


class LinkRefused(Exception):
    """The link cannot be viewed; ``reason`` is a key of REFUSALS. ``link`` is the row when the
    secret matched it (or, for a wrong secret, the row the id named: audited, never shown)."""

    def __init__(self, reason: str, link: SharedReplay | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.link = link

    @property
    def status(self) -> int:
        return REFUSALS[self.reason][0]

    @property
    def title(self) -> str:
        return REFUSALS[self.reason][1]

    @property
    def message(self) -> str:
        return REFUSALS[self.reason][2]


@dataclass(frozen=True)
class OpenLink:
    link: SharedReplay
    key: ProjectKey


@sensitive_variables("secret")
def open_link(public_id: str, secret: str) -> OpenLink:
    """The link and its creator's key, or LinkRefused. Two queries."""
    if not settings.OAKDASH_SHARING_ENABLED:
        raise LinkRefused("disabled")
    link = None
    if tokens.looks_like_token(public_id):
        link = (
            SharedReplay.objects.select_related("project", "creator")
            .filter(public_id=public_id)
            .first()
        )
    if link is None:
        raise LinkRefused("unknown")
    if not tokens.secret_matches(secret, link.secret_hash):
        raise LinkRefused("unknown", link)
    status = link.status()
    if status != "active":
        raise LinkRefused(status, link)
    creator = link.creator
    key = None
    if creator is not None and creator.is_active:
        key = ProjectKey.objects.filter(user=creator, project=link.project).first()
    if key is None:
        raise LinkRefused("key removed", link)
    return OpenLink(link, key)


@sensitive_variables("plaintext")
def creator_client(opened: OpenLink) -> OakDataClient:
    """The creator's client for the link's project; LinkRefused("key invalid") if the stored key
    cannot be read any more."""
    try:
        plaintext = opened.key.reveal()
    except crypto.UndecryptableKey:
        raise LinkRefused("key invalid", opened.link) from None
    return get_api().for_key(plaintext)


def count_view(link: SharedReplay) -> bool:
    """Count one view, atomically against the view limit; False when the limit is reached."""
    now = timezone.now()
    counted = (
        SharedReplay.objects.filter(pk=link.pk)
        .filter(Q(max_views__isnull=True) | Q(views__lt=F("max_views")))
        .update(views=F("views") + 1, last_viewed_at=now)
    )
    return bool(counted)
