"""Start-up checks of the sign-in settings: cheap, offline (discovery happens on first use)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_oidc_settings(
    *, issuer: str, client_id: str, client_secret: str, scopes: str, password_login: bool
) -> None:
    """Refuse to start with a sign-in configuration that cannot work or would be unsafe."""
    if not issuer:
        if not password_login:
            raise ImproperlyConfigured(
                "OAKDASH_PASSWORD_LOGIN=0 needs company sign-in: set OAKDASH_OIDC_ISSUER too "
                "(nobody could log in otherwise; admins keep `manage.py breakglass`)."
            )
        return
    parts = urlsplit(issuer)
    if parts.query or parts.fragment or not parts.hostname:
        raise ImproperlyConfigured(f"OAKDASH_OIDC_ISSUER={issuer!r} is not an issuer URL.")
    # Tokens and the client secret travel to these URLs: plain http only on this machine.
    if parts.scheme != "https" and not (
        parts.scheme == "http" and is_loopback_host(parts.hostname)
    ):
        raise ImproperlyConfigured(f"OAKDASH_OIDC_ISSUER={issuer!r} must be an https:// URL.")
    if not client_id or not client_secret:
        raise ImproperlyConfigured(
            "OAKDASH_OIDC_ISSUER is set: OAKDASH_OIDC_CLIENT_ID and OAKDASH_OIDC_CLIENT_SECRET "
            "must be set too."
        )
    if "openid" not in scopes.split():
        raise ImproperlyConfigured(f"OAKDASH_OIDC_SCOPES={scopes!r} must include 'openid'.")
