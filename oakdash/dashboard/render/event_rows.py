"""The rows of the /events/ table (``{% event_rows result.rows %}`` in events.html)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from oakdash.dashboard.render.cells import DOT, MUTED_DASH, CellCache, Clock, IdLinks, pretty_json
from oakdash.oakdata import models


def _linked(url: IdLinks, value: str | None, cell: CellCache) -> str:
    if not value:
        return MUTED_DASH
    return url.anchor(value, cell)


def _properties(properties: dict) -> str:
    if not properties:
        return MUTED_DASH
    count = len(properties)
    return (
        f'<details class="props"><summary>{count} propert{"y" if count == 1 else "ies"}'
        f"</summary><pre>{escape(pretty_json(properties))}</pre></details>"
    )


def event_rows(events: Iterable[models.Event], project: str) -> SafeString:
    clock = Clock()
    cell = CellCache()
    visitor_url, session_url = IdLinks("visitor", project), IdLinks("session", project)
    rows = []
    devices: dict[tuple, str] = {}  # an event's device · location: shared by its session
    for e in events:
        where = (e.browser, e.os, e.device_type, e.country, e.city)
        device = devices.get(where)
        if device is None:
            city = f"{DOT}{cell(e.city)}" if e.city else ""
            device = devices[where] = (
                f"{cell(e.browser)}{DOT}{cell(e.os)}{DOT}{cell(e.device_type)}<br>"
                f"{cell(e.country, 'country')}{city}"
            )
        rows.append(
            f'\n    <tr data-uuid="{escape(e.uuid or "")}">'
            f'\n      <td class="nowrap c-time">{clock.when(e.timestamp)}</td>'
            f'\n      <td class="c-event"><code class="event-name"><bdi>{escape(e.event)}</bdi>'
            "</code></td>"
            f'\n      <td class="c-path">{cell(e.pathname)}</td>'
            f'\n      <td class="c-visitor">{_linked(visitor_url, e.distinct_id, cell)}</td>'
            f'\n      <td class="c-session">{_linked(session_url, e.session_id, cell)}</td>'
            f'\n      <td class="device-cell c-device">{device}</td>'
            f'\n      <td class="props-cell c-props">{_properties(e.properties)}</td>'
            "\n    </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
