"""Store, read, verify and remove a user's OakData secret key (the only module that decrypts)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from oakdash.accounts import crypto
from oakdash.accounts.models import ApiKey
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
def check_key(api: OakDataAPI, key: str) -> Check:
    """Ask the API once, cheaply (/live), whether this key may read a project."""
    if key.startswith(PUBLIC_PREFIX):
        return Check(Verdict.PUBLIC, PUBLIC_KEY_EXPLANATION)
    if (
        not key.startswith(SECRET_PREFIX)
        or len(key) <= len(SECRET_PREFIX)
        or any(c.isspace() for c in key)
    ):
        return Check(Verdict.MALFORMED, NOT_A_KEY_EXPLANATION)
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
def store_key(user: AbstractBaseUser, key: str, *, verified: bool) -> ApiKey:
    record, _ = ApiKey.objects.update_or_create(
        user=user,
        defaults={
            "ciphertext": crypto.encrypt(key),
            "mask": mask_key(key),
            "verified_at": timezone.now() if verified else None,
        },
    )
    return record


def remove_key(user: AbstractBaseUser) -> bool:
    deleted, _ = ApiKey.objects.filter(user=user).delete()
    return bool(deleted)


def stored_key(user: AbstractBaseUser) -> ApiKey | None:
    if not user.is_authenticated:
        return None
    try:
        return user.oakdata_key
    except ApiKey.DoesNotExist:
        return None
