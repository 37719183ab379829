"""The oakdash account for a person the provider vouched for: found, linked, created, updated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from oakdash.sso.config import OidcConfig
from oakdash.sso.errors import AccessRefused
from oakdash.sso.models import OidcIdentity
from oakdash.sso.policy import Verdict, email_in


def linked_user(issuer: str, subject: str) -> User | None:
    identity = (
        OidcIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    return identity.user if identity else None


def _existing_account(email: str, config: OidcConfig) -> User | None:
    """A pre-created account with this address (as e-mail or as username), not yet linked."""
    users = get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    found = list(users.select_related("oidc_identity")[:2])
    if len(found) > 1:
        raise AccessRefused(
            f"Several oakdash accounts use {email}. Ask your administrator to merge them."
        )
    if not found:
        return None
    user = found[0]
    if hasattr(user, "oidc_identity"):
        raise AccessRefused(
            f"The oakdash account for {email} belongs to a different {config.label} identity. "
            "Ask your administrator.",
            f"account {user.pk} is linked to {user.oidc_identity}",
        )
    return user


def _apply(user: User, claims: Mapping[str, Any], verdict: Verdict, config: OidcConfig):
    changed: dict[str, object] = {
        "email": email_in(claims),
        "first_name": str(claims.get("given_name") or user.first_name)[:150],
        "last_name": str(claims.get("family_name") or user.last_name)[:150],
    }
    if config.manages_admin_flags:
        changed.update(is_staff=verdict.is_staff, is_superuser=verdict.is_superuser)
    fields = [name for name, value in changed.items() if getattr(user, name) != value]
    for name in fields:
        setattr(user, name, changed[name])
    if fields:
        user.save(update_fields=fields)


@transaction.atomic
def user_for(claims: Mapping[str, Any], issuer: str, verdict: Verdict, config: OidcConfig) -> User:
    """The account to sign in; raises AccessRefused with a reason the person can act on."""
    subject = str(claims["sub"])
    email = email_in(claims)
    user = linked_user(issuer, subject)
    if user is None:
        user = _existing_account(email, config)
        if user is None:
            if not config.create_users:
                raise AccessRefused(
                    f"There is no oakdash account for {email}. Ask your administrator to "
                    "create one."
                )
            if len(email) > 150:  # Django's username limit
                raise AccessRefused(f"The address {email} is too long for an oakdash username.")
            user = get_user_model().objects.create_user(username=email, email=email)
        OidcIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    if not user.is_active:
        raise AccessRefused(f"The oakdash account for {email} is deactivated.")
    _apply(user, claims, verdict, config)
    return user


def revoke_admin_flags(issuer: str, subject: str, config: OidcConfig) -> None:
    """A refused person keeps no admin rights on their linked account."""
    if not config.manages_admin_flags:
        return
    user = linked_user(issuer, subject)
    if user is not None and (user.is_staff or user.is_superuser):
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
