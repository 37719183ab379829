"""Concurrent, bounded, capped download of a replay's signed chunk URLs.

The chunks are fetched through the process's pooled `httpx.Client` (keep-alive connections are
shared with the API client) with at most `limits.concurrency` in flight. The signed URL is the only
credential: whatever the client would add by default (Authorization, x-api-key, cookies, client
auth) is stripped, and redirects are not followed (a signed link that redirects is an error, so a
chunk can never be fetched from somewhere the API did not name).

Bodies are read raw (`iter_raw`, `Accept-Encoding: identity`): a chunk is gzip by contract, and
letting httpx undo a `Content-Encoding: gzip` header would inflate it outside our caps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

import httpx

from .errors import ChunkFetchError, ReplayTooLarge, chunk_label, human_size
from .limits import DEFAULT_LIMITS, ReplayLimits

ALLOWED_SCHEMES = frozenset({"http", "https"})
# Headers a pooled client might carry for the API and that must never reach storage.
_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "cookie")


class _Shared:
    """What the download threads of one replay share: a stop flag, a deadline, a byte budget."""

    def __init__(self, limits: ReplayLimits) -> None:
        self.stop = threading.Event()
        self.deadline = time.monotonic() + limits.deadline
        self.cap = limits.max_replay_compressed
        self.used = 0
        self._lock = threading.Lock()

    def add(self, n: int) -> bool:
        """Count n more downloaded bytes; False if that goes over the replay-wide cap."""
        with self._lock:
            self.used += n
            return self.used <= self.cap


def download_chunks(
    http: httpx.Client, urls: Iterable[str], limits: ReplayLimits = DEFAULT_LIMITS
) -> list[bytes]:
    """The raw (still gzipped) bodies of `urls`, in the same order; all or nothing.

    Raises `ChunkFetchError` (refused URL, non-200 status, timeout, connection failure, deadline)
    or `ReplayTooLarge` (too many chunks, a body over `max_chunk_compressed`, all bodies over
    `max_replay_compressed`). On the first failure the other downloads are abandoned.
    """
    urls = list(urls)
    total = len(urls)
    if total > limits.max_chunks:
        raise ReplayTooLarge(
            f"The replay has {total} chunks; at most {limits.max_chunks} can be played here.",
            limit="max_chunks",
            cap=limits.max_chunks,
        )
    checked = [_checked_url(url, index, total) for index, url in enumerate(urls)]
    if not checked:
        return []

    shared = _Shared(limits)
    pool = ThreadPoolExecutor(
        max_workers=min(limits.concurrency, total), thread_name_prefix="oakdash-replay-fetch"
    )
    futures: list[Future[bytes | None]] = [
        pool.submit(_fetch, http, url, index, total, limits, shared)
        for index, url in enumerate(checked)
    ]
    try:
        done, not_done = wait(
            futures, timeout=max(shared.deadline - time.monotonic(), 0), return_when=FIRST_EXCEPTION
        )
        for future in futures:  # the lowest-numbered failure, for a stable message
            if future in done and future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        if not_done:
            raise ChunkFetchError(
                f"The replay's chunks took longer than {limits.deadline:g} s to download.",
                detail="deadline",
            )
    except BaseException:
        # Abandon the rest: queued downloads are cancelled, running ones stop at their next read.
        shared.stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [future.result() for future in futures]  # type: ignore[misc]


def _checked_url(url: object, index: int, total: int) -> httpx.URL:
    label = chunk_label(index, total)
    try:
        parsed = httpx.URL(url)  # type: ignore[arg-type]
    except (httpx.InvalidURL, TypeError, ValueError):
        raise ChunkFetchError(f"The link of {label} is not a valid URL.", chunk=index) from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise ChunkFetchError(
            f"The link of {label} is not an http(s) URL; it was not fetched.", chunk=index
        )
    if not parsed.host:
        raise ChunkFetchError(f"The link of {label} has no host; it was not fetched.", chunk=index)
    return parsed


def _fetch(
    http: httpx.Client,
    url: httpx.URL,
    index: int,
    total: int,
    limits: ReplayLimits,
    shared: _Shared,
) -> bytes | None:
    """One chunk's body, or None if the download was abandoned because another one failed."""
    if shared.stop.is_set():
        return None
    label = chunk_label(index, total)
    request = http.build_request("GET", url, timeout=httpx.Timeout(limits.timeout))
    for name in _CREDENTIAL_HEADERS:
        if name in request.headers:
            del request.headers[name]
    request.headers["Accept-Encoding"] = "identity"
    try:
        # auth=None: not even a client-level auth flow; the signed URL is the credential.
        response = http.send(request, stream=True, auth=None, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise _transport_error(exc, label, index) from None
    try:
        if response.status_code != 200:
            raise _status_error(response.status_code, label, index)
        cap = limits.max_chunk_compressed
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _too_large(label, index, cap)
        pieces: list[bytes] = []
        size = 0
        # An in-process transport may hand back a body it has already read (httpx does that for
        # in-memory content); its stream still yields the raw bytes, as `iter_raw` would.
        raw = response.stream if response.is_stream_consumed else response.iter_raw()
        for piece in raw:
            size += len(piece)
            if size > cap:
                raise _too_large(label, index, cap)
            if not shared.add(len(piece)):
                raise ReplayTooLarge(
                    f"The replay's chunks are larger than the "
                    f"{human_size(shared.cap)} download limit.",
                    chunk=index,
                    limit="max_replay_compressed",
                    cap=shared.cap,
                )
            if shared.stop.is_set():
                return None
            if time.monotonic() > shared.deadline:
                raise ChunkFetchError(
                    f"{label} took longer than {limits.deadline:g} s to download.",
                    chunk=index,
                    detail="deadline",
                )
            pieces.append(piece)
    except httpx.HTTPError as exc:
        raise _transport_error(exc, label, index) from None
    finally:
        response.close()
    return b"".join(pieces)


def _too_large(label: str, index: int, cap: int) -> ReplayTooLarge:
    return ReplayTooLarge(
        f"{label} is larger than the {human_size(cap)} download limit.",
        chunk=index,
        limit="max_chunk_compressed",
        cap=cap,
    )


def _status_error(status: int, label: str, index: int) -> ChunkFetchError:
    if status == 403:
        why = (
            "was refused (HTTP 403): its signed link has probably expired. "
            "Reload the replay to get fresh links"
        )
    elif status in (404, 410):
        why = f"was not found in storage (HTTP {status})"
    elif 300 <= status < 400:
        why = f"answered with a redirect (HTTP {status}), which is not followed"
    elif status == 429:
        why = "was refused because of too many requests (HTTP 429); try again shortly"
    elif status >= 500:
        why = f"could not be read: the storage failed (HTTP {status}); try again shortly"
    else:
        why = f"could not be downloaded (HTTP {status})"
    return ChunkFetchError(f"{label} {why}.", chunk=index, status=status)


def _transport_error(exc: httpx.HTTPError, label: str, index: int) -> ChunkFetchError:
    # The exception's text and .request carry the signed URL: keep only its class name.
    if isinstance(exc, httpx.TimeoutException):
        why = "timed out"
    elif isinstance(exc, httpx.ConnectError):
        why = "could not be downloaded: the storage server could not be reached"
    else:
        why = "could not be downloaded: the connection failed"
    return ChunkFetchError(f"{label} {why}.", chunk=index, detail=type(exc).__name__)
