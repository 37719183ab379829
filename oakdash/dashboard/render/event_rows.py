"""The rows of the /events/ table (``{% event_rows result.rows %}`` in events.html)."""

from __future__ import annotations

from collections.abc import Iterable

from oakdash.dashboard.render.cells import DOT, MUTED_DASH, CellCache, Clock, IdLinks, pretty_json
from oakdash.dashboard.render.html import EMPTY, Html, fragment, join
from oakdash.oakdata import models

_PROPERTIES = fragment('<details class="props"><summary>{} {}</summary><pre>{}</pre></details>')
ONE, MANY = Html("property"), Html("properties")
_DEVICE = fragment("{}{}{}{}{}<br>{}{}")
_CITY = fragment("{}{}")
_ROW = fragment(
    '\n    <tr data-uuid="{}">'
    '\n      <td class="nowrap c-time">{}</td>'
    '\n      <td class="c-event"><code class="event-name"><bdi>{}</bdi></code></td>'
    '\n      <td class="c-path">{}</td>'
    '\n      <td class="c-visitor">{}</td>'
    '\n      <td class="c-session">{}</td>'
    '\n      <td class="device-cell c-device">{}</td>'
    '\n      <td class="props-cell c-props">{}</td>'
    "\n    </tr>\n    "
)


def properties_cell(properties: dict) -> Html:
    """An event's properties: a disclosure with their pretty JSON (the events list and a session's
    timeline show them alike)."""
    if not properties:
        return MUTED_DASH
    count = len(properties)
    return _PROPERTIES(count, ONE if count == 1 else MANY, pretty_json(properties))


def _linked(url: IdLinks, value: str | None, cell: CellCache) -> Html:
    if not value:
        return MUTED_DASH
    return url.anchor(value, cell)


def event_rows(events: Iterable[models.Event], project: str) -> Html:
    clock = Clock()
    cell = CellCache()
    visitor_url, session_url = IdLinks("visitor", project), IdLinks("session", project)
    rows = []
    devices: dict[tuple, Html] = {}  # an event's device · location: shared by its session
    for e in events:
        where = (e.browser, e.os, e.device_type, e.country, e.city)
        device = devices.get(where)
        if device is None:
            city = _CITY(DOT, cell(e.city)) if e.city else EMPTY
            device = devices[where] = _DEVICE(
                cell(e.browser),
                DOT,
                cell(e.os),
                DOT,
                cell(e.device_type),
                cell(e.country, "country"),
                city,
            )
        rows.append(
            _ROW(
                e.uuid or "",
                clock.when(e.timestamp),
                e.event,
                cell(e.pathname),
                _linked(visitor_url, e.distinct_id, cell),
                _linked(session_url, e.session_id, cell),
                device,
                properties_cell(e.properties),
            )
        )
    return join(rows)
