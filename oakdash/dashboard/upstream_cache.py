"""Short-lived, per-project caching and coalescing of upstream calls.

A project is identified by a keyed hash of its secret key (never the key itself), so teammates who
store the same key share entries and nobody can derive the key from a cache key. Within a process,
concurrent identical calls are coalesced: one thread asks upstream, the others wait for its answer.
Failures are remembered briefly too, so a hundred pollers of a broken API cost one call, not a
hundred timeouts in a row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from oakdash.oakdata import errors

T = TypeVar("T")

# How long a failure is remembered (s): enough to coalesce a burst, short enough to retry soon.
FAILURE_TTL = 2.0
# A forced refresh ("Refresh" button) is honoured at most this often per project and view.
REFRESH_THROTTLE = 5.0


@dataclass(frozen=True)
class Fresh(Generic[T]):
    value: T
    fetched_at: dt.datetime  # when upstream answered
    from_cache: bool


def project_fingerprint(api_key: str) -> str:
    """A keyed hash of the secret key: stable per project, useless to anyone without SECRET_KEY."""
    mac = hmac.new(settings.SECRET_KEY.encode(), b"oakdash-project:" + api_key.encode(), "sha256")
    return mac.hexdigest()[:32]


def _cache_key(project: str, name: str, args: dict) -> str:
    flat = "&".join(f"{k}={args[k]}" for k in sorted(args))
    digest = hashlib.sha256(f"{name}?{flat}".encode()).hexdigest()[:24]
    return f"oakdash:up:{project}:{name}:{digest}"


_locks_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            if len(_locks) > 10_000:  # bounded: drop idle locks rather than grow forever
                for stale in [k for k, v in _locks.items() if not v.locked()]:
                    del _locks[stale]
            lock = _locks[key] = threading.Lock()
        return lock


def cached_call(
    project: str,
    name: str,
    args: dict,
    fetch: Callable[[], T],
    *,
    ttl: float,
    refresh: bool = False,
) -> Fresh[T]:
    """Return ``fetch()``'s answer, reusing one from the last ``ttl`` seconds for this project.

    Raises the same OakDataError subclass fetch() raised (remembered for FAILURE_TTL seconds).
    """
    key = _cache_key(project, name, args)
    if refresh and not cache.add(f"{key}:refresh", 1, REFRESH_THROTTLE):
        refresh = False  # someone refreshed moments ago: their answer is fresh enough
    if not refresh:
        hit = _read(key)
        if hit is not None:
            return hit
    with _lock_for(key):
        if not refresh:
            hit = _read(key)  # another thread may have fetched while we waited
            if hit is not None:
                return hit
        try:
            value = fetch()
        except (errors.InvalidParameter, errors.NotFound, errors.BadRequest):
            raise  # answers about this request, not the API's health: nothing to share
        except errors.OakDataError as err:
            cache.set(key, ("error", type(err), err.message, time.time()), FAILURE_TTL)
            raise
        now = timezone.now()
        cache.set(key, ("ok", value, now), ttl)
        return Fresh(value, now, from_cache=False)


def _read(key: str) -> Fresh | None:
    entry = cache.get(key)
    if entry is None:
        return None
    if entry[0] == "error":
        _, kind, message, _at = entry
        raise kind(message)
    _, value, fetched_at = entry
    return Fresh(value, fetched_at, from_cache=True)
