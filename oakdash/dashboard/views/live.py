"""Live: who is on the site right now — the page, its polled widget and the nav's compact count.

Every viewer of a project shares one cached upstream /live answer per interval
(``upstream_cache.cached_call``). The last good answer is also kept for a few minutes, so when
OakData stops answering the widget keeps showing it, marked stale, instead of going blank.

/live only lists session ids. The widget adds what the project's recent sessions tell about each
(current page, source, location, device): one more cached call, ``/sessions?range=24h&limit=200``,
shared the same way — at most one per project and interval, and never for the nav's count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from oakdash.dashboard.access import DashboardRequest, ViewedProject
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.links import id_url
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import bool_param
from oakdash.dashboard.upstream_cache import cached_call
from oakdash.oakdata import OakDataClient, errors, models

# How long the last good answer may stand in for a failing API (s). Past this the numbers say
# nothing about "now", so the widget says OakData is not answering instead.
LAST_GOOD_TTL = 600.0
# On a cold start (no answer cached yet) a poll waits at most this long (s) for the upstream call
# another viewer is making, then shows "no answer yet": the next poll comes in seconds anyway,
# and twenty pollers waiting on a slow API would hold twenty server threads.
POLL_WAIT = 0.5
# The window OakData counts as "active" (docs/oakdata-api.md, GET /live), shown to say what we
# count.
ACTIVE_WINDOW_MINUTES = 5
# Where the live rows' details come from: the newest sessions of the last day. An active session
# started recently, so it is among them unless the site has more than this many a day.
RECENT_RANGE = "24h"
RECENT_LIMIT = 200


@dataclass(frozen=True)
class LiveRow:
    session_id: str
    url: str | None  # None when the id cannot form a link (e.g. empty)
    last_seen: dt.datetime
    age_s: int
    session: models.Session | None = None  # from the recent sessions, when it is among them

    @property
    def ago(self) -> str:
        return ago(self.age_s)

    @property
    def on_site_s(self) -> float | None:
        """How long the visitor has been on the site (first event to last seen)."""
        if self.session is None:
            return None
        return max(0.0, (self.last_seen - self.session.started_at).total_seconds())


@dataclass(frozen=True)
class LiveState:
    """What the widget shows: an answer (maybe stale), or nothing when there never was one."""

    live: models.Live | None
    fetched_at: dt.datetime | None
    stale: bool
    rows: list[LiveRow] = field(default_factory=list)
    enriched: bool = False  # the recent sessions were at hand to describe the rows

    @property
    def age_s(self) -> int | None:
        if self.fetched_at is None:
            return None
        return max(0, int((timezone.now() - self.fetched_at).total_seconds()))


def ago(seconds: int | float) -> str:
    """12 → "12 s ago", 190 → "3 min ago" (the same wording live.js ticks with)."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def _last_good_key(project: str) -> str:
    return f"oakdash:live:last:{project}"


def _session_url(project: str, session_id: str) -> str | None:
    # One encoded path segment: the id "../x" must not become a link to /x/.
    return id_url("session", project, session_id) if session_id else None


def _rows(live: models.Live, known: dict[str, models.Session], project: str) -> list[LiveRow]:
    """Newest activity first, each with its session's details when ``known`` has them."""
    now = timezone.now()
    ordered = sorted(live.sessions, key=lambda s: s.last_seen, reverse=True)
    return [
        LiveRow(
            s.session_id,
            _session_url(project, s.session_id),
            s.last_seen,
            max(0, int((now - s.last_seen).total_seconds())),
            known.get(s.session_id),
        )
        for s in ordered
    ]


def recent_sessions(
    cache_key: str,
    client: OakDataClient,
    *,
    budget: float | None = None,
    wait: float | None = None,
) -> dict[str, models.Session] | None:
    """The project's newest sessions by id (shared and cached like /live), None if OakData
    cannot say right now: the live rows then show their ids alone."""
    try:
        fresh = cached_call(
            cache_key,
            "live-sessions",
            {"range": RECENT_RANGE, "limit": RECENT_LIMIT},
            lambda: client.sessions(range=RECENT_RANGE, limit=RECENT_LIMIT),
            ttl=settings.OAKDASH_LIVE_CACHE_SECONDS,
            budget=budget,
            wait=wait,
        )
    except errors.OakDataError:
        return None
    return {s.session_id: s for s in fresh.value.sessions}


