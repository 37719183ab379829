"""Helpers for the table pages (sessions, session, visitor, events, replays).

Whole tables' rows come from ``oakdash.dashboard.render`` (``{% event_rows %}``,
``{% session_rows %}``, ``{% replay_rows %}``, ``{% journey_tree %}``, ``{% breakdown_panels %}``):
built in Python once per table instead of a dozen template tags per row.

Links to ids use ``{% project_url "visitor" id %}`` (``oaklinks``) rather than ``{% url %}``: it
encodes the id as one path segment, so ``../live`` stays an id (see ``links.py``). The row tags
link into the page's project the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from oakdash.dashboard.render import cells
from oakdash.dashboard.render.breakdowns import breakdown_panels as _breakdown_panels
from oakdash.dashboard.render.event_rows import event_rows as _event_rows
from oakdash.dashboard.render.html import Html
from oakdash.dashboard.render.journey_tree import journey_tree as _journey_tree
from oakdash.dashboard.render.list_filters import filter_panel, sort_heading
from oakdash.dashboard.render.replay_rows import replay_rows as _replay_rows
from oakdash.dashboard.render.session_rows import session_rows as _session_rows
from oakdash.dashboard.render.timeline_rows import timeline_rows as _timeline_rows
from oakdash.dashboard.templatetags.oaklinks import project_slug

register = template.Library()


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
def cell(value: Any, css: str = "clip") -> Html:
    """Untrusted text for a table cell: escaped, bidi-isolated, clipped with the full text on
    hover; None (or "") becomes a muted dash."""
    return cells.cell(value, css)


def _page_project(context: template.Context) -> str:
    """The page's project: the row tags link into it, so they belong on project pages only."""
    slug = project_slug(context)
    if slug is None:
        raise ValueError("a table of rows rendered on a page without a project")
    return slug


@register.simple_tag(takes_context=True)
def event_rows(context, events) -> Html:
    """The <tr>s of the /events/ table."""
    return _event_rows(events, _page_project(context))


@register.simple_tag(takes_context=True)
def session_rows(context, sessions, show_visitor=True) -> Html:
    """The <tr>s of a sessions table (without the visitor column on a visitor's own page)."""
    return _session_rows(sessions, _page_project(context), bool(show_visitor))


@register.simple_tag(takes_context=True)
def replay_rows(context, replays) -> Html:
    """The <tr>s of the /replays/ table."""
    return _replay_rows(replays, _page_project(context))


@register.simple_tag
def timeline_rows(rows) -> Html:
    """The <tr>s of a session's timeline (``views.session.TimelineRow``)."""
    return _timeline_rows(rows)


@register.simple_tag
def journey_tree(tree) -> Html:
    """The <li>s of the journey tree's entry pages, their steps nested inside."""
    return _journey_tree(tree)


@register.simple_tag
def breakdown_panels(panels, range_name) -> Html:
    """The overview's breakdown panels (``panels.Panel``), each a card with its tables."""
    return _breakdown_panels(panels, range_name)


@register.simple_tag(takes_context=True)
def list_filters(context, view, noun, more_url="", max_limit=0) -> Html:
    """A list page's filter panel and the filters in use (``filters.Filtered``)."""
    return filter_panel(view, noun, context["request"].path, more_url, max_limit)


@register.simple_tag
def sort_th(sort_links, key, label, num=False) -> Html:
    """A column heading, a sort link when ``sort_links`` (by column) has one for ``key``."""
    link = sort_links.get(key) if isinstance(sort_links, dict) else None
    return sort_heading(link, label, bool(num))
