"""Each replay stream's budgets, and the one thread per process that keeps them.

A stream may take at most `max_seconds` from its request to its last byte, must average at least
`min_rate` bytes a second once it is older than `stall_seconds`, and a single write to the
viewer may not stall for longer than `stall_seconds`. The first two are checked between blocks
and end the stream with its `{"error": ...}` line. The third cannot be: a viewer who stops
reading leaves the server thread blocked inside the write, never back in our code. So a watch
thread checks every stream once a second, and shuts down the socket of one whose last block has
not been written for `stall_seconds` (under gunicorn the socket is `environ["gunicorn.socket"]`):
the blocked write fails at once, gunicorn drops the connection, the response is closed and the
stream's slots and memory are given back.

The same thread renews the stream slots (`stream_slots`) of every stream the process is running,
so their leases lapse only if the process dies, and frees the slots of a stream that outlived
every budget without being closed (a leak must not shrink the caps forever).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from oakdash.replay import ReplayError

from .stream_slots import Slot, StreamSlots

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
_LEAK_MARGIN = 300.0  # seconds past every budget after which a stream's slots are freed anyway


@dataclass(frozen=True)
class StreamBudget:
    max_seconds: float
    min_rate: int  # bytes of NDJSON a second, on average; 0: no minimum
    stall_seconds: float


class WatchedStream:
    """One stream as the watch sees it: its slot, socket, clock and progress."""

    def __init__(
        self, slots: StreamSlots, slot: Slot, budget: StreamBudget, sock: object = None
    ) -> None:
        self.slots = slots
        self.slot = slot
        self.budget = budget
        self.sock = sock if isinstance(sock, socket.socket) else None
        self.started = time.monotonic()
        self.renewed = self.started
        self.streaming_since: float | None = None
        self.last_progress: float | None = None  # when the last block was handed to the server
        self.sent = 0
        self.cut: str | None = None  # why the watch shut the connection, if it did
        self.closed = False


class StreamWatch:
    """The per-process watch thread (started on first use)."""

    def __init__(self, tick: float = TICK_SECONDS) -> None:
        self.tick = tick
        self._streams: set[WatchedStream] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, stream: WatchedStream) -> None:
        with self._lock:
            self._streams.add(stream)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="oakdash-replay-watch", daemon=True
                )
                self._thread.start()

    def drop(self, stream: WatchedStream) -> None:
        """The stream ended: forget it and give its slots back (idempotent)."""
        with self._lock:
            if stream.closed:
                return
            stream.closed = True
            self._streams.discard(stream)
        try:
            stream.slots.release(stream.slot)
        except Exception:  # a cache outage: the slot's lease lapses by itself
            log.exception("could not give back a replay stream slot")

    def check(self, now: float | None = None) -> None:
        """One round: cut stalled streams, renew leases, free leaked slots."""
        now = time.monotonic() if now is None else now
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            budget = stream.budget
            if stream.last_progress is not None and stream.cut is None:
                if now - stream.last_progress > budget.stall_seconds:
                    self._cut(stream, "stalled")
                elif now - stream.started > budget.max_seconds + budget.stall_seconds:
                    self._cut(stream, "over time")
            if now - stream.started > budget.max_seconds + budget.stall_seconds + _LEAK_MARGIN:
                log.warning("replay stream never closed: freeing its slots")
                self.drop(stream)
            elif now - stream.renewed >= stream.slots.lease / 3:
                stream.renewed = now
                try:
                    stream.slots.renew(stream.slot)
                except Exception:  # a cache outage must not kill the watch
                    log.exception("could not renew a replay stream slot")

    def _cut(self, stream: WatchedStream, why: str) -> None:
        stream.cut = why
        if stream.sock is None:
            return  # not under gunicorn: the stream ends at its next block, if ever
        log.info("replay stream %s: the viewer stopped reading; closing the connection", why)
        with contextlib.suppress(OSError):
            stream.sock.shutdown(socket.SHUT_RDWR)

    def _run(self) -> None:
        while True:
            time.sleep(self.tick)
            try:
                self.check()
            except Exception:
                log.exception("replay stream watch failed a round")


def paced(blocks: Iterator[bytes], stream: WatchedStream) -> Iterator[bytes]:
    """`blocks`, with the stream's wall-clock and minimum-rate budgets checked between them."""
    budget = stream.budget
    for block in blocks:
        now = time.monotonic()
        stream.last_progress = now
        if stream.streaming_since is None:
            stream.streaming_since = now
        if stream.cut is not None:
            return  # the watch closed the connection: nothing more can reach the viewer
        if now - stream.started > budget.max_seconds:
            raise ReplayError(
                f"The replay took longer than {budget.max_seconds:g} s to send; reload the page "
                "to load it again."
            )
        streaming = now - stream.streaming_since
        too_slow = stream.sent < budget.min_rate * streaming
        if budget.min_rate and streaming > budget.stall_seconds and too_slow:
            raise ReplayError(
                "The connection is too slow to play this replay here (under "
                f"{budget.min_rate / 1024:g} KiB a second)."
            )
        yield block
        stream.sent += len(block)


_watch: StreamWatch | None = None
_watch_lock = threading.Lock()


def get_watch() -> StreamWatch:
    global _watch
    if _watch is None:
        with _watch_lock:
            if _watch is None:
                _watch = StreamWatch()
    return _watch


__all__ = ["StreamBudget", "StreamWatch", "WatchedStream", "get_watch", "paced"]