def live_state(
    request: DashboardRequest,
    client: OakDataClient,
    *,
    polling: bool = False,
    describe: bool = False,
) -> LiveState:
    """The project's live answer, shared by every viewer; the last good one if OakData fails.
    ``describe``: add what the recent sessions tell about each row (the widget, not the pill).

    A polling request bounds the upstream call (and any wait for it) by OAKDASH_POLL_TIMEOUT.
    Raises the other OakDataErrors (a revoked or public key): stale numbers would hide those.
    """
    project, slug = request.project.cache_key, request.project.slug
    budget = settings.OAKDASH_POLL_TIMEOUT if polling else None
    if budget is not None:
        client = client.within(budget)
    try:
        fresh = cached_call(
            project,
            "live",
            {},
            client.live,
            ttl=settings.OAKDASH_LIVE_CACHE_SECONDS,
            budget=budget,
            wait=POLL_WAIT if polling else None,
        )
    except errors.Unavailable:
        last = cache.get(_last_good_key(project))
        if last is None:
            return LiveState(None, None, stale=True)
        live, fetched_at = last
        return LiveState(live, fetched_at, stale=True, rows=_rows(live, {}, slug))
    if not fresh.from_cache:  # one write per upstream call, not one per viewer
        cache.set(_last_good_key(project), (fresh.value, fresh.fetched_at), LAST_GOOD_TTL)
    known = None
    if describe and fresh.value.sessions:
        known = recent_sessions(project, client, budget=budget, wait=POLL_WAIT if polling else None)
    return LiveState(
        fresh.value,
        fresh.fetched_at,
        stale=False,
        rows=_rows(fresh.value, known or {}, slug),
        enriched=known is not None,
    )


def _context(state: LiveState, project: ViewedProject) -> dict:
    count = f"({state.live.active_now:,}) " if state.live is not None else ""
    return {
        "state": state,
        "window_minutes": ACTIVE_WINDOW_MINUTES,
        "recent_limit": RECENT_LIMIT,
        "updated_ago": ago(state.age_s) if state.age_s is not None else "",
        # live.js keeps the tab's title current with it (base.html's order: page · project).
        "page_title": f"{count}Live · {project.name} · oakdash",
    }


@dashboard_page
def page(request: DashboardRequest, client: OakDataClient) -> HttpResponse:
    state = live_state(request, client, describe=True)
    # A first load with no answer at all is an outage (503); the page still polls and recovers.
    status = 503 if state.live is None and not request.htmx else 200
    response = render_page(
        request,
        "dashboard/live.html",
        _context(state, request.project),
        partial="widget",
        status=status,
    )
    if status == 503:
        response["Retry-After"] = "5"
    return response


@dashboard_page
def widget(request: DashboardRequest, client: OakDataClient) -> HttpResponse:
    """The polled fragment: 200 whenever OakData is merely down, so polling carries on."""
    if bool_param(request, "compact"):
        return render(request, "partials/nav_live.html", {"nav_live": _count(request, client)})
    state = live_state(request, client, polling=True, describe=True)
    return render(request, "dashboard/live.html#widget", _context(state, request.project))


def _count(request: DashboardRequest, client: OakDataClient) -> LiveState:
    # A count shown on every page (the nav's pill, the switcher's entries): whatever goes wrong,
    # it stays a small number or a dash, never a page.
    try:
        return live_state(request, client, polling=True)
    except errors.OakDataError:
        return LiveState(None, None, stale=True)


@dashboard_page
def count(request: DashboardRequest, client: OakDataClient) -> HttpResponse:
    """One project's live count in the switcher, asked for when the menu opens."""
    return render(request, "partials/switcher_count.html", {"count": _count(request, client)})
