"""`DemoApp`: a framework-free WSGI app serving the OakData read API and signed chunk downloads.

Routes (all GET; anything else on a known route is 405, unknown paths 404):
    /api/v1/overview  /sessions  /sessions/{id}  /visitors/{distinctId}  /journey  /live
    /events  /replays  /replays/{id}
    /storage/{project}/{replay id}/{n}.ndjson.gz?expires=…&sig=…     (no API key: signed URL)

How storage answers (plain, S3-like or GCS-like; latency, bandwidth) is `storage.py`'s job.

Ids are taken greedily to the end of the (already percent-decoded) PATH_INFO, so a distinct_id
may contain "/" (sent as %2F). Order of checks: path (404) → method (405) → key (401/403) →
query (400) → id lookup (404). Errors are `{"error": "..."}` like the real API.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import aggregate, params, replays, rows
from .dataset import FULL_DAYS, RECENT_DAYS, Snapshot, shared_dataset
from .faults import Faults
from .generator import Session
from .projects import DEMO_PROJECTS, Project, project_for
from .signing import Signer
from .storage import DENIED, EXPIRED, METHOD, NOT_FOUND, DemoStorage, StorageBehaviour
from .timeutil import DAY_MS, cutoff_ms, iso

Environ = dict[str, Any]
StartResponse = Callable[..., Any]

API_PREFIX = "/api/v1/"
STORAGE_PREFIX = "/storage/"
_COLLECTIONS = frozenset({"overview", "sessions", "journey", "live", "events", "replays"})
_ITEMS = ("sessions/", "visitors/", "replays/")
_RECENT_RANGES = frozenset({"24h", "7d"})  # served from the 9-day dataset
_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Timeout",
}


class HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class AddedReplay:
    row: dict[str, Any]
    chunks: list[bytes]


def _decode_path(path_info: str) -> str:
    """PATH_INFO as text.

    PEP 3333 servers (wsgiref, gunicorn) hand over the percent-decoded bytes as latin-1, so
    "ü" arrives as "Ã¼" and must be re-decoded as UTF-8; httpx's WSGITransport passes the decoded
    text itself. Re-decode when that yields valid UTF-8, else the text is already right.
    """
    try:
        return path_info.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path_info


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class DemoApp:
    """The demo OakData API. Thread-safe; data is a function of (seed, current minute)."""

    def __init__(
        self,
        seed: int = 1,
        chunk_ttl: float = 1800.0,
        clock: Callable[[], float] = time.time,
        projects: Iterable[Project] = DEMO_PROJECTS,
        storage: StorageBehaviour | None = None,
    ) -> None:
        self.seed = seed
        self.chunk_ttl = chunk_ttl
        self.clock = clock
        self.faults = Faults()
        self.storage = DemoStorage(storage or StorageBehaviour(seed=seed))
        self.projects = {p.key: p for p in projects}
        self._by_secret = {k: p for p in self.projects.values() for k in p.secret_keys}
        # Deterministic per seed, so two apps with the same seed sign the same URLs.
        self._signer = Signer(hashlib.sha256(f"oakdash-demo-storage|{seed}".encode()).digest())
        self._snapshots: dict[tuple[str, bool], Snapshot] = {}
        self._locks = {(k, full): threading.Lock() for k in self.projects for full in (True, False)}
        self._added: dict[str, dict[str, AddedReplay]] = {k: {} for k in self.projects}
        self._added_lock = threading.Lock()

    # --- data ------------------------------------------------------------------------------------

    def snapshot(self, project: Project | str, full: bool = True) -> Snapshot:
        """The project's data as of the current minute (built on first use, then cached).

        `full=False` is enough for the 24h/7d windows and live: it covers only the last 9 days,
        so the first requests after start-up do not wait for 90 days of data to be generated.
        """
        key = project if isinstance(project, str) else project.key
        cutoff = cutoff_ms(self.clock())
        for slot in ((key, True),) if full else ((key, False), (key, True)):
            snap = self._snapshots.get(slot)
            if snap is not None and snap.cutoff == cutoff:
                return snap
        slot = (key, full)
        with self._locks[slot]:
            snap = self._snapshots.get(slot)
            if snap is not None and snap.cutoff == cutoff:
                return snap
            days = FULL_DAYS if full else RECENT_DAYS
            dataset = shared_dataset(self.projects[key], self.seed, cutoff // DAY_MS, days)
            snap = Snapshot(dataset, cutoff)
            self._snapshots[slot] = snap
            return snap

    def warm(self) -> None:
        """Generate every project's data now rather than on its first request."""
        for key in self.projects:
            self.snapshot(key, full=False)
        for key in self.projects:
            self.snapshot(key)

    def warm_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.warm, name="oakdash-demo-warm", daemon=True)
        thread.start()
        return thread

    # --- replays ---------------------------------------------------------------------------------

    def _replay_row(self, s: Session) -> dict[str, Any]:
        assert s.replay is not None
        rec = replays.load(s.replay.recording)
        return {
            "id": s.replay.id,
            "session_id": s.sid,
            "distinct_id": s.distinct_id,
            "started_at": iso(s.start_ms),
            "last_event_at": iso(s.start_ms + rec.duration_ms),
            "duration_ms": rec.duration_ms,
            "chunks_count": rec.chunks_count,
            "entry_url": s.replay.entry_url,
            "viewport_width": rec.width,
            "viewport_height": rec.height,
            "browser": s.browser,
            "os": s.os,
            "device_type": s.device_type,
            "country": s.country,
            "has_errors": s.replay.has_errors,
        }

    def _finished_replays(self, snap: Snapshot) -> list[Session]:
        # A recording is listed once its last event is in the past.
        out = []
        for s in snap.replays():
            rec = replays.load(s.replay.recording)  # type: ignore[union-attr]
            if s.start_ms + rec.duration_ms <= snap.cutoff:
                out.append(s)
        return out

    def _replay_rows(self, project: Project, snap: Snapshot) -> list[dict[str, Any]]:
        def compute() -> list[dict[str, Any]]:
            built = [self._replay_row(s) for s in self._finished_replays(snap)]
            return built

        listed = list(snap.memo("replays", compute))
        with self._added_lock:
            added = [a.row for a in self._added[project.key].values()]
        if added:
            listed.extend(added)
            listed.sort(key=lambda r: (r["started_at"], r["id"]), reverse=True)
        return listed

    def _find_replay(
        self, project: Project, replay_id: str
    ) -> tuple[dict[str, Any], Session | None] | None:
        with self._added_lock:
            added = self._added[project.key].get(replay_id)
        if added is not None:
            return added.row, None
        snap = self.snapshot(project)
        i = snap.dataset.index_by_replay.get(replay_id)
        if i is None or not snap.lo <= i < snap.hi:
            return None
        s = snap.session(i)
        rec = replays.load(s.replay.recording)  # type: ignore[union-attr]
        if s.start_ms + rec.duration_ms > snap.cutoff:
            return None
        return self._replay_row(s), s

    def add_replay(
        self, project_key: str, meta_overrides: dict[str, Any] | None, chunks: list[bytes]
    ) -> str:
        """Register an extra replay (e.g. a 150 MB one for a benchmark); returns its id.

        `project_key` is a project slug ("acme") or its secret key. `chunks` are served byte for
        byte as given (normally gzipped NDJSON), without copying. The row defaults to a replay
        of the project's newest finished session that ended a minute ago; `meta_overrides`
        replaces any field of the `/replays` row (`id`, `session_id`, `started_at`, ...).
        """
        project = project_for(project_key)
        project = self.projects[project.key]
        snap = self.snapshot(project)
        with self._added_lock:
            n = len(self._added[project.key]) + 1
        newest = next(
            (s for s in snap.newest(DAY_MS) if not s.is_bot and s.end_ms < snap.cutoff), None
        )
        duration = int((meta_overrides or {}).get("duration_ms", 60_000))
        end = snap.cutoff - 60_000
        row: dict[str, Any] = {
            "id": f"rec_added_{n:04d}_{hashlib.sha256(os.urandom(8)).hexdigest()[:8]}",
            "session_id": newest.sid if newest else f"s_added_{n:04d}",
            "distinct_id": newest.distinct_id if newest else None,
            "started_at": iso(end - duration),
            "last_event_at": iso(end),
            "duration_ms": duration,
            "chunks_count": len(chunks),
            "entry_url": project.site + "/",
            "viewport_width": 1280,
            "viewport_height": 800,
            "browser": "Chrome",
            "os": "Linux",
            "device_type": "Desktop",
            "country": "DE",
            "has_errors": False,
        }
        row.update(meta_overrides or {})
        row["chunks_count"] = len(chunks)
        with self._added_lock:
            self._added[project.key][row["id"]] = AddedReplay(row, list(chunks))
        return row["id"]

    def expected_events(self, replay_id: str) -> list[bytes]:
        """The correctly merged NDJSON lines (no newlines) of a replay, for integration tests.

        Demo replays: the recording's `events.json`, shifted like the chunks. Added replays: the
        reference merge (by timestamp, then chunk index, then line index) of the given chunks.
        """
        for project in self.projects.values():
            with self._added_lock:
                added = self._added[project.key].get(replay_id)
            if added is not None:
                return replays.merge_chunks(added.chunks)
            snap = self.snapshot(project)
            i = snap.dataset.index_by_replay.get(replay_id)
            if i is not None:
                s = snap.dataset.sessions[i]
                rec = replays.load(s.replay.recording)  # type: ignore[union-attr]
                return replays.expected_recording_events(rec.name, s.start_ms - rec.first_ts)
        raise KeyError(f"no replay {replay_id!r}")

    # --- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = _decode_path(environ.get("PATH_INFO") or "/")
        fault = self.faults.take(path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                status_line = _STATUS.get(fault.status, f"{fault.status} Injected Fault")
                start_response(
                    status_line,
                    [
                        ("Content-Type", fault.content_type),
                        ("Content-Length", str(len(fault.body))),
                    ],
                )
                return [fault.body]
        try:
            if path.startswith(STORAGE_PREFIX):
                return self._storage(environ, start_response, path)
            status, body = self._api(environ, path)
        except HTTPError as exc:
            status, body = exc.status, _dumps({"error": exc.message})
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        if status == 405:
            headers.append(("Allow", "GET"))
        start_response(_STATUS[status], headers)
        return [body]

    def _authenticate(self, environ: Environ) -> Project:
        auth = environ.get("HTTP_AUTHORIZATION")
        key: str | None = None
        if auth is not None:
            scheme, _, token = auth.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise HTTPError(401, "invalid Authorization header: expected 'Bearer <secret key>'")
            key = token.strip()
        else:
            key = environ.get("HTTP_X_API_KEY")
            key = key.strip() if key else None
        if not key:
            raise HTTPError(401, "missing API key")
        if key.startswith("oak_pub_"):
            raise HTTPError(
                403, "public keys (oak_pub_…) cannot read data; use a secret key (oak_sec_…)"
            )
        project = self._by_secret.get(key)
        if project is None:
            raise HTTPError(401, "invalid API key")
        return project

    def _api(self, environ: Environ, path: str) -> tuple[int, bytes]:
        if not path.startswith(API_PREFIX):
            raise HTTPError(404, "not found")
        rest = path[len(API_PREFIX) :]
        route, ident = rest, None
        if rest not in _COLLECTIONS:
            prefix = next((p for p in _ITEMS if rest.startswith(p) and len(rest) > len(p)), None)
            if prefix is None:
                raise HTTPError(404, "not found")
            route, ident = prefix[:-1] + "/{id}", rest[len(prefix) :]
        if environ.get("REQUEST_METHOD", "GET") != "GET":
            raise HTTPError(405, "method not allowed: the OakData API is read-only (GET)")
        project = self._authenticate(environ)
        query = params.parse_query(environ.get("QUERY_STRING", ""))
        try:
            result = self._dispatch(project, route, ident, query, environ)
        except params.BadParam as exc:
            raise HTTPError(400, str(exc)) from None
        return 200, _dumps(result)

    def _dispatch(
        self, project: Project, route: str, ident: str | None, q: dict[str, str], environ: Environ
    ) -> Any:
        if route == "overview":
            range_ = params.get_range(q)
            exclude = params.get_bool(q, "exclude_bots")
            snap = self.snapshot(project, full=range_ not in _RECENT_RANGES)
            return snap.memo(
                ("overview", range_, exclude), lambda: aggregate.overview(snap, range_, exclude)
            )
        if route == "sessions":
            range_ = params.get_range(q)
            limit = params.get_int(q, "limit", params.SESSIONS_LIMIT)
            snap = self.snapshot(project, full=range_ not in _RECENT_RANGES)
            found: list[dict[str, Any]] = []
            for s in snap.newest(aggregate.RANGE_MS[range_]):
                if len(found) == limit:
                    break
                found.append(rows.session_row(s))
            return {"range": range_, "count": len(found), "sessions": found}
        if route == "sessions/{id}":
            snap = self.snapshot(project, full=False)
            i = snap.index_of(ident or "")
            if i is None:  # not in the last days: look in the full 90
                snap = self.snapshot(project)
                i = snap.index_of(ident or "")
            if i is None:
                raise HTTPError(404, "session not found")
            s = snap.session(i)
            events = [rows.event_row(project, s, n) for n in range(len(s.events))]
            return {"session_id": s.sid, "event_count": len(events), "events": events}
        if route == "visitors/{id}":
            snap = self.snapshot(project)
            return snap.memo(("visitor", ident), lambda: self._visitor(project, snap, ident or ""))
        if route == "journey":
            range_ = params.get_range(q)
            snap = self.snapshot(project, full=range_ not in _RECENT_RANGES)
            return snap.memo(("journey", range_), lambda: aggregate.journey(snap, range_))
        if route == "live":
            snap = self.snapshot(project, full=False)
            live = snap.memo("live", snap.live)
            return {
                "active_now": len(live),
                "sessions": [{"session_id": s.sid, "last_seen": iso(s.end_ms)} for s in live],
            }
        if route == "events":
            offset = params.get_int(q, "offset", params.EVENTS_OFFSET)
            limit = params.get_int(q, "limit", params.EVENTS_LIMIT)
            snap = self.snapshot(project)
            lo, hi = snap.firehose_bounds()
            keys = snap.dataset.firehose
            out = []
            top = hi - 1 - offset
            for k in range(top, max(lo, top - limit + 1) - 1, -1):
                i, pos = snap.dataset.locate(keys[k])
                out.append(rows.event_row(project, snap.session(i), pos))
            return {"offset": offset, "limit": limit, "rows": out, "total": hi - lo}
        if route == "replays":
            limit = params.get_int(q, "limit", params.REPLAYS_LIMIT)
            listed = self._replay_rows(project, self.snapshot(project))[:limit]
            return {"count": len(listed), "replays": listed}
        if route == "replays/{id}":
            match = self._find_replay(project, ident or "")
            if match is None:
                raise HTTPError(404, "replay not found")
            row, _ = match
            return {"session": row, "chunk_urls": self._chunk_urls(project, row, environ)}
        raise HTTPError(404, "not found")  # pragma: no cover - routes above are exhaustive

    def _visitor(self, project: Project, snap: Snapshot, distinct_id: str) -> dict[str, Any]:
        profile = aggregate.visitor(project, snap, distinct_id)
        if profile is None:
            raise HTTPError(404, "visitor not found")
        finished = {s.sid for s in self._finished_replays(snap)}
        profile["replays"] = [
            {
                "id": r["id"],
                "session_id": r["session_id"],
                "started_at": r["started_at"],
                "last_event_at": r["last_event_at"],
                "has_errors": r["has_errors"],
            }
            for r in (self._replay_row(s) for s in profile["replays"] if s.sid in finished)
        ]
        return profile

    # --- storage ---------------------------------------------------------------------------------

    def _chunk_urls(
        self, project: Project, row: dict[str, Any], environ: Environ
    ) -> list[dict[str, str]]:
        # Built per request with the host the client used, so in-process and socket clients work.
        scheme = environ.get("wsgi.url_scheme", "http")
        host = (
            environ.get("HTTP_HOST")
            or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        )
        script = environ.get("SCRIPT_NAME", "").rstrip("/")
        now = self.clock()
        urls = []
        for n in range(int(row["chunks_count"])):
            path = f"{STORAGE_PREFIX}{project.key}/{row['id']}/{n}.ndjson.gz"
            urls.append(
                {
                    "url": f"{scheme}://{host}{script}{path}?"
                    + self._signer.query(path, now, self.chunk_ttl)
                }
            )
        return urls

    def _storage(
        self, environ: Environ, start_response: StartResponse, path: str
    ) -> Iterable[bytes]:
        storage = self.storage
        if environ.get("REQUEST_METHOD", "GET") != "GET":
            return storage.refuse(start_response, METHOD, "method not allowed", path)
        query = params.parse_query(environ.get("QUERY_STRING", ""))
        refused = self._signer.check(path, query.get("expires"), query.get("sig"), self.clock())
        if refused is not None:
            kind = EXPIRED if refused == Signer.EXPIRED else DENIED
            return storage.refuse(start_response, kind, refused, path)
        parts = path[len(STORAGE_PREFIX) :].split("/")
        if len(parts) != 3 or parts[0] not in self.projects or not parts[2].endswith(".ndjson.gz"):
            return storage.refuse(start_response, NOT_FOUND, "no such object", path)
        key, replay_id, name = parts
        index = name[: -len(".ndjson.gz")]
        if not index.isdigit():
            return storage.refuse(start_response, NOT_FOUND, "no such object", path)
        blob = self._chunk(key, replay_id, int(index))
        if blob is None:
            return storage.refuse(start_response, NOT_FOUND, "no such object", path)
        return storage.serve(environ, start_response, path, blob)

    def _chunk(self, key: str, replay_id: str, index: int) -> bytes | None:
        with self._added_lock:
            added = self._added[key].get(replay_id)
        if added is not None:
            return added.chunks[index] if index < len(added.chunks) else None
        snap = self.snapshot(key)
        i = snap.dataset.index_by_replay.get(replay_id)
        if i is None:
            return None
        s = snap.dataset.sessions[i]
        rec = replays.load(s.replay.recording)  # type: ignore[union-attr]
        if index >= rec.chunks_count:
            return None
        return replays.shifted_chunk(rec.name, index, s.start_ms - rec.first_ts)


_default_app: DemoApp | None = None
_default_lock = threading.Lock()


def make_app(
    seed: int = 1,
    chunk_ttl: float = 1800.0,
    clock: Callable[[], float] = time.time,
    *,
    storage: StorageBehaviour | None = None,
    storage_mode: str | None = None,
    storage_latency: float = 0.0,
    storage_bandwidth: float = 0.0,
) -> DemoApp:
    """A new demo app (its own data cache, faults and added replays).

    Storage: `storage_mode` ("plain", "s3", "gcs"), `storage_latency` (seconds per chunk
    request) and `storage_bandwidth` (bytes a second per chunk response, 0 = uncapped), or a
    whole `StorageBehaviour`.
    """
    if storage is None:
        storage = StorageBehaviour(
            mode=storage_mode or "plain",
            latency=storage_latency,
            bandwidth=storage_bandwidth,
            seed=seed,
        )
    return DemoApp(seed=seed, chunk_ttl=chunk_ttl, clock=clock, storage=storage)


def get_demo_app() -> DemoApp:
    """The process-wide demo app (`OAKDASH_DEMO_SEED`, `OAKDASH_DEMO_CHUNK_TTL` and
    `OAKDASH_DEMO_STORAGE_*` from the env)."""
    global _default_app
    if _default_app is None:
        with _default_lock:
            if _default_app is None:
                seed = int(os.environ.get("OAKDASH_DEMO_SEED", "1"))
                ttl = float(os.environ.get("OAKDASH_DEMO_CHUNK_TTL", "1800"))
                storage = StorageBehaviour.from_env(seed)
                _default_app = make_app(seed=seed, chunk_ttl=ttl, storage=storage)
                # Generate while the dashboard starts up rather than in its first request.
                _default_app.warm_in_background()
    return _default_app
