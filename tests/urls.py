"""Dashboard URLs as a project's pages link them: ids as one encoded path segment
(``oakdash.dashboard.links``), in the fixtures' projects (tests/conftest.py)."""

from __future__ import annotations

from oakdash.dashboard.links import id_url

ACME = "acme-shop"  # user_a's project (Acme Shop)
GLOBEX = "globex-docs"  # user_b's project (Globex Docs)


def visitor_url(distinct_id: str, project: str = ACME) -> str:
    return id_url("visitor", project, distinct_id)


def session_url(session_id: str, project: str = ACME) -> str:
    return id_url("session", project, session_id)


def replay_url(replay_id: str, project: str = ACME) -> str:
    return id_url("replay", project, replay_id)


def scoped(path: str, project: str | None) -> str:
    """``path`` inside ``project`` when it is an unscoped dashboard path (``/sessions/?x`` →
    ``/p/<project>/sessions/?x``), else unchanged: where the old address redirects to."""
    from oakdash.dashboard.views.unscoped import scoped_path

    if project is None:
        return path
    route, mark, query = path.partition("?")
    inside = scoped_path(route, project)
    return f"{inside}{mark}{query}" if inside is not None else path
