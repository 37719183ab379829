"""The shared upstream cache: one caller refreshes, everyone else is answered at once.

These run on whichever cache the run uses (locmem, or Redis with --backend=postgres-redis); the
cross-process version of the same promise is tests/system/test_coalescing.py.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from oakdash.dashboard import upstream_cache
from oakdash.dashboard.upstream_cache import cached_call
from oakdash.oakdata import errors

TTL = 0.4


class Upstream:
    """A fetch() that counts its calls, answers after `delay`, or raises `failure`."""

    def __init__(
        self, delay: float = 0.0, failure: Exception | None = None, name: str = "answer"
    ) -> None:
        self.delay, self.failure, self.name, self.calls = delay, failure, name, 0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
            n = self.calls
        time.sleep(self.delay)
        if self.failure is not None:
            raise self.failure
        return f"{self.name} {n}"


def _call(fetch, **options):
    options.setdefault("ttl", TTL)
    return cached_call("project-1", "live", {}, fetch, **options)


def _in_threads(count: int, target) -> list:
    """Run `target()` in `count` threads at once: [(result or exception, seconds taken)]."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        barrier.wait()
        started = time.monotonic()
        try:
            outcome = target()
        except Exception as err:
            outcome = err
        results[n] = (outcome, time.monotonic() - started)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_a_fresh_answer_is_shared_and_a_stale_one_refreshed_once():
    upstream = Upstream()
    first = _call(upstream)
    assert (first.value, first.from_cache) == ("answer 1", False)
    assert _call(upstream).value == "answer 1"
    time.sleep(TTL + 0.1)
    renewed = _call(upstream)
    assert (renewed.value, renewed.from_cache, upstream.calls) == ("answer 2", False, 2)


def test_a_cold_start_is_one_call_whatever_the_number_of_callers():
    upstream = Upstream(delay=0.3)
    results = _in_threads(12, lambda: _call(upstream))
    assert upstream.calls == 1
    assert {outcome.value for outcome, _ in results} == {"answer 1"}


def test_when_an_answer_expires_one_caller_refreshes_and_the_others_get_the_last_one_at_once():
    _call(Upstream())  # "answer 1", now cached
    time.sleep(TTL + 0.1)
    upstream = Upstream(delay=1.0, name="renewed")
    results = _in_threads(12, lambda: _call(upstream))
    assert upstream.calls == 1, "one refresh, not a thundering herd"
    stale = [seconds for outcome, seconds in results if outcome.value == "answer 1"]
    assert len(stale) == 11 and max(stale) < 0.5, "the others waited for the refresh"
    assert _call(upstream).value == "renewed 1"  # the refresh is stored for everyone


def test_a_failure_is_remembered_briefly_and_told_at_once_while_the_retry_is_in_flight(
    monkeypatch,
):
    monkeypatch.setattr(upstream_cache, "FAILURE_TTL", 0.3)
    broken = Upstream(failure=errors.Unavailable("down", status=503))
    with pytest.raises(errors.Unavailable):
        _call(broken)
    with pytest.raises(errors.Unavailable) as remembered:
        _call(broken)
    assert (broken.calls, remembered.value.status) == (1, 503)
    time.sleep(0.4)
    # A caller that waited on the retry takes its whole 2 s; 1.5 s leaves a loaded machine room.
    slow = Upstream(delay=2.0, failure=errors.Unavailable("still down"))
    results = _in_threads(8, lambda: _call(slow))
    assert slow.calls == 1
    quick = [seconds for outcome, seconds in results if seconds < 1.5]
    assert len(quick) == 7, "callers waited on the retry instead of hearing of the failure"
    assert all(isinstance(outcome, errors.Unavailable) for outcome, _ in results)


def test_answers_about_one_request_are_not_remembered():
    missing = Upstream(failure=errors.NotFound("no such thing"))
    for _ in range(2):
        with pytest.raises(errors.NotFound):
            _call(missing)
    assert missing.calls == 2


def test_a_cold_start_wait_is_bounded_when_the_caller_fetching_never_answers():
    # Another worker took the lock and hangs (or died): nobody waits past `wait`.
    key = upstream_cache._cache_key("project-1", "live", {})
    assert cache.add(f"{key}:lock", "another worker", 30)
    upstream = Upstream()
    started = time.monotonic()
    with pytest.raises(errors.Unavailable):
        _call(upstream, wait=0.3)
    assert time.monotonic() - started < 1.5
    assert upstream.calls == 0


def test_a_waiter_takes_over_when_the_lock_holder_gives_up_without_an_answer():
    key = upstream_cache._cache_key("project-1", "live", {})
    assert cache.add(f"{key}:lock", "another worker", 30)
    threading.Timer(0.2, cache.delete, args=(f"{key}:lock",)).start()  # it crashed mid-call
    upstream = Upstream()
    assert _call(upstream, wait=2.0).value == "answer 1"
    assert upstream.calls == 1


def test_an_answer_stored_between_the_read_and_the_lock_is_not_fetched_again(monkeypatch):
    """Another worker refreshes and releases the lock in the instant after this caller found
    the entry stale: taking the lock then must not mean a second upstream call."""
    _call(Upstream())
    time.sleep(TTL + 0.1)  # stale
    other, shared, raced = Upstream(name="other worker's"), upstream_cache.cache, []

    class Racing:
        def __getattr__(self, name):
            return getattr(shared, name)

        def add(self, key, *args):
            if key.endswith(":lock") and not raced:
                raced.append(key)
                _call(other)  # the other worker wins the race, stores, releases
            return shared.add(key, *args)

    monkeypatch.setattr(upstream_cache, "cache", Racing())
    upstream = Upstream()
    assert _call(upstream).value == "other worker's 1"
    assert upstream.calls == 0


def test_peek_answers_only_from_the_cache_and_never_waits_for_a_call_in_flight():
    slow = Upstream(delay=1.0)
    assert upstream_cache.peek("project-1", "live", {}) is None
    caller = threading.Thread(target=lambda: _call(slow))
    caller.start()  # holds the lock for a second, nothing cached yet
    time.sleep(0.1)
    started = time.monotonic()
    assert upstream_cache.peek("project-1", "live", {}) is None
    assert time.monotonic() - started < 0.2
    caller.join()
    assert upstream_cache.peek("project-1", "live", {}).value == "answer 1"
    assert slow.calls == 1
    cache.set(upstream_cache._cache_key("project-1", "live", {}), ("error", ValueError(), 0), 5)
    assert upstream_cache.peek("project-1", "live", {}) is None  # a remembered failure is no answer
