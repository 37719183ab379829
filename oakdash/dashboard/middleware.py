"""Response headers and per-request context that every page shares."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from urllib.parse import unquote

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
# An IANA name: "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5". Nothing
# else reaches ZoneInfo (no "..", no leading "/", no NUL), so the cookie cannot name a file.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,3}")


class ContentSecurityPolicyMiddleware:
    """Adds the strict policy unless a view set its own (the replay player does)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", STRICT_CSP)
        return response


def viewer_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    """The IANA zone the browser reported in a cookie (static/js/app.js sets it), if valid.

    app.js used to write the name URL-encoded (``Europe%2FBerlin``) and such cookies live for a
    year, so the value is decoded first; anything that is not a zone name means UTC.
    """
    raw = request.COOKIES.get(TIMEZONE_COOKIE, "")
    if not raw or len(raw) > 200:
        return None
    name = unquote(raw)
    if len(name) > 64 or not _ZONE_NAME.fullmatch(name):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
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
