"""The rows of the /replays/ table (``{% replay_rows result.replays %}`` in replays.html)."""

from __future__ import annotations

from collections.abc import Iterable

from oakdash.dashboard.render.cells import DOT, MUTED_DASH, CellCache, Clock, IdLinks
from oakdash.dashboard.render.formats import ms_duration
from oakdash.dashboard.render.html import Html, fragment, join
from oakdash.oakdata import models

ERRORS_BADGE = Html(
    '<span class="badge badge-error" title="The page logged errors during this recording">'
    "errors</span>"
)
NO_ERRORS = Html('<span class="muted" title="No errors recorded">none</span>')
_VIEWPORT = fragment('<span class="nowrap">{}×{}</span>')
_ROW = fragment(
    '\n    <tr data-replay-id="{}">'
    '\n      <td class="nowrap c-started"><a href="{}" title="Play recording {}">▶ {}</a></td>'
    '\n      <td class="num c-duration">{}</td>'
    '\n      <td class="c-path">{}</td>'
    '\n      <td class="device-cell c-device">{}{}{}{}{}{}{}</td>'
    '\n      <td class="c-location">{}</td>'
    '\n      <td class="c-errors">{}</td>'
    '\n      <td class="c-visitor">{}</td>'
    '\n      <td class="c-session">{}</td>'
    "\n    </tr>\n    "
)


def _viewport(r: models.Replay) -> Html:
    if r.viewport_width and r.viewport_height:
        return _VIEWPORT(r.viewport_width, r.viewport_height)
    return MUTED_DASH


def replay_rows(replays: Iterable[models.Replay], project: str) -> Html:
    clock = Clock()
    cell = CellCache()
    replay_url = IdLinks("replay", project)
    visitor_url, session_url = IdLinks("visitor", project), IdLinks("session", project)
    rows = []
    for r in replays:
        rid = Html.escape(r.id)
        visitor = visitor_url.anchor(r.distinct_id, cell) if r.distinct_id else MUTED_DASH
        rows.append(
            _ROW(
                rid,
                replay_url(r.id),
                rid,
                clock.when(r.started_at),
                ms_duration(r.duration_ms),
                cell(r.entry_url),
                _viewport(r),
                DOT,
                cell(r.browser),
                DOT,
                cell(r.os),
                DOT,
                cell(r.device_type),
                cell(r.country, "country"),
                ERRORS_BADGE if r.has_errors else NO_ERRORS,
                visitor,
                session_url.anchor(r.session_id, cell),
            )
        )
    return join(rows)
