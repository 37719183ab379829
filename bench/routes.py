"""Every dashboard URL the benchmarks request, built here only.

Each page lives under its project, ``/p/<slug>/…`` (issue 9); the addresses without it answer a
302 to the viewer's current project, which a benchmark would count as an extra request (or an
error). The slug is the one oakdash gave the viewer's project when their key was stored.
"""

from __future__ import annotations

from urllib.parse import quote

PROJECT_PREFIX = "/p/{project}"
ROUTES = {
    "overview": "/",
    "sessions": "/sessions/",
    "session": "/sessions/{id}/",
    "visitor": "/visitors/{id}/",
    "journey": "/journey/",
    "events": "/events/",
    "live": "/live/",
    "live widget": "/live/widget/",
    "nav count": "/live/widget/?compact=1",
    "replays": "/replays/",
    "replay": "/replays/{id}/",
    "replay stream": "/replays/{id}/events.ndjson",
    "empty": "/bench/empty/",  # bench/empty_page.py: the fixed cost, no content
}


def url(page: str, project: str, ident: str = "", query: str = "") -> str:
    """The path of ``page`` in project ``project`` (its slug); ``ident`` one encoded segment."""
    path = PROJECT_PREFIX.format(project=project) + ROUTES[page].format(id=quote(ident, safe=""))
    return path + (("&" if "?" in path else "?") + query if query else "")
