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
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from oakdash.dashboard.access import open_project
from oakdash.dashboard.chunk_storage import get_memory_budget, get_storage_http, get_stream_slots
from oakdash.dashboard.errors import (
    CLIENT_FAILURES,
    ClientFailure,
    client_problem,
    json_error,
    json_problem,
)
from oakdash.dashboard.links import id_url
from oakdash.dashboard.stream_slots import StreamLimit
from oakdash.dashboard.stream_watch import StreamBudget, WatchedStream, get_watch, paced
from oakdash.http_types import AuthenticatedHttpRequest, signed_in
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


def _error_response(error: ReplayError) -> JsonResponse:
    """503 (busy: try again), 504 (storage did not answer in time), else 502."""
    if isinstance(error, ReplayBusy):
        return json_error(503, error.message, retry_after=error.retry_after)
    if isinstance(error, ChunkFetchError) and error.timed_out:
        return json_error(504, error.message)
    return json_error(502, error.message)


class StreamBody:
    """The response body; `close()` (the server calls it, even when the viewer left before the
    first byte) stops the merge and gives back the stream's slots and memory at once."""

    def __init__(self, body: Iterator[bytes], closers: list[Callable[[], None]]) -> None:
        self._body = body
        self._closers = closers

    def __iter__(self) -> StreamBody:
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
def replay_events(request: HttpRequest, project: str, replay_id: str) -> HttpResponseBase:
    # fetch() from the player page wants JSON answers, not a redirect to an HTML login page.
    if not signed_in(request):
        return json_error(401, "Your session ended: log in again to load this replay.")
    return guarded_stream(
        request,
        str(request.user.pk),
        lambda watched: _replay_response(request, project, replay_id, watched),
    )


def guarded_stream(
    request: HttpRequest,
    owner: str,
    respond: Callable[[WatchedStream], HttpResponseBase],
    *,
    over_own_cap: str = "",
) -> HttpResponseBase:
    """``respond(watched)`` inside a stream slot of ``owner``'s and of everybody's (over a cap:
    429). Public links (oakdash/sharing) stream through here too, with the link as the owner."""
    slots = get_stream_slots()
    try:
        slot = slots.acquire(owner, over_own_cap=over_own_cap)
    except StreamLimit as limit:
        return json_error(429, limit.message, retry_after=limit.retry_after)
    except Exception:  # the cache is down: streams cannot be counted, so none is started
        log.exception("replay stream slots unavailable")
        return json_error(
            503, "Replays cannot be loaded right now: try again in a moment.", retry_after=5
        )
    watched = WatchedStream(slots, slot, stream_budget(), request.META.get("gunicorn.socket"))
    watch = get_watch()
    watch.hold(watched)  # from here on the slot is renewed, and freed by `drop`
    try:
        response = respond(watched)
    except BaseException:
        watch.drop(watched)
        raise
    if not response.streaming:
        watch.drop(watched)
    return response


def _replay_response(
    request: AuthenticatedHttpRequest, project: str, replay_id: str, watched: WatchedStream
) -> HttpResponseBase:
    def failed(err: ClientFailure) -> HttpResponseBase:  # the same words as the pages, as JSON
        return json_problem(client_problem(err, request, id_url("replay", project, replay_id)))

    try:
        client = open_project(request, project)
    except CLIENT_FAILURES as err:
        return failed(err)
    return stream_replay(request, client, replay_id, watched, api_error=failed)


def stream_replay(
    request: HttpRequest,
    client: OakDataClient,
    replay_id: str,
    watched: WatchedStream,
    *,
    api_error: Callable[[errors.OakDataError], HttpResponseBase],
) -> HttpResponseBase:
    """The replay's merged events as a streaming response, read with ``client``; an API error
    before the first byte is answered by ``api_error`` (the team page's words, or a public
    link's)."""
    try:
        stream = open_stream(client, replay_id)
    except errors.OakDataError as err:
        return api_error(err)
    except ReplayError as err:
        return _error_response(err)
    return _streaming_response(request, stream, watched)


def open_stream(client: OakDataClient, replay_id: str) -> ReplayStream:
    """Ask the API for the replay afresh and start merging its chunks (within the limits and the
    memory budget). Raises OakDataError, or ReplayError before the first byte."""
    detail = client.replay(replay_id)  # fresh signed URLs, every time
    try:
        return open_replay_stream(
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
        raise


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
        StreamBody(encoder(coding)(body), [stream.close, lambda: watch.drop(watched)]),
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
