"""Resource isolation with Fetch Metadata: our pages are pages, never another page's resources.

Browsers say why they fetch: `Sec-Fetch-Dest` is what the answer will become (a document, an
image, a script, "empty" for fetch/XHR…) and `Sec-Fetch-Site` whose page asked. A recorded
session's `<img src="/live/">`, a stylesheet link to `/replays/<id>/events.ndjson` or another
site's `<script src>` would otherwise make requests with the viewer's cookies; they are refused
before any view runs. Our own fetches (htmx, the replay stream, live polling) are "empty" from
our own origin. Clients that send no such headers (curl, probes, old browsers) pass: this is a
second wall, not the only one (CSRF, SameSite cookies and the replay page's CSP stay).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

# Every destination that loads an answer as a subresource rather than showing it as a page.
SUBRESOURCE_DESTINATIONS = frozenset(
    {
        "audio",
        "audioworklet",
        "embed",
        "font",
        "image",
        "json",
        "manifest",
        "object",
        "paintworklet",
        "report",
        "script",
        "serviceworker",
        "sharedworker",
        "style",
        "track",
        "video",
        "worker",
        "xslt",
    }
)
# "same-site" counts as foreign too: a sibling intranet host is not oakdash.
FOREIGN_SITES = frozenset({"cross-site", "same-site"})


def refusal(request: HttpRequest) -> str | None:
    """Why this request must not reach a view, or None to let it through."""
    dest = request.headers.get("Sec-Fetch-Dest", "").lower()
    if dest in SUBRESOURCE_DESTINATIONS:
        return f"oakdash pages cannot be loaded as {dest}"
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if site in FOREIGN_SITES and not _top_level_navigation(request, dest):
        return "oakdash answers other sites only when a link opens one of its pages"
    return None


def _top_level_navigation(request: HttpRequest, dest: str) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.headers.get("Sec-Fetch-Mode", "").lower() == "navigate"
        and dest == "document"
    )


class FetchMetadataMiddleware:
    """Refuse (403, plain text) what `refusal` names; static files are exempt (meant to load)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = None if request.path.startswith(settings.STATIC_URL) else refusal(request)
        if reason is None:
            return self.get_response(request)
        log.info(
            "refused %s %s: Sec-Fetch-Dest=%s Sec-Fetch-Site=%s",
            request.method,
            request.path,
            request.headers.get("Sec-Fetch-Dest", "-"),
            request.headers.get("Sec-Fetch-Site", "-"),
        )
        response = HttpResponse(
            f"Refused: {reason}.\n", status=403, content_type="text/plain; charset=utf-8"
        )
        response["Cache-Control"] = "no-store"
        return response
