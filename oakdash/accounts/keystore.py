"""Store, verify and remove a person's OakData secret keys, one per project (the only module
that writes them)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from oakdash.accounts import crypto, projects
from oakdash.accounts.models import Project, ProjectKey
from oakdash.oakdata import OakDataAPI, errors, mask_key

log = logging.getLogger(__name__)

SECRET_PREFIX = "oak_sec_"  # noqa: S105 - a prefix, not a secret
PUBLIC_PREFIX = "oak_pub_"

PUBLIC_KEY_EXPLANATION = (
    "That is a public key (oak_pub_…). Public keys are meant for the browser snippet and can only "
    "send events; reading your analytics needs the project's secret key (oak_sec_…), which you "
    "find in OakData under Project settings → API keys."
)
INVALID_KEY_EXPLANATION = (
    "OakData did not accept this key: it is not valid (revoked, mistyped or for another region)."
)
NOT_A_KEY_EXPLANATION = "A secret key starts with oak_sec_ — check that you copied the whole key."


class Verdict(enum.Enum):
    OK = "ok"
    PUBLIC = "public"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    message: str = ""


@sensitive_variables("raw", "key")
def normalise(raw: str) -> str:
    """Keys are pasted: drop surrounding whitespace and a copied "Bearer " prefix."""
    key = raw.strip()
    if key.lower().startswith("bearer "):
        key = key[7:].strip()
    return key


@sensitive_variables("key")
def check_shape(key: str) -> Check | None:
    """What is wrong with the key before any API call (public, not a secret key), or None."""
    if key.startswith(PUBLIC_PREFIX):
        return Check(Verdict.PUBLIC, PUBLIC_KEY_EXPLANATION)
    if (
        not key.startswith(SECRET_PREFIX)
        or len(key) <= len(SECRET_PREFIX)
        or any(c.isspace() for c in key)
    ):
        return Check(Verdict.MALFORMED, NOT_A_KEY_EXPLANATION)
    return None


@sensitive_variables("key")
def check_key(api: OakDataAPI, key: str) -> Check:
    """Ask the API once, cheaply (/live), whether this key may read a project."""
    shape = check_shape(key)
    if shape is not None:
        return shape
    try:
        api.for_key(key).live()
    except errors.PublicKey:
        return Check(Verdict.PUBLIC, PUBLIC_KEY_EXPLANATION)
    except errors.InvalidKey:
        return Check(Verdict.INVALID, INVALID_KEY_EXPLANATION)
    except errors.OakDataError as err:
        log.warning("could not verify a key: %s", type(err).__name__)
        return Check(Verdict.UNREACHABLE, "OakData could not be reached to check the key.")
    return Check(Verdict.OK)


@sensitive_variables("key")
def store_key(
    user: User,
    key: str,
    *,
    verified: bool,
    project: Project | None = None,
    name: str = "",
) -> ProjectKey:
    """Store ``user``'s key for ``project`` (replacing their key for it, if any).

    Without ``project`` the key goes where its fingerprint says — the project of a teammate who
    stored the same key — or into a new project called ``name``. Deciding whether a key may join
    a project someone *claims* for it is ``placement.place_key``'s job, not this function's.
    """
    fingerprint = crypto.fingerprint(key)
    if project is None:
        project = projects.with_fingerprint(fingerprint) or projects.create(
            name or projects.default_name(user)
        )
    record, _ = ProjectKey.objects.update_or_create(
        user=user,
        project=project,
        defaults={
            "ciphertext": crypto.encrypt(key),
            "mask": mask_key(key),
            "fingerprint": fingerprint,
            "verified_at": timezone.now() if verified else None,
        },
    )
    return record


def remove_key(user: User, project: Project) -> bool:
    """Remove ``user``'s key for ``project``; the project stays for its other members."""
    deleted, _ = ProjectKey.objects.filter(user=user, project=project).delete()
    return bool(deleted)


def memberships(user: User) -> list[ProjectKey]:
    """The user's keys with their projects (one query), by project name."""
    if not user.is_authenticated:
        return []
    return list(
        ProjectKey.objects.filter(user=user)
        .select_related("project")
        .order_by("project__name", "project__slug")
    )


@sensitive_variables("key")
def refresh_anchor(api: OakDataAPI, project: Project, key: str) -> None:
    """Remember the newest session this project's key can read, for later membership proofs.

    Called with a key just verified as ``project``'s. OakData not answering, or a project with
    no sessions yet, leaves the last anchor as it was.
    """
    try:
        recent = api.for_key(key).sessions(range="90d", limit=1).sessions
    except errors.OakDataError as err:
        log.info("could not refresh a project's anchor: %s", type(err).__name__)
        return
    if recent:
        project.anchor_session = recent[0].session_id
        project.anchor_seen_at = timezone.now()
        project.save(update_fields=["anchor_session", "anchor_seen_at", "updated_at"])
