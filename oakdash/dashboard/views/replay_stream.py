"""/replays/<id>/events.ndjson: a replay's rrweb events, merged by timestamp, streamed as NDJSON.

Every request asks the API for the replay afresh (its signed chunk URLs expire after ~30 minutes,
so they are never cached or reused), downloads the chunks concurrently, and streams the merge
(`oakdash.replay`). Failures before the first byte are a JSON error with a status; failures after
it end the body with one line ``{"error": "..."}`` — a replay is never silently truncated.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Generator, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from oakdash.accounts.crypto import UndecryptableKey
from oakdash.dashboard.errors import describe
from oakdash.dashboard.upstream import NoKey, client_for, get_api
from oakdash.oakdata import errors
from oakdash.replay import (
    ChunkFetchError,
    ReplayError,
    ReplayLimits,
    open_replay_stream,
    with_error_line,
)

log = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
# Level 1: the stream is CPU-bound on a busy server; rrweb JSON still shrinks ~10x at level 1.
GZIP_LEVEL = 1


def replay_limits() -> ReplayLimits:
    return ReplayLimits(
        max_chunk_compressed=settings.OAKDASH_REPLAY_MAX_CHUNK_COMPRESSED,
        max_chunk_bytes=settings.OAKDASH_REPLAY_MAX_CHUNK_BYTES,
        max_replay_bytes=settings.OAKDASH_REPLAY_MAX_BYTES,
        concurrency=settings.OAKDASH_REPLAY_CONCURRENCY,
        timeout=settings.OAKDATA_READ_TIMEOUT,
    )


def _json_error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _status_for(error: ReplayError) -> int:
    """502: storage or its content failed us; 504: storage did not answer in time."""
    if (
        isinstance(error, ChunkFetchError)
        and error.status is None
        and "Timeout" in (error.detail or "")
    ):
        return 504
    return 502


def _gzipped(blocks: Generator[bytes, None, None]) -> Iterator[bytes]:
    """Compress as we go: each block is flushed so the browser can start playing at once."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    try:
        for block in blocks:
            yield compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
        yield compressor.flush()
    finally:
        blocks.close()  # a viewer who leaves stops the merge now, not at garbage collection


def _accepts_gzip(request: HttpRequest) -> bool:
    accepted = request.headers.get("Accept-Encoding", "")
    return any(part.split(";")[0].strip() == "gzip" for part in accepted.split(","))


@require_GET
def replay_events(request: HttpRequest, replay_id: str) -> HttpResponse:
    # fetch() from the player page wants JSON answers, not a redirect to an HTML login page.
    if not request.user.is_authenticated:
        return _json_error(401, "Your session ended: log in again to load this replay.")
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

    urls = [chunk.url for chunk in detail.chunk_urls]
    try:
        blocks = open_replay_stream(get_api().http, urls, replay_limits())
    except ReplayError as err:
        log.warning(
            "replay %s failed before streaming: %s (%s)", detail.session.id, err, err.detail
        )
        return _json_error(_status_for(err), err.message)

    body = with_error_line(blocks)
    gzip = _accepts_gzip(request)
    response = StreamingHttpResponse(_gzipped(body) if gzip else body, content_type=NDJSON)
    if gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding", "Cookie"])
    response["Cache-Control"] = "private, no-store"
    response["X-Accel-Buffering"] = "no"  # let a fronting nginx pass blocks through as they come
    response["X-Replay-Chunks"] = str(len(urls))
    return response
