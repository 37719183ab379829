"""The embedded OakData-compatible demo API: a framework-free WSGI app over generated data.

    from oakdash.demo import make_app, get_demo_app
    app = make_app(seed=1, chunk_ttl=1800.0, clock=time.time)   # a WSGI callable

See `app.py` for the routes, `projects.py` for the demo keys, `hostile.py` for the awkward values
planted in the data, and `server.py` to serve it over HTTP without Django.
"""

from __future__ import annotations

from .app import DemoApp, get_demo_app, make_app
from .hostile import HOSTILE_DISTINCT_IDS, HOSTILE_LABEL, LONG_PATH
from .projects import (
    ACME_PUBLIC_KEY,
    ACME_SECRET_KEY,
    DEMO_PROJECTS,
    GLOBEX_PUBLIC_KEY,
    GLOBEX_SECRET_KEY,
)


def expected_events(replay_id: str, app: DemoApp | None = None) -> list[bytes]:
    """The correctly merged NDJSON lines of a replay (default: the process-wide demo app)."""
    return (app or get_demo_app()).expected_events(replay_id)


__all__ = [
    "ACME_PUBLIC_KEY",
    "ACME_SECRET_KEY",
    "DEMO_PROJECTS",
    "GLOBEX_PUBLIC_KEY",
    "GLOBEX_SECRET_KEY",
    "HOSTILE_DISTINCT_IDS",
    "HOSTILE_LABEL",
    "LONG_PATH",
    "DemoApp",
    "expected_events",
    "get_demo_app",
    "make_app",
]
