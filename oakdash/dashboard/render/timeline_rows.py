"""The rows of a session's timeline (``{% timeline_rows rows %}`` in session.html): a session can
hold thousands of events, so its rows are built in one pass, like the events list's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from oakdash.dashboard.render.cells import CellCache, Clock
from oakdash.dashboard.render.event_rows import properties_cell
from oakdash.dashboard.render.formats import clock, humanduration
from oakdash.dashboard.render.html import Html, fragment, join
from oakdash.oakdata import models


class TimelineRow(Protocol):
    """What ``views.session`` gives for each event."""

    @property
    def offset_s(self) -> float: ...  # seconds since the session's first event

    @property
    def event(self) -> models.Event: ...


_ROW = fragment(
    "\n    <tr>"
    '\n      <td class="num mono" title="{} after the session started">+{}</td>'
    '\n      <td><code class="event-name"><bdi>{}</bdi></code></td>'
    "\n      <td>{}</td>"
    '\n      <td class="nowrap">{}</td>'
    '\n      <td class="props-cell">{}</td>'
    "\n    </tr>\n    "
)


def timeline_rows(rows: Iterable[TimelineRow]) -> Html:
    when = Clock().when
    cell = CellCache()
    return join(
        _ROW(
            humanduration(row.offset_s),
            clock(row.offset_s),
            row.event.event,
            cell(row.event.pathname),
            when(row.event.timestamp, "time"),
            properties_cell(row.event.properties),
        )
        for row in rows
    )
