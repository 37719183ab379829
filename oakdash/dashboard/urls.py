"""Routes are interface promises: people bookmark and share them (docs/ARCHITECTURE.md)."""

from django.urls import path

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
    visitor,
)

urlpatterns = [
    path("", overview.overview_page, name="overview"),
    path("sessions/", sessions.page, name="sessions"),
    path("sessions/<path:session_id>/", session.page, name="session"),
    path("visitors/<path:distinct_id>/", visitor.page, name="visitor"),
    path("journey/", journey.page, name="journey"),
    path("live/", live.page, name="live"),
    path("live/widget/", live.widget, name="live_widget"),
    path("events/", events.page, name="events"),
    path("replays/", replays.page, name="replays"),
    # The stream route must come first: <path:> would otherwise swallow "…/events.ndjson".
    path(
        "replays/<path:replay_id>/events.ndjson",
        replay_stream.replay_events,
        name="replay_events",
    ),
    path("replays/<path:replay_id>/", replay.page, name="replay"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
