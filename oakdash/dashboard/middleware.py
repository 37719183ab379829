"""Response headers and per-request context that every page shares."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# No inline script or style anywhere: our JS and CSS are files under /static/, page data reaches
# JavaScript through json_script (a non-executed <script type="application/json">).
STRICT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

TIMEZONE_COOKIE = "oakdash_tz"


class ContentSecurityPolicyMiddleware:
    """Adds the strict policy unless a view set its own (the replay player does)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", STRICT_CSP)
        return response


def viewer_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    """The IANA zone the browser reported in a cookie (static/js/app.js sets it), if valid."""
    name = request.COOKIES.get(TIMEZONE_COOKIE, "")
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class ViewerTimezoneMiddleware:
    """Render times in the viewer's zone; UTC until the browser has told us which one it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = viewer_zone(request)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
