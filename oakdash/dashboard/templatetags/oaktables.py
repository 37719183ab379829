"""Helpers for the table pages (sessions, session, visitor, events, replays).

Links to ids: ``{% url 'visitor' id %}`` leaves ``/`` unencoded, so the id ``../live`` becomes
``/visitors/../live/``, which a browser normalises to ``/live/``. ``visitor_url`` and friends
encode the id as ONE path segment (``/visitors/..%2Flive/``); Django decodes it back into the
same id, and browsers leave it alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlsplit

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

_MARKER = "oakdash-id-marker"
# Kept readable (x@y.z); everything else, "/" included, is percent-encoded.
_SAFE = "@:~"


def id_url(name: str, value: str) -> str:
    """The URL of route ``name`` for one id, the id encoded as a single path segment."""
    return reverse(name, args=[_MARKER]).replace(_MARKER, quote(str(value), safe=_SAFE))


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
def web_url(value: Any) -> str:
    """The value if it is an absolute http(s) URL, else "" (never put ``javascript:`` in href)."""
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


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
