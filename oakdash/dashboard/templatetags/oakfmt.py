"""Formatting every page shares: numbers, durations, percentages and times (the functions live
in `render/formats.py` and `render/cells.py`; this module registers them for templates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from oakdash.dashboard.render import cells
from oakdash.dashboard.render.formats import (
    clock,
    compact,
    humanduration,
    ms_duration,
    percent,
    share,
    thousands,
)
from oakdash.dashboard.render.html import Html

register = template.Library()
for _filter in (compact, thousands, clock, humanduration, ms_duration, percent, share):
    register.filter(_filter)


@register.simple_tag
def when(moment: dt.datetime | None, style: str = "relative") -> Html:
    """<time> with the exact ISO time on hover; text relative ("5 min ago") or absolute.

    Absolute text is in the viewer's zone (ViewerTimezoneMiddleware) with the zone abbreviation.
    """
    return cells.Clock().when(moment, style)


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON for <pre> (autoescaped by the template, so markup inside stays text)."""
    return cells.pretty_json(value)
