"""The rows of the sessions table (``{% session_rows sessions %}`` in sessions_table.html)."""

from __future__ import annotations

from collections.abc import Iterable

from oakdash.dashboard.render.cells import DOT, MUTED_DASH, CellCache, Clock, IdLinks
from oakdash.dashboard.render.formats import humanduration
from oakdash.dashboard.render.html import EMPTY, Html, fragment, join
from oakdash.oakdata import models

BOT_CLASS = Html(' class="is-bot"')
VISITOR_LINK = Html(' class="visitor-link"')
_BOT = fragment('<span class="badge badge-bot" title="Classified as a bot">bot{}</span>')
_BOT_NAME = fragment(": <bdi>{}</bdi>")
_LOCATION = fragment("{}{}{}")
_COUNT = fragment('{}<span class="unit"> {}</span>')
_VISITOR = fragment(
    '\n      <td class="visitor-cell c-visitor">\n        {}\n        {}\n      </td>'
)
_ROW = fragment(
    '\n    <tr data-session-id="{}"{}>'
    '\n      <td class="nowrap c-started"><a href="{}" title="Open session {}">{}</a>{}</td>'
    "{}"
    '\n      <td class="num c-duration">{}</td>'
    '\n      <td class="num c-pages">{}</td>'
    '\n      <td class="num c-events">{}</td>'
    '\n      <td class="path-cell c-path">{} <span class="muted" aria-label="to">→</span> {}</td>'
    '\n      <td class="c-referrer">{}</td>'
    '\n      <td class="c-location">{}</td>'
    '\n      <td class="device-cell c-device">{}{}{}{}{}</td>'
    '\n      <td class="nowrap muted c-last"><span class="unit">last event </span>{}</td>'
    "\n    </tr>\n    "
)


def _bot_badge(s: models.Session) -> Html:
    if not s.is_bot:
        return EMPTY
    return _BOT(_BOT_NAME(s.bot_name) if s.bot_name else EMPTY)


def _location(s: models.Session, cell: CellCache) -> Html:
    if not (s.country or s.city):
        return MUTED_DASH
    if not s.city:
        return cell(s.country, "country")
    return _LOCATION(cell(s.country, "country"), DOT, cell(s.city))


def _count(n: int, one: str, many: str) -> Html:
    """A table number; its unit is shown only when the row is a card (a phone: app.css)."""
    return _COUNT(f"{n:,}", one if n == 1 else many)


def session_rows(
    sessions: Iterable[models.Session], project: str, show_visitor: bool = True
) -> Html:
    """The rows, linking into ``project``; ``show_visitor=False`` on a visitor's own page
    (every row is theirs)."""
    clock = Clock()
    cell = CellCache()
    visitor_url, session_url = IdLinks("visitor", project), IdLinks("session", project)
    rows = []
    for s in sessions:
        sid = Html.escape(s.session_id)
        duration = max(0.0, (s.last_at - s.started_at).total_seconds())
        if show_visitor:
            anchor = visitor_url.anchor(s.distinct_id, cell, VISITOR_LINK)
            visitor, badge = _VISITOR(anchor, _bot_badge(s)), EMPTY
        else:
            visitor, badge = EMPTY, _bot_badge(s)
        rows.append(
            _ROW(
                sid,
                BOT_CLASS if s.is_bot else EMPTY,
                session_url(s.session_id),
                sid,
                clock.when(s.started_at),
                badge,
                visitor,
                humanduration(duration),
                _count(s.pageviews, "page", "pages"),
                _count(s.events, "event", "events"),
                cell(s.entry_path),
                cell(s.exit_path),
                cell(s.referring_domain),
                _location(s, cell),
                cell(s.browser),
                DOT,
                cell(s.os),
                DOT,
                cell(s.device_type),
                clock.when(s.last_at, "stamp"),
            )
        )
    return join(rows)
