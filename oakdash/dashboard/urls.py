"""Routes are interface promises: people bookmark and share them (docs/ARCHITECTURE.md).

Every dashboard page lives under its project, ``/p/<slug>/…``; the same paths without ``/p/<slug>``
(the addresses before projects existed) redirect to the viewer's current project
(``views/unscoped.py``), so old links and bookmarks keep working.
"""

from django.urls import include, path

from oakdash.dashboard.views import (
    events,
    health,
    journey,
    live,
    overview,
    replay,
    replay_stream,
    replays,
    session,
    sessions,
    switcher,
    unscoped,
    visitor,
)

# (route inside a project, view, name, has an unscoped twin)
PROJECT_ROUTES = (
    ("", overview.overview_page, "overview", True),
    ("sessions/", sessions.page, "sessions", True),
    ("sessions/<path:session_id>/", session.page, "session", True),
    ("visitors/<path:distinct_id>/", visitor.page, "visitor", True),
    ("journey/", journey.page, "journey", True),
    ("live/", live.page, "live", True),
    ("live/widget/", live.widget, "live_widget", True),
    ("live/count/", live.count, "live_count", False),
    ("events/", events.page, "events", True),
    ("replays/", replays.page, "replays", True),
    # The stream route must come first: <path:> would otherwise swallow "…/events.ndjson".
    ("replays/<path:replay_id>/events.ndjson", replay_stream.replay_events, "replay_events", True),
    ("replays/<path:replay_id>/", replay.page, "replay", True),
)

project_patterns = [path(route, view, name=name) for route, view, name, _ in PROJECT_ROUTES]
unscoped_patterns = [
    path(route, unscoped.to_current_project(name), name=name)
    for route, _, name, twin in PROJECT_ROUTES
    if twin
]

urlpatterns = [
    path("p/<slug:project>/", include(project_patterns)),
    path("projects/menu/", switcher.menu, name="project_menu"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include((unscoped_patterns, "unscoped"))),
]
