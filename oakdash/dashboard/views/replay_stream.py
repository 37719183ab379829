"""/replays/<id>/events.ndjson: a replay's rrweb events, merged by timestamp, streamed as NDJSON.

Every request asks the API for the replay afresh (its signed chunk URLs expire after ~30 minutes,
so they are never cached or reused; if one expires while the chunks download, the API is asked
once more), downloads the chunks concurrently through the storage client, and streams the merge
(`oakdash.replay`). Failures before the first byte are a JSON error with a status; failures after
it end the body with one line ``{"error": "..."}`` — a replay is never silently truncated.

A stream takes a slot of the user's and of everybody's (`stream_slots`; over a cap: 429 with
Retry-After), lives within its budgets (`stream_watch`), and its chunks count against the
process's memory budget (over it: 503 with Retry-After).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from oakdash.accounts.crypto import UndecryptableKey
from oakdash.dashboard.chunk_storage import get_memory_budget, get_storage_http, get_stream_slots
from oakdash.dashboard.errors import describe
from oakdash.dashboard.stream_slots import StreamLimit
from oakdash.dashboard.stream_watch import StreamBudget, WatchedStream, get_watch, paced
from oakdash.dashboard.upstream import NoKey, client_for
from oakdash.oakdata import OakDataClient, errors
from oakdash.replay import (
    ChunkFetchError,
    ReplayBusy,
    ReplayError,
    ReplayLimits,
    ReplayStream,
    open_replay_stream,
    with_error_line,
)
from oakdash.replay.codec import encoder, negotiate

log = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"


def replay_limits() -> ReplayLimits:
    return ReplayLimits(
        max_chunk_compressed=settings.OAKDASH_REPLAY_MAX_CHUNK_COMPRESSED,
        max_chunk_bytes=settings.OAKDASH_REPLAY_MAX_CHUNK_BYTES,
        max_replay_bytes=settings.OAKDASH_REPLAY_MAX_BYTES,
        concurrency=settings.OAKDASH_REPLAY_CONCURRENCY,
        timeout=settings.OAKDATA_READ_TIMEOUT,
        attempts=settings.OAKDASH_REPLAY_CHUNK_ATTEMPTS,
    )


def stream_budget() -> StreamBudget:
    return StreamBudget(
        max_seconds=settings.OAKDASH_REPLAY_STREAM_MAX_SECONDS,
        min_rate=settings.OAKDASH_REPLAY_STREAM_MIN_RATE,
        stall_seconds=settings.OAKDASH_REPLAY_STREAM_STALL_SECONDS,
    )


def _json_error(status: int, message: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _error_response(error: ReplayError) -> JsonResponse:
    """503 (busy: try again), 504 (storage did not answer in time), else 502."""
    if isinstance(error, ReplayBusy):
        return _json_error(503, error.message, retry_after=error.retry_after)
    if isinstance(error, ChunkFetchError) and error.timed_out:
        return _json_error(504, error.message)
    return _json_error(502, error.message)


class _Body:
    """The response body; `close()` (the server calls it, even when the viewer left before the
    first byte) stops the merge and gives back the stream's slots and memory at once."""

    def __init__(self, body: Iterator[bytes], closers: list[Callable[[], None]]) -> None:
        self._body = body
        self._closers = closers

    def __iter__(self) -> _Body:
        return self

    def __next__(self) -> bytes:
        return next(self._body)

    def close(self) -> None:
        closers, self._closers = self._closers, []
        body_close = getattr(self._body, "close", None)
        for close in ([body_close] if body_close else []) + closers:
            try:
                close()
            except Exception:
                log.exception("closing a replay stream failed")


@require_GET
def replay_events(request: HttpRequest, replay_id: str) -> HttpResponse:
    # fetch() from the player page wants JSON answers, not a redirect to an HTML login page.
    if not request.user.is_authenticated:
        return _json_error(401, "Your session ended: log in again to load this replay.")
    slots = get_stream_slots()
    try:
        slot = slots.acquire(str(request.user.pk))
    except StreamLimit as limit:
        return _json_error(429, limit.message, retry_after=limit.retry_after)
    except Exception:  # the cache is down: streams cannot be counted, so none is started
        log.exception("replay stream slots unavailable")
        return _json_error(
            503, "Replays cannot be loaded right now: try again in a moment.", retry_after=5
        )
    watched = WatchedStream(slots, slot, stream_budget(), request.environ.get("gunicorn.socket"))
    watch = get_watch()
    watch.hold(watched)  # from here on the slot is renewed, and freed by `drop`
    try:
        response = _replay_response(request, replay_id, watched)
    except BaseException:
        watch.drop(watched)
        raise
    if not response.streaming:
        watch.drop(watched)
    return response


def _replay_response(request: HttpRequest, replay_id: str, watched: WatchedStream) -> HttpResponse:
    try:
        client = client_for(request)
        detail = client.replay(replay_id)  # fresh signed URLs, every time
    except NoKey:
        return _json_error(403, "Store your OakData key in settings to load replays.")
    except UndecryptableKey:
        return _json_error(403, "Your stored key can no longer be read: store it again.")
    except errors.OakDataError as err:
        problem = describe(err)
        return _json_error(problem.status, f"{problem.title}. {problem.detail}")

    try:
        stream = open_replay_stream(
            get_storage_http(),
            [chunk.url for chunk in detail.chunk_urls],
            replay_limits(),
            refresh=_fresh_links(client, replay_id),
            memory=get_memory_budget(),
        )
    except ReplayError as err:
        log.warning(
            "replay %s failed before streaming: %s (%s)", detail.session.id, err, err.detail
        )
        return _error_response(err)
    return _streaming_response(request, stream, watched)


def _fresh_links(client: OakDataClient, replay_id: str) -> Callable[[], list[str]]:
    def refresh() -> list[str]:
        return [chunk.url for chunk in client.replay(replay_id).chunk_urls]

    return refresh


def _streaming_response(
    request: HttpRequest, stream: ReplayStream, watched: WatchedStream
) -> StreamingHttpResponse:
    body = with_error_line(paced(stream, watched))
    # zstd if the browser takes it, else gzip, else none; each block flushed as it comes.
    coding = negotiate(request.headers.get("Accept-Encoding", ""))
    watch = get_watch()
    response = StreamingHttpResponse(
        _Body(encoder(coding)(body), [stream.close, lambda: watch.drop(watched)]),
        content_type=NDJSON,
    )
    if coding != "identity":
        response["Content-Encoding"] = coding
    patch_vary_headers(response, ["Accept-Encoding", "Cookie"])
    response["Cache-Control"] = "private, no-store"
    response["X-Accel-Buffering"] = "no"  # let a fronting nginx pass blocks through as they come
    response["X-Replay-Chunks"] = str(stream.chunks)
    # Storage trouble that was overcome: for benchmarks and for whoever reads the headers.
    response["X-Replay-Retries"] = str(stream.stats.retries)
    response["X-Replay-Refreshes"] = str(stream.stats.refreshes)
    return response
