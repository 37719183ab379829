"""/sessions/<id>/ — one session: a summary and its ordered event timeline.

The visitor call (for the session's summary row and a replay of it) is a nicety: when it fails
the page still renders from the timeline alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpResponse

from oakdash.dashboard.access import DashboardRequest
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.pages import render_page
from oakdash.oakdata import OakDataClient, errors, models

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimelineRow:
    offset_s: float  # seconds since the session's first event
    event: models.Event


@dataclass(frozen=True)
class Summary:
    distinct_id: str | None
    started_at: datetime | None
    last_at: datetime | None
    duration_s: float | None
    pageviews: int
    events: int
    entry_path: str | None
    exit_path: str | None
    referring_domain: str | None
    country: str | None
    city: str | None
    browser: str | None
    os: str | None
    device_type: str | None
    is_bot: bool
    bot_name: str | None


def _first(events: list[models.Event], attr: str) -> str | None:
    return next((getattr(e, attr) for e in events if getattr(e, attr, None)), None)


def summarise(timeline: models.SessionTimeline, row: models.Session | None) -> Summary:
    """The session at a glance, from its /sessions row when we have it, else from its events."""
    events = timeline.events
    started = events[0].timestamp if events else None
    last = events[-1].timestamp if events else None
    pages = [e.pathname for e in events if e.event == "$pageview" and e.pathname]
    bot_name = row.bot_name if row else None
    if bot_name is None:
        bot_name = next(
            (str(e.properties["$bot_name"]) for e in events if e.properties.get("$bot_name")),
            None,
        )
    return Summary(
        distinct_id=row.distinct_id if row else _first(events, "distinct_id"),
        started_at=row.started_at if row else started,
        last_at=row.last_at if row else last,
        duration_s=(last - started).total_seconds() if started and last else None,
        pageviews=row.pageviews if row else len(pages),
        events=timeline.event_count,
        entry_path=row.entry_path if row else (pages[0] if pages else None),
        exit_path=row.exit_path if row else (pages[-1] if pages else None),
        referring_domain=row.referring_domain if row else _first(events, "referring_domain"),
        country=row.country if row else _first(events, "country"),
        city=row.city if row else _first(events, "city"),
        browser=row.browser if row else _first(events, "browser"),
        os=row.os if row else _first(events, "os"),
        device_type=row.device_type if row else _first(events, "device_type"),
        is_bot=(row.is_bot if row else False) or bot_name is not None,
        bot_name=bot_name,
    )


def _visitor_or_none(client: OakDataClient, distinct_id: str | None) -> models.Visitor | None:
    if not distinct_id:
        return None
    try:
        return client.visitor(distinct_id)
    except errors.OakDataError as err:
        # Degrade silently: the timeline is the page; the replay link is an extra.
        log.info("session page: visitor lookup failed (%s)", type(err).__name__)
        return None


@dashboard_page
def page(request: DashboardRequest, client: OakDataClient, session_id: str) -> HttpResponse:
    timeline = client.session(session_id)
    distinct_id = _first(timeline.events, "distinct_id")
    visitor = _visitor_or_none(client, distinct_id)
    row = None
    replay = None
    if visitor is not None:
        row = next((s for s in visitor.sessions if s.session_id == timeline.session_id), None)
        replay = next((r for r in visitor.replays if r.session_id == timeline.session_id), None)
    start = timeline.events[0].timestamp if timeline.events else None
    rows = [
        TimelineRow((e.timestamp - start).total_seconds() if start else 0.0, e)
        for e in timeline.events
    ]
    return render_page(
        request,
        "dashboard/session.html",
        {
            "timeline": timeline,
            "rows": rows,
            "summary": summarise(timeline, row),
            "replay": replay,
            "visitor_known": visitor is not None,
        },
    )
