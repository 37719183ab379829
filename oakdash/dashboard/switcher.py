"""The project switcher: where each of the viewer's projects opens from the page they are on.

Switching keeps the page where it means something in the other project: a list or a report
(overview, sessions, journey, live, events, replays) opens the same page with the same query
string; a session or a visitor — ids of this project only — opens the other project's sessions
list, a replay its replays list; settings stay settings; anything else opens the overview.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse

from oakdash.dashboard.access import ProjectRef
from oakdash.dashboard.links import id_url

SAME_PAGE = frozenset({"overview", "sessions", "journey", "live", "events", "replays"})
LIST_OF = {"session": "sessions", "visitor": "sessions", "replay": "replays"}


@dataclass(frozen=True)
class Where:
    """The page a switch starts from: its route name and query string."""

    route: str | None
    query: str

    @classmethod
    def of_request(cls, request: HttpRequest) -> Where:
        match = getattr(request, "resolver_match", None)
        return cls(match.url_name if match else None, request.META.get("QUERY_STRING", ""))

    @classmethod
    def of_url(cls, url: str) -> Where:
        """From an absolute or relative URL (htmx's ``HX-Current-URL``)."""
        parts = urlsplit(url)
        try:
            route = resolve(parts.path).url_name if parts.path else None
        except Resolver404:
            route = None
        return cls(route, parts.query)


def target(where: Where, slug: str) -> str:
    """The URL of project ``slug`` that matches the page ``where``."""
    if where.route in SAME_PAGE:
        url = id_url(where.route, slug)
        return f"{url}?{where.query}" if where.query else url
    if where.route in LIST_OF:
        return id_url(LIST_OF[where.route], slug)
    if where.route == "settings":
        return reverse("settings") + "?" + urlencode({"project": slug})
    return id_url("overview", slug)


@dataclass(frozen=True)
class Item:
    project: ProjectRef
    url: str
    count_url: str  # the project's live count, loaded when the menu opens
    current: bool


def items(where: Where, mine: tuple[ProjectRef, ...], current: ProjectRef | None) -> list[Item]:
    return [
        Item(
            project,
            target(where, project.slug),
            id_url("live_count", project.slug),
            current is not None and project.slug == current.slug,
        )
        for project in mine
    ]
