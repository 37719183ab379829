"""Concurrent, bounded, capped download of a replay's signed chunk URLs, as storage behaves.

The chunks are fetched with at most `limits.concurrency` in flight, through the storage client
(`oakdash.replay.storage`: its own pool, every connection vetted against the chunk host policy).
The signed URL is the only credential: whatever a client would add by default (Authorization,
x-api-key, cookies, client auth) is stripped, and redirects are not followed (a signed link that
redirects is an error, so a chunk is only ever fetched from where the API said).

What real object storage does, and what happens here:

* Encodings. Storage is asked for `Accept-Encoding: gzip` and the body is read raw (`iter_raw`),
  so nothing is inflated outside the caps. What the body is, is decided by its bytes, not by its
  headers (`gunzip.open_reader`): gzip with or without `Content-Encoding: gzip`, NDJSON already
  decoded (Google Cloud Storage's decompressive transcoding), or one extra gzip layer a CDN put
  over a `.gz` object (peeled here, capped).
* Transient failures (500, 502, 503, 504, a connection reset, a read timeout) are retried, up to
  `limits.attempts` tries, after a jittered exponential backoff or the `Retry-After` storage
  asked for, never past `limits.deadline`. Any other 4xx is final. A connection that cannot be
  made at all is final too, with one text for every cause (refused address, closed port, unknown
  name): retrying only some of them would tell them apart.
* An expired link (a 403 or 400 whose body says so: S3's 403 "Request has expired", GCS's 400
  `ExpiredToken`, the demo's 403 "signed URL has expired") makes the download ask `refresh()`
  once for a fresh list of URLs and go on with the chunks it has not got yet; a second expiry
  is final.

Messages name the chunk and the cause ("chunk 3 of 12: storage is overloaded (HTTP 503), tried 3
times.") and never the URL. Retries are logged with the URL's host and path only (the query
string is the signature) and counted in `DownloadStats`.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from . import codec
from .errors import ChunkFetchError, ReplayError, ReplayTooLarge, chunk_label, human_size
from .gunzip import GZIP_MAGIC, peel_extra_layer
from .limits import DEFAULT_LIMITS, ReplayLimits
from .memory import Reservation
from .storage import StorageClient

log = logging.getLogger("oakdash.replay.download")

ALLOWED_SCHEMES = frozenset({"http", "https"})
# Headers a client might carry for the API and that must never reach storage.
_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "cookie")
RETRY_STATUSES = frozenset({500, 502, 503, 504})
_ERROR_PEEK = 4096  # bytes of an error body read to tell an expired link from another 403

Refresh = Callable[[], Iterable[str]]


@dataclass
class DownloadStats:
    """What one download had to do beyond the plain case (for logs, headers and benchmarks)."""

    retries: int = 0
    refreshes: int = 0


class _Transient(Exception):
    """A failure worth another try: a 5xx, a reset connection, a read timeout."""

    def __init__(
        self,
        why: str,
        *,
        status: int | None = None,
        timed_out: bool = False,
        retry_after: float | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(why)
        self.why = why
        self.status = status
        self.timed_out = timed_out
        self.retry_after = retry_after
        self.detail = detail

    def final(self, label: str, index: int, tries: int) -> ChunkFetchError:
        times = "once" if tries == 1 else f"{tries} times"
        return ChunkFetchError(
            f"{label}: {self.why}, tried {times}.",
            chunk=index,
            status=self.status,
            detail=self.detail,
            timed_out=self.timed_out,
            attempts=tries,
        )


class _Expired(Exception):
    """Storage said the signed link has expired."""


class _Shared:
    """What the download threads of one replay share: stop flag, deadline, byte budgets, stats."""

    def __init__(
        self, limits: ReplayLimits, memory: Reservation | None, stats: DownloadStats
    ) -> None:
        self.stop = threading.Event()
        self.deadline = time.monotonic() + limits.deadline
        self.cap = limits.max_replay_compressed
        self.used = 0
        self.memory = memory
        self.stats = stats
        self._lock = threading.Lock()

    def add(self, n: int, index: int) -> None:
        """Count n more held bytes, or raise (replay-wide cap, process memory budget)."""
        with self._lock:
            if self.used + n > self.cap:
                raise ReplayTooLarge(
                    f"The replay's chunks are larger than the "
                    f"{human_size(self.cap)} download limit.",
                    chunk=index,
                    limit="max_replay_compressed",
                    cap=self.cap,
                )
            self.used += n
        if self.memory is not None:
            try:
                self.memory.add(n)
            except ReplayError:
                with self._lock:
                    self.used -= n
                raise

    def remove(self, n: int) -> None:
        with self._lock:
            self.used -= n
        if self.memory is not None:
            self.memory.remove(n)

    def retried(self) -> None:
        with self._lock:
            self.stats.retries += 1

    def pause(self, seconds: float) -> bool:
        """Wait before a retry; True if the download was abandoned meanwhile."""
        return self.stop.wait(seconds)


class _Links:
    """The chunk URLs, and the one refresh of them allowed when a link has expired."""

    def __init__(self, urls: list[httpx.URL], refresh: Refresh | None, policy) -> None:
        self.urls = urls
        self.generation = 0
        self._refresh = refresh
        self._tried = False
        self._policy = policy
        self._lock = threading.Lock()

    def get(self, index: int) -> tuple[httpx.URL, int]:
        with self._lock:
            return self.urls[index], self.generation

    def renew(self, index: int, generation: int, shared: _Shared) -> None:
        """Fresh links after chunk `index` expired with links of `generation`, or raise."""
        total = len(self.urls)
        label = chunk_label(index, total)
        with self._lock:
            if self.generation > generation:
                return  # another chunk already fetched fresh links
            if self._refresh is None or self._tried:
                again = ", and so did a fresh one" if self.generation else ""
                raise ChunkFetchError(
                    f"{label}: storage refused: the link expired{again}.",
                    chunk=index,
                    status=403,
                    expired=True,
                )
            log.info("replay %s: the signed link expired; asking the API for fresh links", label)
            self._tried = True  # once, whatever comes of it
            try:
                fresh = list(self._refresh())
            except ReplayError:
                raise
            except Exception as exc:  # the API failed: say so, keep its class for the log
                raise ChunkFetchError(
                    f"{label}: storage refused: the link expired, and fresh links could not be "
                    "had from OakData.",
                    chunk=index,
                    status=403,
                    expired=True,
                    detail=type(exc).__name__,
                ) from None
            if len(fresh) != total:
                raise ChunkFetchError(
                    "The replay changed while it was loading: reload the page.", chunk=index
                )
            self.urls = [_checked_url(url, i, total, self._policy) for i, url in enumerate(fresh)]
            self.generation += 1
            with shared._lock:
                shared.stats.refreshes += 1


def download_chunks(
    http: httpx.Client,
    urls: Iterable[str],
    limits: ReplayLimits = DEFAULT_LIMITS,
    *,
    refresh: Refresh | None = None,
    memory: Reservation | None = None,
    stats: DownloadStats | None = None,
) -> list[bytes]:
    """The bodies of `urls` (gzip or NDJSON, see `gunzip.open_reader`), in order; all or nothing.

    `refresh()`, if given, returns a fresh list of the same URLs (the view asks the API again);
    it is called at most once, when a link has expired. `memory` counts the held bytes against
    the process-wide budget (released here if the download fails, else by the caller when it
    drops the chunks). `stats`, if
    given, receives the retry and refresh counts.

    Raises `ChunkFetchError` (refused URL, HTTP error, timeout, connection failure, deadline),
    `ReplayTooLarge` (too many chunks, a body over its cap, all bodies over
    `max_replay_compressed`) or `ReplayBusy` (the process's memory budget is taken by other
    replays). On the first failure the other downloads are abandoned.
    """
    urls = list(urls)
    total = len(urls)
    if total > limits.max_chunks:
        raise ReplayTooLarge(
            f"The replay has {total} chunks; at most {limits.max_chunks} can be played here.",
            limit="max_chunks",
            cap=limits.max_chunks,
        )
    policy = http.policy if isinstance(http, StorageClient) else None
    checked = [_checked_url(url, index, total, policy) for index, url in enumerate(urls)]
    if not checked:
        return []

    shared = _Shared(limits, memory, stats if stats is not None else DownloadStats())
    links = _Links(checked, refresh, policy)
    pool = ThreadPoolExecutor(
        max_workers=min(limits.concurrency, total), thread_name_prefix="oakdash-replay-fetch"
    )
    futures: list[Future[bytes | None]] = [
        pool.submit(_fetch, http, links, index, total, limits, shared) for index in range(total)
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
        if memory is not None:
            memory.release()  # all or nothing: nothing is kept, so nothing stays counted
        raise
    pool.shutdown(wait=True)
    return [future.result() for future in futures]  # type: ignore[misc]


def _unreachable(label: str, index: int, detail: str | None = None) -> ChunkFetchError:
    # The one text for every connection that was refused or could not be made.
    return ChunkFetchError(f"{label}: storage could not be reached.", chunk=index, detail=detail)


def _checked_url(url: object, index: int, total: int, policy) -> httpx.URL:
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
    if policy is not None and not policy.url_allowed(parsed):
        log.warning("replay %s: host %s refused by the chunk host policy", label, parsed.host)
        raise _unreachable(label, index, "refused")
    return parsed


def _fetch(
    http: httpx.Client,
    links: _Links,
    index: int,
    total: int,
    limits: ReplayLimits,
    shared: _Shared,
) -> bytes | None:
    """One chunk's body, or None if the download was abandoned because another one failed."""
    label = chunk_label(index, total)
    tries = 0
    while not shared.stop.is_set():
        url, generation = links.get(index)
        tries += 1
        expired = False
        try:
            return _fetch_once(http, url, index, total, limits, shared)
        except _Expired:
            expired = True  # renewed below, outside the handler: no exception context to carry
        except _Transient as failure:
            if tries >= limits.attempts:
                raise failure.final(label, index, tries) from None
            delay = limits.backoff * 2 ** (tries - 1) * (0.5 + random.random() / 2)
            if failure.retry_after is not None:
                delay = max(delay, failure.retry_after)
            if time.monotonic() + delay >= shared.deadline:
                raise failure.final(label, index, tries) from None
            log.info(
                "replay %s: %s; retrying in %.2f s (try %d of %d) %s%s",
                label,
                failure.why,
                delay,
                tries + 1,
                limits.attempts,
                url.host,
                url.path,  # never the query string: it is the signature
            )
            shared.retried()
            if shared.pause(delay):
                return None
        if expired:
            tries -= 1  # not the storage failing: the next try is with a fresh link
            links.renew(index, generation, shared)
    return None


