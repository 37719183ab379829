"""The rows of the /replays/ table (``{% replay_rows result.replays %}`` in replays.html)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.render.cells import DOT, MUTED_DASH, CellCache, Clock, IdLinks
from oakdash.dashboard.render.formats import ms_duration
from oakdash.oakdata import models

ERRORS_BADGE = (
    '<span class="badge badge-error" title="The page logged errors during this recording">'
    "errors</span>"
)
NO_ERRORS = '<span class="muted" title="No errors recorded">none</span>'


def _viewport(r: models.Replay) -> str:
    if r.viewport_width and r.viewport_height:
        return f'<span class="nowrap">{r.viewport_width}×{r.viewport_height}</span>'
    return MUTED_DASH


def replay_rows(replays: Iterable[models.Replay], project: str) -> SafeString:
    clock = Clock()
    cell = CellCache()
    replay_url = IdLinks("replay", project)
    visitor_url, session_url = IdLinks("visitor", project), IdLinks("session", project)
    rows = []
    for r in replays:
        rid = escape(r.id)
        visitor = visitor_url.anchor(r.distinct_id, cell) if r.distinct_id else MUTED_DASH
        rows.append(
            f'\n    <tr data-replay-id="{rid}">'
            f'\n      <td class="nowrap c-started"><a href="{escape(replay_url(r.id))}"'
            f' title="Play recording {rid}">▶ {clock.when(r.started_at)}</a></td>'
            f'\n      <td class="num c-duration">{ms_duration(r.duration_ms)}</td>'
            f'\n      <td class="c-path">{cell(r.entry_url)}</td>'
            f'\n      <td class="device-cell c-device">{_viewport(r)}{DOT}{cell(r.browser)}{DOT}'
            f"{cell(r.os)}{DOT}{cell(r.device_type)}</td>"
            f'\n      <td class="c-location">{cell(r.country, "country")}</td>'
            f'\n      <td class="c-errors">{ERRORS_BADGE if r.has_errors else NO_ERRORS}</td>'
            f'\n      <td class="c-visitor">{visitor}</td>'
            f'\n      <td class="c-session">{session_url.anchor(r.session_id, cell)}</td>'
            "\n    </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
