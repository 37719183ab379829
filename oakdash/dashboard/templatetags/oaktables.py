"""Helpers for the table pages (sessions, session, visitor, events, replays).

Links to ids use ``visitor_url`` / ``session_url`` / ``replay_url`` rather than ``{% url %}``:
they encode the id as one path segment, so ``../live`` stays an id (see ``links.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from oakdash.dashboard.links import id_url

register = template.Library()


@register.filter
def visitor_url(distinct_id: str) -> str:
    return id_url("visitor", distinct_id)


@register.filter
def session_url(session_id: str) -> str:
    return id_url("session", session_id)


@register.filter
def replay_url(replay_id: str) -> str:
    return id_url("replay", replay_id)


@register.filter
def seconds_since(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    """``later|seconds_since:earlier`` → seconds between two datetimes (None if one is missing)."""
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


@register.filter
def structured(value: Any) -> bool:
    """True for dicts and lists (shown as pretty JSON rather than as text)."""
    return isinstance(value, dict | list)


@register.simple_tag
def cell(value: Any, css: str = "clip") -> str:
    """Untrusted text for a table cell: escaped, bidi-isolated, clipped with the full text on
    hover; None (or "") becomes a muted dash."""
    if value is None or value == "":
        return mark_safe('<span class="muted" title="not recorded">—</span>')
    return format_html('<bdi class="{}" title="{}">{}</bdi>', css, value, value)