def _fetch_once(
    http: httpx.Client,
    url: httpx.URL,
    index: int,
    total: int,
    limits: ReplayLimits,
    shared: _Shared,
) -> bytes | None:
    label = chunk_label(index, total)
    request = http.build_request("GET", url, timeout=httpx.Timeout(limits.timeout))
    for name in _CREDENTIAL_HEADERS:
        if name in request.headers:
            del request.headers[name]
    request.headers["Accept-Encoding"] = "gzip"
    try:
        # auth=None: not even a client-level auth flow; the signed URL is the credential.
        response = http.send(request, stream=True, auth=None, follow_redirects=False)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
        raise _unreachable(label, index, type(exc).__name__) from None
    except httpx.HTTPError as exc:
        raise _transient(exc) from None
    held = 0  # bytes counted in `shared` by this try: given back if it fails
    try:
        status = response.status_code
        if status != 200:
            raise _status_failure(response, label, index)
        body, held = _read_body(response, label, index, limits, shared)
        if body is None:
            return None
        inner = peel_extra_layer(
            body, index=index, total=total, max_bytes=limits.max_chunk_compressed
        )
        if inner is not body:
            shared.add(len(inner), index)
            held += len(inner)
            shared.remove(len(body))
            held -= len(body)
        held = 0  # kept: the caller holds the chunk now
        return inner
    except httpx.HTTPError as exc:
        raise _transient(exc) from None
    finally:
        response.close()
        if held:
            shared.remove(held)


