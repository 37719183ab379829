"""The rows of the sessions table (``{% session_rows sessions %}`` in sessions_table.html)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.render.cells import DOT, MUTED_DASH, CellCache, Clock, IdLinks
from oakdash.dashboard.render.formats import humanduration
from oakdash.oakdata import models

BOT_CLASS = ' class="is-bot"'
VISITOR_LINK = ' class="visitor-link"'


def _bot_badge(s: models.Session) -> str:
    if not s.is_bot:
        return ""
    name = f": <bdi>{escape(s.bot_name)}</bdi>" if s.bot_name else ""
    return f'<span class="badge badge-bot" title="Classified as a bot">bot{name}</span>'


def _location(s: models.Session, cell: CellCache) -> str:
    if not (s.country or s.city):
        return MUTED_DASH
    city = f"{DOT}{cell(s.city)}" if s.city else ""
    return f"{cell(s.country, 'country')}{city}"


def _count(n: int, one: str, many: str) -> str:
    """A table number; its unit is shown only when the row is a card (a phone: app.css)."""
    return f'{n:,}<span class="unit"> {one if n == 1 else many}</span>'


def session_rows(
    sessions: Iterable[models.Session], project: str, show_visitor: bool = True
) -> SafeString:
    """The rows, linking into ``project``; ``show_visitor=False`` on a visitor's own page
    (every row is theirs)."""
    clock = Clock()
    cell = CellCache()
    visitor_url, session_url = IdLinks("visitor", project), IdLinks("session", project)
    rows = []
    for s in sessions:
        sid = escape(s.session_id)
        duration = max(0.0, (s.last_at - s.started_at).total_seconds())
        if show_visitor:
            visitor, badge = (
                (
                    '\n      <td class="visitor-cell c-visitor">'
                    f"\n        {visitor_url.anchor(s.distinct_id, cell, VISITOR_LINK)}"
                    f"\n        {_bot_badge(s)}"
                    "\n      </td>"
                ),
                "",
            )
        else:
            visitor, badge = "", _bot_badge(s)
        rows.append(
            f'\n    <tr data-session-id="{sid}"{BOT_CLASS if s.is_bot else ""}>'
            f'\n      <td class="nowrap c-started"><a href="{escape(session_url(s.session_id))}"'
            f' title="Open session {sid}">{clock.when(s.started_at)}</a>{badge}</td>'
            f"{visitor}"
            f'\n      <td class="num c-duration">{humanduration(duration)}</td>'
            f'\n      <td class="num c-pages">{_count(s.pageviews, "page", "pages")}</td>'
            f'\n      <td class="num c-events">{_count(s.events, "event", "events")}</td>'
            f'\n      <td class="path-cell c-path">{cell(s.entry_path)} <span class="muted"'
            f' aria-label="to">→</span> {cell(s.exit_path)}</td>'
            f'\n      <td class="c-referrer">{cell(s.referring_domain)}</td>'
            f'\n      <td class="c-location">{_location(s, cell)}</td>'
            f'\n      <td class="device-cell c-device">{cell(s.browser)}{DOT}{cell(s.os)}{DOT}'
            f"{cell(s.device_type)}</td>"
            f'\n      <td class="nowrap muted c-last"><span class="unit">last event </span>'
            f"{clock.when(s.last_at, 'stamp')}</td>"
            "\n    </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
