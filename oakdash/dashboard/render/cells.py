"""The pieces every Python-built fragment shares: a text cell, a ``<time>``, pretty JSON, id links.

Each returns exactly the markup of the template tag/filter of the same name (``{% cell %}``,
``{% when %}``, ``|pretty_json``, ``|visitor_url``), which are thin wrappers around these.
Markup is built with ``render.html`` (``fragment``, ``Html``): values are escaped into holes.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import json.encoder
import zoneinfo
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone

from oakdash.dashboard.links import _MARKER, _SAFE
from oakdash.dashboard.render.html import EMPTY, Html, fragment, text

MISSING_CELL = Html('<span class="muted" title="not recorded">—</span>')
MISSING_TIME = Html('<span class="muted">—</span>')
MUTED_DASH = Html('<span class="muted">—</span>')
DOT = Html(' <span class="muted">·</span> ')

_CELL = fragment('<bdi class="{}" title="{}">{}</bdi>')
_TIME = fragment('<time datetime="{}" title="{}">{}</time>')
_ANCHOR = fragment('<a href="{}"{}>{}</a>')


def cell(value: Any, css: str = "clip") -> Html:
    """Untrusted text for a table cell: escaped, bidi-isolated, clipped with the full text on
    hover; None (or "") becomes a muted dash."""
    if value is None or value == "":
        return MISSING_CELL
    shown = Html(text(value))  # escaped once, placed twice
    return _CELL(css, shown, shown)


class CellCache:
    """``cell`` for many rows: the same text (a browser, a country, a path) is built once."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, str], Html] = {}

    def __call__(self, value: Any, css: str = "clip") -> Html:
        if type(value) is not str:
            return cell(value, css)
        key = (value, css)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = cell(value, css)
        return built


def relative(moment: dt.datetime, now: dt.datetime) -> str:
    seconds = (now - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        text_ = f"{round(seconds)} s"
    elif seconds < 3600:
        text_ = f"{round(seconds / 60)} min"
    elif seconds < 86400:
        text_ = f"{round(seconds / 3600)} h"
    else:
        text_ = f"{round(seconds / 86400)} d"
    return f"in {text_}" if future else f"{text_} ago"


class Clock:
    """``when`` for many rows: the viewer's zone and "now" looked up once per fragment."""

    def __init__(self) -> None:
        self.zone: zoneinfo.ZoneInfo | dt.tzinfo = timezone.get_current_timezone()
        self._now: dt.datetime | None = None

    @property
    def now(self) -> dt.datetime:
        if self._now is None:
            self._now = timezone.now()
        return self._now

    @functools.cached_property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    def when(self, moment: dt.datetime | None, style: str = "relative") -> Html:
        """<time> with the exact time (viewer's zone, named) on hover; text relative
        ("5 min ago"), "time" (14:03:12), "stamp" (14:03:12 today, else "5 Dec 14:03", with the
        year when not this one) or absolute (2026-01-02 14:03 CET)."""
        if moment is None or moment == "":
            # "" is what a template gives for a missing attribute (``last_touch.timestamp`` of a
            # visitor without a last touch): nothing recorded, not an error.
            return MISSING_TIME
        if timezone.is_naive(moment):
            raise ValueError("localtime() cannot be applied to a naive datetime")
        local = moment.astimezone(self.zone)
        exact = local.strftime("%Y-%m-%d %H:%M:%S %Z")
        if style == "relative":
            shown = relative(moment, self.now)
        elif local.year < 1000:  # %Y is not zero-padded then: the slices below would be off
            shown = local.strftime("%H:%M:%S" if style == "time" else "%Y-%m-%d %H:%M %Z")
        elif style == "time":
            shown = exact[11:19]  # %H:%M:%S, sliced from the one strftime above
        elif style == "stamp":
            shown = self._stamp(local, exact)
        else:
            shown = exact[:16] + exact[19:]  # %Y-%m-%d %H:%M %Z
        return _TIME(moment.isoformat(), exact, shown)

    def _stamp(self, local: dt.datetime, exact: str) -> str:
        today = self.today
        if local.date() == today:
            return exact[11:19]
        month = _MONTHS[local.month - 1]
        year = f" {local.year}" if local.year != today.year else ""
        return f"{local.day} {month}{year} {exact[11:16]}"


# English month abbreviations (strftime's %b follows the process locale).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class IdLinks:
    """``links.id_url`` for one route of one project and many ids: ``reverse()`` once, then quote
    each id."""

    def __init__(self, name: str, project: str) -> None:
        marker = _MARKER.format(0)
        self.head, _, self.tail = reverse(name, args=[project, marker]).partition(marker)
        self._anchors: dict[tuple[str, Html], Html] = {}

    def __call__(self, value: Any) -> str:
        return f"{self.head}{quote(str(value), safe=_SAFE)}{self.tail}"

    def anchor(self, value: str, cell: CellCache, attrs: Html = EMPTY) -> Html:
        """``<a href="<url of value>"{attrs}>{% cell value %}</a>``, built once per id (the
        same visitor or session comes back row after row)."""
        built = self._anchors.get((value, attrs))
        if built is None:
            built = _ANCHOR(self(value), attrs, cell(value))
            self._anchors[value, attrs] = built
        return built


# --- pretty JSON -------------------------------------------------------------------------------

_encode_str = json.encoder.encode_basestring  # the C speed-up when available (ensure_ascii=False)


class _Unusual(Exception):
    """A value the fast path does not cover: json.dumps decides."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


_SCALARS = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _flat_encoder(inner: str) -> Callable[[Any], str]:
    return json.JSONEncoder(
        ensure_ascii=False, sort_keys=True, separators=(f",\n{inner}", ": "), default=str
    ).encode


def _pretty(value: Any, indent: str) -> str:
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    inner = indent + "  "
    if kind is dict:
        if not value:
            return "{}"
        if any(type(key) is not str for key in value):
            raise _Unusual
        if all(type(item) in _SCALARS for item in value.values()):
            # json's C encoder, its item separator carrying the newline and indentation.
            flat = _flat_encoder(inner)(value)
            return f"{{\n{inner}{flat[1:-1]}\n{indent}}}"
        items = [f"{_encode_str(key)}: {_pretty(value[key], inner)}" for key in sorted(value)]
    elif kind is list or kind is tuple:
        if not value:
            return "[]"
        items = [_pretty(item, inner) for item in value]
    else:
        raise _Unusual
    opening, closing = ("{", "}") if kind is dict else ("[", "]")
    return f"{opening}\n{inner}" + f",\n{inner}".join(items) + f"\n{indent}{closing}"


def pretty_json(value: Any) -> str:
    """Indented JSON for <pre>: exactly ``json.dumps(value, indent=2, ensure_ascii=False,
    sort_keys=True, default=str)``, several times faster for JSON-shaped values. Not escaped."""
    try:
        return _pretty(value, "")
    except (_Unusual, RecursionError):
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