def _read_body(
    response: httpx.Response,
    label: str,
    index: int,
    limits: ReplayLimits,
    shared: _Shared,
) -> tuple[bytes | None, int]:
    """The raw body under its caps and the deadline, and the bytes counted for it."""
    declared = response.headers.get("content-length", "")
    declared_size = int(declared) if declared.isdigit() else None
    largest = max(limits.max_chunk_compressed, limits.max_chunk_bytes)
    if declared_size is not None and declared_size > largest:
        raise _too_large(label, index, limits.max_chunk_compressed)
    pieces: list[bytes] = []
    size = 0
    cap: int | None = None  # known once the first bytes say what the body is
    # An in-process transport may hand back a body it has already read (httpx does that for
    # in-memory content); its stream still yields the raw bytes, as `iter_raw` would.
    raw = response.stream if response.is_stream_consumed else response.iter_raw()
    try:
        for piece in raw:
            if not piece:
                continue
            if cap is None:
                cap = _cap_for(piece, limits)
                if declared_size is not None and declared_size > cap:
                    raise _too_large(label, index, cap)
            if size + len(piece) > cap:
                raise _too_large(label, index, cap)
            shared.add(len(piece), index)
            size += len(piece)
            if shared.stop.is_set():
                return None, size
            if time.monotonic() > shared.deadline:
                raise ChunkFetchError(
                    f"{label} took longer than {limits.deadline:g} s to download.",
                    chunk=index,
                    detail="deadline",
                )
            pieces.append(piece)
    except BaseException:
        shared.remove(size)
        raise
    return b"".join(pieces), size


