"""The rows of the sessions table (``{% session_rows sessions %}`` in sessions_table.html)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.render.cells import DOT, MUTED_DASH, CellCache, Clock, IdLinks
from oakdash.dashboard.templatetags.oakfmt import humanduration, thousands
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


def session_rows(sessions: Iterable[models.Session]) -> SafeString:
    clock = Clock()
    cell = CellCache()
    visitor_url, session_url = IdLinks("visitor"), IdLinks("session")
    rows = []
    for s in sessions:
        sid = escape(s.session_id)
        duration = max(0.0, (s.last_at - s.started_at).total_seconds())
        rows.append(
            f'\n    <tr data-session-id="{sid}"{BOT_CLASS if s.is_bot else ""}>'
            f'\n      <td class="nowrap"><a href="{escape(session_url(s.session_id))}"'
            f' title="Open session {sid}">{clock.when(s.started_at)}</a></td>'
            '\n      <td class="visitor-cell">'
            f"\n        {visitor_url.anchor(s.distinct_id, cell, VISITOR_LINK)}"
            f"\n        {_bot_badge(s)}"
            "\n      </td>"
            f'\n      <td class="num">{humanduration(duration)}</td>'
            f'\n      <td class="num">{thousands(s.pageviews)}</td>'
            f'\n      <td class="num">{thousands(s.events)}</td>'
            f'\n      <td class="path-cell">{cell(s.entry_path)} <span class="muted"'
            f' aria-label="to">→</span> {cell(s.exit_path)}</td>'
            f"\n      <td>{cell(s.referring_domain)}</td>"
            f"\n      <td>{_location(s, cell)}</td>"
            f'\n      <td class="device-cell">{cell(s.browser)}{DOT}{cell(s.os)}{DOT}'
            f"{cell(s.device_type)}</td>"
            f'\n      <td class="nowrap muted">{clock.when(s.last_at, "time")}</td>'
            "\n    </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
