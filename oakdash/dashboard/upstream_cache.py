"""Per-project caching and coalescing of upstream calls, shared by every worker and host.

A project is identified by the keyed hash of the viewer's secret key (``crypto.fingerprint``, never
the key itself), so teammates who store the same key share entries, a teammate with another key
of the same project has entries of their own (a revoked key never reads a cached answer), and
nobody can derive the key from a cache key.

Everything goes through Django's cache — Redis when several processes or hosts run, so they all
share it. For each project and call:

* a fresh answer (younger than `ttl`) is served to everyone;
* when it is missing or stale, exactly one caller, in whichever process takes the lock first,
  asks upstream. The lock is `cache.add` with an expiry (atomic on Redis and locmem alike), so a
  worker that dies mid-call blocks the others for one time budget at most;
* while that one call is in flight, everyone else gets the last answer at once: the stale value
  (stale-while-revalidate, so an expiring entry never causes a thundering herd and no thread but
  one waits on a slow API) or the last failure;
* only when there is no answer at all (a cold start) do the others wait for the one call, polling
  the cache, for at most the call's time budget;
* a failure is remembered for FAILURE_TTL seconds and served to everyone meanwhile, so a hundred
  pollers of a broken API cost one call, not a hundred timeouts in a row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from oakdash import server_timing
from oakdash.oakdata import errors

T = TypeVar("T")

# How long a failure is remembered (s): enough to coalesce a burst, short enough to retry soon.
FAILURE_TTL = 2.0
# A forced refresh ("Refresh" button) is honoured at most this often per project and view.
REFRESH_THROTTLE = 5.0
# How long past its ttl an answer may still be served while one caller refreshes it (s).
STALE_FOR = 60.0
# Waiters on a cold start re-read the cache at this pace (s): quick at first, then gentle.
FIRST_POLL, MAX_POLL = 0.02, 0.25
# Entries carry a format version: during a rolling upgrade old and new code share the cache.
KEY_VERSION = "up2"


@dataclass(frozen=True)
class Fresh(Generic[T]):
    value: T
    fetched_at: dt.datetime  # when upstream answered
    from_cache: bool


def _cache_key(project: str, name: str, args: dict) -> str:
    flat = "&".join(f"{k}={args[k]}" for k in sorted(args))
    digest = hashlib.sha256(f"{name}?{flat}".encode()).hexdigest()[:24]
    return f"oakdash:{KEY_VERSION}:{project}:{name}:{digest}"


def default_budget() -> float:
    """The longest one upstream call may take (the client's own bound: connect + read)."""
    return settings.OAKDATA_CONNECT_TIMEOUT + settings.OAKDATA_READ_TIMEOUT


def _seconds(value: float) -> int:
    # Redis expiries are whole seconds; freshness itself is decided by the times in the entry.
    return max(1, math.ceil(value))


def cached_call(
    project: str,
    name: str,
    args: dict,
    fetch: Callable[[], T],
    *,
    ttl: float,
    refresh: bool = False,
    budget: float | None = None,
    wait: float | None = None,
) -> Fresh[T]:
    """Return ``fetch()``'s answer, reusing one from the last ``ttl`` seconds for this project.

    ``budget`` is the most ``fetch()`` may take (default: the client's timeouts); it bounds the
    lock. ``wait`` (default: the budget) is the most a caller waits, on a cold start, for the
    call another caller is making. Raises the same OakDataError subclass ``fetch()`` raised
    (remembered for FAILURE_TTL seconds), or ``Unavailable`` when that wait runs out.
    """
    key = _cache_key(project, name, args)
    budget = default_budget() if budget is None else budget
    if refresh and not cache.add(f"{key}:refresh", 1, _seconds(REFRESH_THROTTLE)):
        refresh = False  # someone refreshed moments ago: their answer is fresh enough
    entry = cache.get(key)
    if entry is not None and not refresh and entry[-1] > time.time():
        return _answer(entry)
    call = _Call(key, fetch, ttl, budget, refresh)
    if call.try_lock():
        return call.run()
    if entry is not None:
        return _answer(entry)  # someone is refreshing it: the last answer, at once
    started = time.monotonic()
    try:
        return call.wait(budget if wait is None else min(wait, budget))
    finally:  # waiting for another viewer's call is time spent on OakData too
        server_timing.add_upstream(time.monotonic() - started, call=False)


def peek(project: str, name: str, args: dict) -> Fresh | None:
    """The cached answer for this call if there is a good one (fresh or stale), else None.

    Never calls upstream, never takes or waits for a lock: for pages that only want to quote a
    number another page already fetched.
    """
    entry = cache.get(_cache_key(project, name, args))
    if entry is None or entry[0] != "ok":
        return None
    return _answer(entry)


class _Call:
    """One upstream call for a cache key, made by whoever holds its lock."""

    def __init__(
        self, key: str, fetch: Callable[[], T], ttl: float, budget: float, refresh: bool = False
    ) -> None:
        self.key, self.fetch, self.ttl, self.budget = key, fetch, ttl, budget
        self.refresh = refresh
        self.lock = f"{key}:lock"
        self.token = secrets.token_hex(8)

    def try_lock(self) -> bool:
        return cache.add(self.lock, self.token, _seconds(self.budget + 1))

    def run(self) -> Fresh:
        """Ask upstream (holding the lock), unless the last holder's answer is still fresh."""
        try:
            # Between our read and taking the lock, another caller may have refreshed the
            # entry and let the lock go: its answer stands (a lock holder always stores first).
            entry = None if self.refresh else cache.get(self.key)
            if entry is not None and entry[-1] > time.time():
                return _answer(entry)
            try:
                value = self.fetch()
            except (errors.InvalidParameter, errors.NotFound, errors.BadRequest):
                raise  # answers about this request, not the API's health: nothing to share
            except errors.OakDataError as err:
                # Kept past its freshness so that, while the next try is in flight, the others
                # are told at once instead of waiting for it.
                entry = ("error", err, time.time() + FAILURE_TTL)
                cache.set(self.key, entry, _seconds(FAILURE_TTL + self.budget + 1))
                raise
            now = timezone.now()
            cache.set(
                self.key, ("ok", value, now, time.time() + self.ttl), _seconds(self.ttl + STALE_FOR)
            )
            return Fresh(value, now, from_cache=False)
        finally:
            # Only our own lock: if ours expired and another caller took it, theirs stays.
            if cache.get(self.lock) == self.token:
                cache.delete(self.lock)

    def wait(self, seconds: float) -> Fresh:
        """Cold start: wait for the lock holder's answer, or take over if it gave up."""
        deadline = time.monotonic() + seconds
        pause = FIRST_POLL
        while time.monotonic() < deadline:
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, MAX_POLL)
            entry = cache.get(self.key)
            if entry is not None:
                return _answer(entry)
            if self.try_lock():  # the holder finished without an answer to share, or died
                return self.run()
        raise errors.Unavailable("OakData did not answer in time.")


def _answer(entry: tuple) -> Fresh:
    if entry[0] == "error":
        raise entry[1]
    _, value, fetched_at, _until = entry
    return Fresh(value, fetched_at, from_cache=True)
