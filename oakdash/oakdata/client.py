"""`OakDataClient`: a thin per-user facade over the pool, one method per endpoint; `OakDataAPI`:
the pool (`pool.py`) that hands one out per key.

It holds one user's key and borrows the process-wide pool. Each method validates its arguments
(raising `InvalidParameter` before any request), calls the endpoint, and returns a parsed model
or raises a typed error from `oakdash.oakdata.errors`. Section names refer to docs/oakdata-api.md.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from . import models, params
from .keys import check_key, mask_key
from .pool import Pool
from .sensitive import sensitive_variables

M = TypeVar("M", bound=BaseModel)


class OakDataClient:
    """One user's view of the API. Cheap to create per request; never shows its key."""

    __slots__ = ("_api", "_key", "_within")

    @sensitive_variables("key")
    def __init__(self, api: Pool, key: str, *, within: float | None = None) -> None:
        self._api = api
        self._key = check_key(key)
        self._within = within

    def __repr__(self) -> str:
        return f"<OakDataClient key={mask_key(self._key)} base_url={self._api.base_url!r}>"

    __str__ = __repr__

    def __reduce__(self):  # never let a key end up in a pickle (a cache, a task queue)
        raise TypeError("OakDataClient cannot be pickled: it holds a secret key")

    @property
    def api(self) -> Pool:
        return self._api

    @property
    def masked_key(self) -> str:
        """The key as it may be shown, e.g. `oak_sec_…1a2b`."""
        return mask_key(self._key)

    def within(self, seconds: float) -> OakDataClient:
        """The same client with every call bounded by `seconds` (below the API's own bound)."""
        return OakDataClient(self._api, self._key, within=seconds)

    def _get(self, path: str, model: type[M], query: dict[str, Any] | None = None) -> M:
        return self._api.get(path, model, key=self._key, params=query, within=self._within)

    # "GET /overview"
    def overview(
        self, range: str = params.DEFAULT_RANGE, exclude_bots: bool = False
    ) -> models.Overview:
        """Headline stats, time series and top breakdowns for a window."""
        query = {
            "range": params.check_range(range),
            "exclude_bots": "true" if params.check_bool(exclude_bots, "exclude_bots") else "false",
        }
        return self._get("/overview", models.Overview, query)

    # "GET /sessions"
    def sessions(
        self, range: str = params.DEFAULT_RANGE, limit: int = params.SESSIONS_DEFAULT_LIMIT
    ) -> models.SessionList:
        """Recent sessions, newest first."""
        query = {
            "range": params.check_range(range),
            "limit": params.check_int(limit, "limit", params.SESSIONS_LIMIT),
        }
        return self._get("/sessions", models.SessionList, query)

    # "GET /sessions/{id}"
    def session(self, session_id: str) -> models.SessionTimeline:
        """One session's full event timeline, oldest first; `NotFound` if it has no events."""
        segment = params.path_segment(session_id, "session_id")
        return self._get(f"/sessions/{segment}", models.SessionTimeline)

    # "GET /visitors/{distinctId}"
    def visitor(self, distinct_id: str) -> models.Visitor:
        """One visitor's 90-day profile, by distinct id or anonymous id."""
        segment = params.path_segment(distinct_id, "distinct_id")
        return self._get(f"/visitors/{segment}", models.Visitor)

    # "GET /journey"
    def journey(self, range: str = params.DEFAULT_RANGE) -> models.Journey:
        """The aggregated path tree for a window."""
        return self._get("/journey", models.Journey, {"range": params.check_range(range)})

    # "GET /live"
    def live(self) -> models.Live:
        """Sessions active in the last five minutes."""
        return self._get("/live", models.Live)

    # "GET /events"
    def events(
        self,
        offset: int = params.EVENTS_DEFAULT_OFFSET,
        limit: int = params.EVENTS_DEFAULT_LIMIT,
    ) -> models.EventPage:
        """The raw event firehose, newest first, one page."""
        query = {
            "offset": params.check_int(offset, "offset", params.EVENTS_OFFSET),
            "limit": params.check_int(limit, "limit", params.EVENTS_LIMIT),
        }
        return self._get("/events", models.EventPage, query)

    # "GET /replays"
    def replays(self, limit: int = params.REPLAYS_DEFAULT_LIMIT) -> models.ReplayList:
        """Recorded replays, newest first."""
        query = {"limit": params.check_int(limit, "limit", params.REPLAYS_LIMIT)}
        return self._get("/replays", models.ReplayList, query)

    # "GET /replays/{id}"
    def replay(self, replay_id: str) -> models.ReplayDetail:
        """One replay by recording id, with fresh signed chunk URLs (call again for each play)."""
        segment = params.path_segment(replay_id, "replay_id")
        return self._get(f"/replays/{segment}", models.ReplayDetail)


__all__ = ["OakDataClient"]


class OakDataAPI(Pool):
    """The process-wide pool (`Pool`) that also hands out per-user facades."""

    @sensitive_variables("key")
    def for_key(self, key: str) -> OakDataClient:
        """A per-user facade holding `key`: `InvalidKey` if empty, `PublicKey` if `oak_pub_…`."""
        return OakDataClient(self, key)
