"""Who may create public links: nobody when sharing is off, staff only when the operator says."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User


def why_not_share(user: User) -> str:
    """Why ``user`` may not create a public link now, or "" when they may."""
    if not settings.OAKDASH_SHARING_ENABLED:
        return "Public replay links are turned off on this oakdash."
    if settings.OAKDASH_SHARING_STAFF_ONLY and not user.is_staff:
        return "On this oakdash only staff may create public replay links."
    return ""
