"""/s/<id>/: a shared replay for anyone with the link, no login.

The link is ``/s/<id>/#<secret>``. Browsers never send the fragment, so the page is served for
the id alone and knows nothing; its script (static/js/share-view.js) reads the secret from
``location.hash`` and sends it in the X-Share-Secret header to ``meta`` (what to show) and to
``events.ndjson`` (the recording). The secret is therefore in no request line, access log or
Referer. Every answer is ``no-store``, ``noindex`` and ``no-referrer``.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from oakdash.dashboard.stream_watch import WatchedStream
from oakdash.dashboard.views.replay import MAX_SESSION_EVENTS, csp_sources
from oakdash.dashboard.views.replay_stream import guarded_stream, stream_replay
from oakdash.oakdata import OakDataClient, errors
from oakdash.sharing import audit, ratelimit, rules, tokens
from oakdash.sharing.models import ShareAudit

SCRIPTS = (
    "js/app.js",
    "vendor/rrweb-player-2.1.7/rrweb-player.min.js",
    "js/replay-stream.js",
    "js/replay-feed.js",
    "js/replay-events.js",
    "js/replay-keys.js",
    "js/share-view.js",
    "js/replay.js",  # added by share-view.js once the link opened
)
STYLES = ("css/app.css", "vendor/rrweb-player-2.1.7/style.min.css")
IMAGES = ("img/oak.svg",)


R = TypeVar("R", bound=HttpResponseBase)


def _private(response: R) -> R:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _json(status: int, body: dict[str, Any], retry_after: int | None = None) -> HttpResponse:
    response = _private(JsonResponse(body, status=status))
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _refused(request: HttpRequest, refusal: rules.LinkRefused, where: str) -> HttpResponse:
    """The clear answer for a link that cannot be viewed, audited (a wrong secret is audited
    against the link it tried, yet answered exactly like an unknown id)."""
    if refusal.reason != "disabled":
        audit.record(
            ShareAudit.Action.REFUSED,
            request=request,
            link=refusal.link,
            detail=f"{where}: {_audited_reason(request, refusal)}",
        )
    return _json(
        refusal.status,
        {"refused": refusal.reason, "title": refusal.title, "error": refusal.message},
    )


def _audited_reason(request: HttpRequest, refusal: rules.LinkRefused) -> str:
    if refusal.reason == "unknown" and refusal.link is not None:
        return "wrong secret"
    if refusal.reason == "unknown":
        return "unknown link"
    return refusal.reason


def _rate_limited(limited: ratelimit.RateLimited) -> HttpResponse:
    who = "this link" if limited.scope == "link" else "your address"
    return _json(
        429,
        {
            "refused": "rate",
            "title": "Too many requests",
            "error": f"Too many requests to shared replays from {who}: try again in "
            f"{limited.retry_after} seconds.",
        },
        retry_after=limited.retry_after,
    )


def _open(request: HttpRequest, public_id: str) -> rules.OpenLink:
    ratelimit.check(request, public_id)
    return rules.open_link(public_id, request.headers.get(tokens.SECRET_HEADER, ""))


def share_csp(request: HttpRequest, public_id: str) -> str:
    """The replay route's strict policy; our scripts may fetch only this link's two URLs."""
    host = request.get_host()
    fetched = [reverse("share_meta", args=[public_id]), reverse("share_events", args=[public_id])]
    return csp_sources(
        host,
        scripts=[static(name) for name in SCRIPTS],
        styles=[static(name) for name in STYLES],
        images=[static(name) for name in IMAGES],
        connect=fetched,
        frame_ancestors="'none'",
    )


@require_GET
def page(request: HttpRequest, public_id: str) -> HttpResponse:
    if not tokens.looks_like_token(public_id):
        refusal = rules.LinkRefused("unknown")
        context = {"title": refusal.title, "message": refusal.message}
        return _private(render(request, "sharing/public.html", context, status=404))
    response = render(
        request,
        "sharing/public.html",
        {
            "share": {
                "metaUrl": reverse("share_meta", args=[public_id]),
                "streamUrl": reverse("share_events", args=[public_id]),
                "pageUrl": reverse("share_page", args=[public_id]),
                "playerScript": static("js/replay.js"),
            }
        },
    )
    response["Content-Security-Policy"] = share_csp(request, public_id)
    return _private(response)


def _device(replay: Any) -> str:
    parts = [replay.browser, replay.os, replay.device_type]
    return " · ".join(part for part in parts if part) or "unknown device"


def _event_list(client: OakDataClient, session_id: str) -> list[dict[str, Any]]:
    """Event names, times and paths only: no properties, no query strings, no visitor."""
    try:
        timeline = client.session(session_id)
    except errors.OakDataError:
        return []
    return [
        {
            "event": event.event,
            "ts": int(event.timestamp.timestamp() * 1000),
            "pathname": urlsplit(event.pathname or "").path,
        }
        for event in timeline.events[:MAX_SESSION_EVENTS]
    ]


def _api_refusal(err: errors.OakDataError, opened: rules.OpenLink) -> rules.LinkRefused | None:
    if isinstance(err, errors.InvalidKey | errors.PublicKey):
        return rules.LinkRefused("key invalid", opened.link)
    if isinstance(err, errors.NotFound):
        return rules.LinkRefused("replay gone", opened.link)
    return None


@require_GET
def meta(request: HttpRequest, public_id: str) -> HttpResponse:
    """What the viewer may see: duration, date, device, the creator's note, the start time, and
    (when the creator chose it) the event list."""
    try:
        opened = _open(request, public_id)
        client = rules.creator_client(opened)
        link = opened.link
        try:
            replay = client.replay(link.replay_id).session
        except errors.OakDataError as err:
            refusal = _api_refusal(err, opened)
            if refusal is None:
                return _json(502, {"error": "OakData did not answer: try again in a moment."})
            raise refusal from None
    except ratelimit.RateLimited as limited:
        return _rate_limited(limited)
    except rules.LinkRefused as refusal:
        return _refused(request, refusal, "page")
    body = {
        "replay": {
            "startedAt": replay.started_at.isoformat(),
            "durationMs": replay.duration_ms,
            "device": _device(replay),
        },
        "note": link.note,
        "expiresAt": link.expires_at.isoformat(),
        "config": {
            "durationMs": replay.duration_ms,
            "startAt": link.start_ms / 1000 if link.start_ms is not None else None,
            "width": replay.viewport_width,
            "height": replay.viewport_height,
        },
        "events": _event_list(client, replay.session_id) if link.include_events else None,
    }
    return _json(200, body)


@require_GET
def events(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """The recording, streamed like the team page's, in a stream slot of the link's (per link)
    and of everybody's (the server's total)."""
    try:
        opened = _open(request, public_id)
        client = rules.creator_client(opened)
    except ratelimit.RateLimited as limited:
        return _rate_limited(limited)
    except rules.LinkRefused as refusal:
        return _refused(request, refusal, "recording")
    link = opened.link

    def respond(watched: WatchedStream) -> HttpResponseBase:
        if not rules.count_view(link):
            return _refused(request, rules.LinkRefused("used up", link), "recording")
        audit.record(ShareAudit.Action.VIEWED, request=request, link=link)

        def api_error(err: errors.OakDataError) -> HttpResponseBase:
            refusal = _api_refusal(err, opened)
            if refusal is None:
                return _json(502, {"error": "OakData did not answer: try again in a moment."})
            return _refused(request, refusal, "recording")

        response = stream_replay(request, client, link.replay_id, watched, api_error=api_error)
        return _private(response)

    busy = (
        "This shared replay is already loading for as many viewers as it may at once: try again "
        "in a few seconds."
    )
    return guarded_stream(request, f"share-{link.public_id}", respond, over_own_cap=busy)
