"""Who may enter, and who is an admin, from the claims the provider vouched for (pure rules).

* An e-mail address is required (accounts are matched and named by it); one the provider marks
  unverified (`email_verified: false`) is refused.
* OAKDASH_OIDC_ALLOWED_DOMAINS: the address's domain must be one of them (exact, no subdomains).
* OAKDASH_OIDC_ALLOWED_GROUPS: the groups claim must name one of them, or an admin group.
  Both lists set: both must hold. Neither: everyone the provider signs in for this client.
* Staff / superuser follow the admin groups at every sign-in (granted and revoked), but only when
  an admin group is configured; otherwise the flags are left as an administrator set them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from oakdash.sso.config import OidcConfig


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # for the person, when refused
    is_staff: bool = False
    is_superuser: bool = False


def groups_in(claims: Mapping[str, Any], claim: str) -> frozenset[str]:
    """The groups claim as a set: a list of names, or a single name; anything else is none."""
    value = claims.get(claim)
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list | tuple):
        return frozenset(v for v in value if isinstance(v, str))
    return frozenset()


def email_in(claims: Mapping[str, Any]) -> str:
    value = claims.get("email")
    return value.strip() if isinstance(value, str) else ""


def evaluate(claims: Mapping[str, Any], config: OidcConfig) -> Verdict:
    email = email_in(claims)
    groups = groups_in(claims, config.groups_claim)
    admin_groups = config.staff_groups | config.superuser_groups
    if "@" not in email:
        return Verdict(
            False,
            f"{config.label} did not tell oakdash your e-mail address, which oakdash needs to "
            "know who you are. Ask your administrator to release the 'email' claim to oakdash.",
        )
    if claims.get("email_verified") is False or claims.get("email_verified") == "false":
        return Verdict(False, f"Your e-mail address {email} is not verified at {config.label}.")
    domain = email.rsplit("@", 1)[1].lower()
    if config.allowed_domains and domain not in config.allowed_domains:
        allowed = ", ".join(sorted(config.allowed_domains))
        return Verdict(
            False,
            f"You signed in as {email}, but oakdash only admits addresses at {allowed}.",
        )
    if config.allowed_groups and not groups & (config.allowed_groups | admin_groups):
        return Verdict(
            False,
            f"You signed in as {email}, but your account is not in a group that may use "
            "oakdash. Ask your administrator for access.",
        )
    return Verdict(
        True,
        is_staff=bool(groups & admin_groups),
        is_superuser=bool(groups & config.superuser_groups),
    )
