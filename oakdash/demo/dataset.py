"""Indexes over the generated days, and the view of them "as of" one minute.

`Dataset` holds the 92 days ending today (for one project and seed) with the indexes every endpoint
needs; it is rebuilt only when the UTC day changes (the days themselves stay cached in the
generator). `Snapshot` is that data as of a cutoff minute: sessions still in progress are cut at
the cutoff, later sessions do not exist yet. Endpoints compute from a snapshot and cache the result
per snapshot, so everything is stable within a minute and recomputed at most once a minute.
"""

from __future__ import annotations

import bisect
import gc
import threading
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from .generator import Generator, Session
from .projects import Project
from .timeutil import DAY_MS, HOUR_MS, MINUTE_MS

RETENTION_MS = 90 * DAY_MS  # what /events, /visitors and the 90d range look back over
LIVE_MS = 5 * MINUTE_MS
MAX_SESSION_MS = 3 * HOUR_MS  # longer than any generated session
_KEY_BITS = 23  # firehose key: (timestamp - base) << 23 | flat event index
_KEY_MASK = (1 << _KEY_BITS) - 1


FULL_DAYS = 92  # 90 days back from any minute of today, plus the day before for long sessions
RECENT_DAYS = 9  # enough for the 24h and 7d windows: what most requests need


class Dataset:
    """The sessions of the `days` days ending on `day`, indexed."""

    def __init__(self, generator: Generator, day: int, days: int = FULL_DAYS) -> None:
        self.day = day
        self.days = days
        first_day = day - days + 1
        self.base_ms = (first_day - 1) * DAY_MS
        sessions: list[Session] = []
        for d in range(first_day, day + 1):
            sessions.extend(generator.day(d))  # each day sorted, days in order: stays sorted
        self.sessions = sessions
        self.starts = [s.start_ms for s in sessions]
        self.index_by_id = {s.sid: i for i, s in enumerate(sessions)}
        # A person's sessions, and the ids (anonymous or user) that lead to the person.
        self.by_person: dict[str, list[int]] = defaultdict(list)
        self.person_for_id: dict[str, str] = {}
        for i, s in enumerate(sessions):
            person = s.person
            self.by_person[person.pid].append(i)
            self.person_for_id.setdefault(person.anon_id, person.pid)
            if person.user_id is not None:
                self.person_for_id.setdefault(person.user_id, person.pid)
        self._firehose: tuple[list[int], list[int]] | None = None
        self._firehose_lock = threading.Lock()
        self.replay_indexes = [i for i, s in enumerate(sessions) if s.replay is not None]
        self.index_by_replay = {sessions[i].replay.id: i for i in self.replay_indexes}  # type: ignore[union-attr]

    @property
    def firehose(self) -> list[int]:
        """Every event as `(timestamp - base) << 23 | flat index`, sorted: built on first use
        (only /events needs it)."""
        return self._firehose_index()[0]

    def _firehose_index(self) -> tuple[list[int], list[int]]:
        if self._firehose is None:
            with self._firehose_lock:
                if self._firehose is None:
                    offsets: list[int] = []
                    keys: list[int] = []
                    base = self.base_ms
                    flat = 0
                    for s in self.sessions:
                        offsets.append(flat)
                        for e in s.events:
                            keys.append(((e[0] - base) << _KEY_BITS) | flat)
                            flat += 1
                    assert flat <= _KEY_MASK
                    keys.sort()  # nearly sorted runs already: timsort makes this cheap
                    self._firehose = (keys, offsets)
        return self._firehose

    def locate(self, key: int) -> tuple[int, int]:
        """(session index, event position) of a firehose key."""
        offsets = self._firehose_index()[1]
        flat = key & _KEY_MASK
        i = bisect.bisect_right(offsets, flat) - 1
        return i, flat - offsets[i]

    def key_bound(self, ts_ms: int) -> int:
        """The largest possible key at `ts_ms`: bisect_right with it splits at "<= ts_ms"."""
        return ((ts_ms - self.base_ms) << _KEY_BITS) | _KEY_MASK


