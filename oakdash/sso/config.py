"""The sign-in configuration, read from Django settings on every use (tests override them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from mozilla_django_oidc.utils import import_from_settings

BACKEND_PATH = "oakdash.sso.backend.OidcBackend"
MODEL_BACKEND_PATH = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class OidcConfig:
    issuer: str  # "" means company sign-in is off
    client_id: str
    client_secret: str
    scopes: str
    label: str
    allowed_domains: frozenset[str]
    allowed_groups: frozenset[str]
    groups_claim: str
    staff_groups: frozenset[str]
    superuser_groups: frozenset[str]
    create_users: bool
    revalidate_seconds: int
    timeout: float
    password_login: bool

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    @property
    def manages_admin_flags(self) -> bool:
        """Staff and superuser follow the groups claim only when admin groups are configured."""
        return bool(self.staff_groups or self.superuser_groups)


def get_config() -> OidcConfig:
    return OidcConfig(
        issuer=settings.OAKDASH_OIDC_ISSUER.rstrip("/"),
        client_id=settings.OAKDASH_OIDC_CLIENT_ID,
        client_secret=settings.OAKDASH_OIDC_CLIENT_SECRET,
        scopes=settings.OAKDASH_OIDC_SCOPES,
        label=settings.OAKDASH_OIDC_BUTTON_LABEL,
        allowed_domains=frozenset(
            d.lower().lstrip("@") for d in settings.OAKDASH_OIDC_ALLOWED_DOMAINS
        ),
        allowed_groups=frozenset(settings.OAKDASH_OIDC_ALLOWED_GROUPS),
        groups_claim=settings.OAKDASH_OIDC_GROUPS_CLAIM,
        staff_groups=frozenset(settings.OAKDASH_OIDC_STAFF_GROUPS),
        superuser_groups=frozenset(settings.OAKDASH_OIDC_SUPERUSER_GROUPS),
        create_users=settings.OAKDASH_OIDC_CREATE_USERS,
        revalidate_seconds=settings.OAKDASH_OIDC_REVALIDATE_SECONDS,
        timeout=settings.OAKDASH_OIDC_TIMEOUT,
        password_login=settings.OAKDASH_PASSWORD_LOGIN,
    )


def library_setting(name: str, *default: object) -> object:
    """mozilla-django-oidc's settings, answered from ours where they overlap (one source)."""
    config = get_config()
    ours = {
        "OIDC_RP_CLIENT_ID": config.client_id,
        "OIDC_RP_CLIENT_SECRET": config.client_secret,
        "OIDC_RP_SCOPES": config.scopes,
        "OIDC_TIMEOUT": config.timeout,
        "OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS": config.revalidate_seconds,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_STORE_ID_TOKEN": True,  # the id_token_hint of RP-initiated logout
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_TOKEN_USE_BASIC_AUTH": True,  # client_secret_basic: every provider's default
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc_callback",
    }
    if name in ours:
        return ours[name]
    return import_from_settings(name, *default)
