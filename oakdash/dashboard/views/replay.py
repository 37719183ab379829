"""The replay player page: the recording's metadata, its session's events, and the player.

The recorded DOM is played by rrweb-player inside its sandboxed iframe; the events reach the
browser through our own stream endpoint (`replay_stream.py`), never as signed chunk URLs.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse

from oakdash.dashboard.access import DashboardRequest, ViewedProject
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.links import id_url
from oakdash.oakdata import OakDataClient, errors, models

# The recorded page is attacker-controlled (any visitor of the tracked site records their own
# session), and rrweb plays it in an iframe that inherits this page's policy. So the recording may
# load nothing by URL: only data: and blob: images, fonts and media, and inline styles (rrweb needs
# them). Our own files are allowed by exact URL, never by 'self' — a recorded <img src="/live/">
# or `background:url(/?refresh=1)` would otherwise be a request made with the viewer's cookies.
# Keep these lists in step with base.html and dashboard/replay.html (the browser tests watch for
# violations).
REPLAY_SCRIPTS = (
    "vendor/htmx-2.0.11/htmx.min.js",
    "js/app.js",
    "js/live.js",
    "js/replay-early.js",
    "vendor/rrweb-player-2.1.7/rrweb-player.min.js",
    "js/replay-stream.js",
    "js/replay-feed.js",
    "js/replay-events.js",
    "js/replay-keys.js",
    "js/replay.js",
)
REPLAY_STYLES = ("css/app.css", "vendor/rrweb-player-2.1.7/style.min.css")
REPLAY_IMAGES = ("img/oak.svg",)


def _exactly(host: str, paths: list[str]) -> str:
    """Source expressions for these paths on this host (`host/path` matches only that file)."""
    if host.startswith("["):  # CSP cannot name an IPv6 literal: fall back to the whole origin
        return "'self'"
    return " ".join(host + path for path in paths)


def fetched_by_the_page(project: ViewedProject) -> list[str]:
    """What the page's own scripts fetch besides the stream: the live pill, the project
    switcher's list, and each listed project's live count."""
    return [
        id_url("live_widget", project.slug),
        reverse("project_menu"),
        *(id_url("live_count", p.slug) for p in project.mine),
    ]


def replay_csp(request: DashboardRequest, stream_url: str) -> str:
    """This page's policy; `stream_url` and `fetched_by_the_page` are all our scripts may
    fetch."""
    return csp_sources(
        request.get_host(),
        scripts=[static(name) for name in REPLAY_SCRIPTS],
        styles=[static(name) for name in REPLAY_STYLES],
        images=[static(name) for name in REPLAY_IMAGES],
        connect=[stream_url, *fetched_by_the_page(request.project)],
    )


def csp_sources(
    host: str,
    *,
    scripts: list[str],
    styles: list[str],
    images: list[str],
    connect: list[str],
    frame_ancestors: str = "'self'",
) -> str:
    """The replay route's policy, naming each of our files by exact URL (public shared replays
    use it too)."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {_exactly(host, scripts)}",
            f"style-src 'unsafe-inline' {_exactly(host, styles)}",
            f"img-src data: blob: {_exactly(host, images)}",
            "font-src data:",
            "media-src data: blob:",
            f"connect-src {_exactly(host, connect)}",
            # rrweb's iframe is about:blank; a recorded link, meta refresh or frame must not
            # navigate it to one of our URLs.
            "frame-src 'none'",
            "worker-src 'none'",
            "object-src 'none'",
            "manifest-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


# ?t= is seconds into the recording: digits, optionally with up to three decimals.
_SECONDS = re.compile(r"\d{1,7}(?:\.\d{1,3})?")
MAX_SESSION_EVENTS = 500  # the side list; a longer session shows its first 500


def start_seconds(request: HttpRequest) -> float | None:
    """The `t` query value as seconds, None when absent; a bad value is a 400 page."""
    values = request.GET.getlist("t")
    if len(values) > 1:
        raise errors.InvalidParameter("t", "t is given more than once")
    value = values[0].strip() if values else ""
    if not value:  # absent or empty (?t=) means from the start
        return None
    if not _SECONDS.fullmatch(value):
        raise errors.InvalidParameter("t", "t must be a number of seconds, e.g. t=42 or t=12.5")
    return float(value)


def _replay_or_404(client: OakDataClient, replay_id: str) -> models.Replay:
    try:
        return client.replay(replay_id).session  # chunk_urls stay here: they never reach HTML
    except errors.InvalidParameter as err:
        # An id that cannot even be sent (empty, too long, not text) names no replay.
        raise errors.NotFound("No replay has that id.", status=404) from err


def _session_events(client: OakDataClient, session_id: str) -> tuple[list[dict[str, Any]], str]:
    """The session's events for the side list, or ([], why) — the player works without them."""
    try:
        timeline = client.session(session_id)
    except errors.NotFound:
        return [], "OakData has no events for this replay's session."
    except errors.OakDataError:
        return [], "The session's events could not be loaded right now; the replay still plays."
    rows = []
    for event in timeline.events[:MAX_SESSION_EVENTS]:
        rows.append(
            {
                "event": event.event,
                "ts": int(event.timestamp.timestamp() * 1000),
                "pathname": event.pathname or "",
            }
        )
    return rows, ""


def _link(name: str, project: str, value: str | None) -> str:
    return id_url(name, project, value) if value else ""


@dashboard_page
def page(request: DashboardRequest, client: OakDataClient, replay_id: str) -> HttpResponse:
    start = start_seconds(request)
    replay = _replay_or_404(client, replay_id)
    session_events, events_problem = _session_events(client, replay.session_id)
    slug = request.project.slug
    # The id as one encoded path segment: an id like "a/b" or "../x" must come back as itself.
    page_url = id_url("replay", slug, replay_id)
    stream_url = page_url + "events.ndjson"
    config = {
        "streamUrl": stream_url,
        "pageUrl": page_url,
        "durationMs": replay.duration_ms,
        "startAt": start,
        "width": replay.viewport_width,
        "height": replay.viewport_height,
    }
    response = render(
        request,
        "dashboard/replay.html",
        {
            "replay": replay,
            "visitor_url": _link("visitor", slug, replay.distinct_id),
            "session_url": _link("session", slug, replay.session_id),
            "duration_s": replay.duration_ms / 1000,
            "config": config,
            "session_events": session_events,
            "events_problem": events_problem,
            "max_session_events": MAX_SESSION_EVENTS,
        },
    )
    response["Content-Security-Policy"] = replay_csp(request, stream_url)
    # Neither the recorded page's URLs nor the replay id leave for another origin as a Referer.
    # Not "no-referrer": that makes the page's own POST forms (Log out, Share publicly) send
    # `Origin: null`, which Django's CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


__all__ = ["csp_sources", "page", "replay_csp", "start_seconds"]
