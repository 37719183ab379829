from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from oakdash.accounts import keystore


def dashboard(request: HttpRequest) -> dict:
    """What the base layout shows on every page: the masked key and the viewer's time zone."""
    record = (
        keystore.stored_key(getattr(request, "user", None)) if hasattr(request, "user") else None
    )
    return {
        "key_mask": record.mask if record else None,
        "viewer_timezone": timezone.get_current_timezone_name(),
    }