def _cap_for(first: bytes, limits: ReplayLimits) -> int:
    """A body that starts as NDJSON is already decoded: it may be as large as a decoded chunk."""
    if first[:2] != GZIP_MAGIC and first.lstrip()[:1] == b"{":
        return limits.max_chunk_bytes
    return limits.max_chunk_compressed


def _too_large(label: str, index: int, cap: int) -> ReplayTooLarge:
    return ReplayTooLarge(
        f"{label} is larger than the {human_size(cap)} download limit.",
        chunk=index,
        limit="max_chunk_compressed",
        cap=cap,
    )


def _transient(exc: httpx.HTTPError) -> _Transient:
    # The exception's text and .request carry the signed URL: keep only its class name.
    if isinstance(exc, httpx.TimeoutException):
        return _Transient(
            "storage did not answer in time", timed_out=True, detail=type(exc).__name__
        )
    return _Transient("the connection to storage failed", detail=type(exc).__name__)


def _status_failure(response: httpx.Response, label: str, index: int) -> Exception:
    status = response.status_code
    if status in RETRY_STATUSES:
        why = "storage is overloaded" if status == 503 else "storage failed"
        return _Transient(
            f"{why} (HTTP {status})", status=status, retry_after=_retry_after(response)
        )
    # S3 (and R2) say 403 "Request has expired", GCS 400 "ExpiredToken", the demo 403 "signed
    # URL has expired": the status alone cannot tell an expired link, its body can.
    if status in (400, 403) and b"expired" in _peek(response).lower():
        return _Expired()
    if status == 403:
        why = "storage refused access (HTTP 403)"
    elif status in (404, 410):
        why = f"not found in storage (HTTP {status})"
    elif 300 <= status < 400:
        why = f"storage answered with a redirect (HTTP {status}), which is not followed"
    elif status == 429:
        why = "storage refused: too many requests (HTTP 429); try again shortly"
    else:
        why = f"storage answered HTTP {status}"
    return ChunkFetchError(f"{label}: {why}.", chunk=index, status=status)


def _peek(response: httpx.Response) -> bytes:
    """The start of an error body (S3 and GCS answer XML), inflated if it came gzipped."""
    data = b""
    try:
        raw = response.stream if response.is_stream_consumed else response.iter_raw()
        for piece in raw:
            data += piece
            if len(data) >= _ERROR_PEEK:
                break
    except httpx.HTTPError:
        pass
    if data[:2] == GZIP_MAGIC:
        deflate = codec.DEFLATE
        try:
            data = deflate.inflater().decompress(data, _ERROR_PEEK)
        except deflate.error:
            return b""
    return data[:_ERROR_PEEK]


def _retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (a number or an HTTP date), if storage sent one."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(min(int(value), 86_400))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
