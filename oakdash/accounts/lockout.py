"""Login throttling (django-axes): the lockout page and the client address it counts by.

Axes records failed logins in the database (shared by every worker and host) and refuses a
username, or an address, after `AXES_FAILURE_LIMIT` failures within `AXES_COOLOFF_TIME`; each
attempt while refused starts the cool-off again. Unlocking: docs/OPERATIONS.md.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def cooloff_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """429 with our own page (base template, no form) and a Retry-After."""
    minutes = cooloff_minutes()
    response = render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    response["Cache-Control"] = "no-store"
    return response


def client_ip(request: HttpRequest) -> str | None:
    """The address failures are counted for.

    Behind the proxy that `DJANGO_BEHIND_PROXY` declares, REMOTE_ADDR is the proxy for everyone:
    the client is the last X-Forwarded-For entry, the one the proxy itself appended (entries
    before it are whatever the client sent, so never trusted).
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")