class Snapshot:
    """The data as of `cutoff` (epoch ms, a whole minute)."""

    def __init__(self, dataset: Dataset, cutoff: int) -> None:
        self.dataset = dataset
        self.cutoff = cutoff
        starts = dataset.starts
        self.lo = bisect.bisect_right(starts, cutoff - RETENTION_MS)
        self.hi = bisect.bisect_right(starts, cutoff)
        self.cache: dict[Any, Any] = {}
        self.cache_lock = threading.Lock()
        # Sessions still going on at the cutoff are shown as far as they got.
        self._cut: dict[int, Session] = {}
        i = self.hi - 1
        while i >= self.lo and starts[i] > cutoff - MAX_SESSION_MS:
            s = dataset.sessions[i]
            if s.end_ms > cutoff:
                cut = s.truncated(cutoff)
                if cut is not None:
                    self._cut[i] = cut
            i -= 1
        self.recent_lo = i + 1  # sessions from here on may be live

    def session(self, i: int) -> Session:
        cut = self._cut.get(i)
        return cut if cut is not None else self.dataset.sessions[i]

    def index_of(self, session_id: str) -> int | None:
        i = self.dataset.index_by_id.get(session_id)
        if i is None or not self.lo <= i < self.hi:
            return None
        return i

    def window(self, range_ms: int) -> Iterator[Session]:
        """Sessions that started within the last `range_ms`, oldest first."""
        lo = bisect.bisect_right(self.dataset.starts, self.cutoff - range_ms, self.lo, self.hi)
        for i in range(lo, self.hi):
            yield self.session(i)

    def newest(self, range_ms: int) -> Iterator[Session]:
        """The same sessions, newest first."""
        lo = bisect.bisect_right(self.dataset.starts, self.cutoff - range_ms, self.lo, self.hi)
        for i in range(self.hi - 1, lo - 1, -1):
            yield self.session(i)

    def live(self) -> list[Session]:
        """Sessions whose last event is within the last 5 minutes, most recent first."""
        since = self.cutoff - LIVE_MS
        found = [self.session(i) for i in range(self.recent_lo, self.hi)]
        found = [s for s in found if s.end_ms >= since]
        found.sort(key=lambda s: (-s.end_ms, s.sid))
        return found

    def person_sessions(self, pid: str) -> list[Session]:
        return [
            self.session(i) for i in self.dataset.by_person.get(pid, ()) if self.lo <= i < self.hi
        ]

    def firehose_bounds(self) -> tuple[int, int]:
        """[lo, hi) into `dataset.firehose` of the events of the last 90 days up to the cutoff."""
        keys = self.dataset.firehose
        hi = bisect.bisect_right(keys, self.dataset.key_bound(self.cutoff))
        lo = bisect.bisect_right(keys, self.dataset.key_bound(self.cutoff - RETENTION_MS), 0, hi)
        return lo, hi

    def replays(self) -> list[Session]:
        """Sessions with a recording that has finished by the cutoff, newest first."""
        out = []
        for i in reversed(self.dataset.replay_indexes):
            if not self.lo <= i < self.hi:
                continue
            s = self.session(i)
            out.append(s)
        return out

    def memo(self, key: Any, compute: Any) -> Any:
        """Compute once per snapshot (i.e. per minute)."""
        with self.cache_lock:
            if key in self.cache:
                return self.cache[key]
        value = compute()
        with self.cache_lock:
            return self.cache.setdefault(key, value)


# Shared by every app in the process: days and their indexes are immutable and depend only on
# (project, seed, day), so tests that make many apps with the same seed generate the data once.
_generators: dict[tuple[int, int], Generator] = {}
_datasets: dict[tuple[int, int, int, int], Dataset] = {}
_shared_lock = threading.Lock()
_build_locks: dict[tuple[int, int, int], threading.Lock] = {}
_MAX_DATASETS = 8


def shared_dataset(project: Project, seed: int, day: int, days: int = FULL_DAYS) -> Dataset:
    """The dataset of `project` for `seed`: `days` days ending on `day`, built once per process."""
    key = (id(project), seed)
    with _shared_lock:
        found = _datasets.get((*key, day, days))
        if found is not None:
            return found
        lock = _build_locks.setdefault((*key, days), threading.Lock())
    with lock:  # one build per project and seed at a time; others wait for its result
        with _shared_lock:
            found = _datasets.get((*key, day, days))
            generator = (
                _generators.setdefault(key, Generator(project, seed)) if found is None else None
            )
        if found is not None:
            return found
        assert generator is not None
        built = Dataset(generator, day, days)
        # Hundreds of thousands of long-lived objects would otherwise be rescanned by every full
        # garbage collection (up to a second, inside some unlucky request): move everything that
        # exists now to the permanent generation. Reference counting still frees them.
        gc.freeze()
        with _shared_lock:
            _datasets[(*key, day, days)] = built
            while len(_datasets) > _MAX_DATASETS:
                del _datasets[next(iter(_datasets))]
            # Days older than any dataset could need are dropped from the generator's cache.
            generator.forget_before(day - 100)
        return built
