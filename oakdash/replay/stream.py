"""The pipeline's entry points: merge downloaded chunks into one NDJSON byte stream.

Errors are raised as early as they can be known, so a view can still answer with an error page:
`merged_ndjson` checks every chunk's declared size and validates every chunk's first block before
it returns, and `open_replay_stream` also produces the first output block before it returns.
Whatever goes wrong after that is raised by the iterator, mid-stream; `with_error_line` turns it
into the stream's last line, `{"error": "..."}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

import httpx

from .download import DownloadStats, Refresh, download_chunks
from .errors import ReplayError
from .gunzip import check_declared_sizes
from .limits import DEFAULT_LIMITS, ByteBudget, ReplayLimits
from .lines import BLOCK_SIZE, ChunkLines
from .memory import MemoryBudget, Reservation
from .merge import OUTPUT_BLOCK, merge_chunks

# Enough to reach the first newline of almost any chunk without inflating much of each one.
_PROBE_BLOCK = 16 * 1024


def merged_ndjson(
    chunks: Sequence[bytes],
    limits: ReplayLimits = DEFAULT_LIMITS,
    *,
    block_size: int = BLOCK_SIZE,
    output_block: int = OUTPUT_BLOCK,
) -> Iterator[bytes]:
    """The lines of all `chunks` (gzipped NDJSON), merged by timestamp, as blocks of bytes.

    Each yielded block is one or more complete lines, each ending in b"\\n", at least 64 KiB
    except the last. Raises `ChunkDecodeError`/`ReplayTooLarge` right away for a chunk whose
    trailer declares too much or whose first block is bad; the iterator raises them mid-way for
    problems found later. Lines are passed through byte for byte (LF line ends, no blank lines).

    `block_size` (decompressed bytes read at a time) and `output_block` (the least bytes per
    yielded block) are tuning knobs; tests make them tiny to exercise every boundary.
    """
    chunks = list(chunks)
    check_declared_sizes(chunks, limits)
    total = len(chunks)
    firsts: list[tuple[int | float, int]] = []
    for index, data in enumerate(chunks):
        # Find each chunk's first timestamp, then forget the probe: the merge opens the chunk
        # again when it gets there, so a chunk not yet reached costs no memory but its bytes.
        probe = ChunkLines(data, index=index, total=total, limits=limits, block_size=_PROBE_BLOCK)
        block = probe.next_block()
        if block is not None:
            firsts.append((block.first, index))
    return merge_chunks(
        chunks,
        firsts,
        limits,
        ByteBudget(limits.max_replay_bytes),
        block_size=block_size,
        output_block=output_block,
    )


def open_replay_stream(
    http: httpx.Client,
    urls: Iterable[str],
    limits: ReplayLimits = DEFAULT_LIMITS,
    *,
    refresh: Refresh | None = None,
    memory: MemoryBudget | None = None,
) -> ReplayStream:
    """Download a replay's chunks and start merging them; raise `ReplayError` if that fails.

    Returns a `ReplayStream` whose first block is already produced, so everything up to the
    first bytes of the response (download, retries, a link refresh, sizes, first lines, first
    block) has succeeded when this returns. `refresh` and `memory`: see `download_chunks`; the
    memory is held until the stream is closed (as `StreamingHttpResponse` does) or ends.
    """
    reservation = memory.reservation() if memory is not None else None
    stats = DownloadStats()
    try:
        chunks = download_chunks(
            http, urls, limits, refresh=refresh, memory=reservation, stats=stats
        )
        blocks = merged_ndjson(chunks, limits)
        first = next(blocks, None)
    except BaseException:
        if reservation is not None:
            reservation.release()
        raise
    return ReplayStream(first, blocks, reservation, stats, len(chunks))


class ReplayStream(Iterator[bytes]):
    """The merged NDJSON blocks of one replay, the first one already made.

    `.chunks` (how many), `.stats` (`DownloadStats`: retries, refreshes). `close()` stops the
    merge and gives back the memory the chunks held; ending or failing does too.
    """

    def __init__(
        self,
        first: bytes | None,
        rest: Iterator[bytes],
        reservation: Reservation | None,
        stats: DownloadStats,
        chunks: int,
    ) -> None:
        self._first = first
        self._rest = rest
        self._reservation = reservation
        self.stats = stats
        self.chunks = chunks
        if first is None:
            self.close()

    def __next__(self) -> bytes:
        first = self._first
        if first is not None:
            self._first = None
            return first
        try:
            return next(self._rest)
        except BaseException:  # the end (StopIteration) or a failure: either way, done
            self.close()
            raise

    def close(self) -> None:
        self._first = None
        close = getattr(self._rest, "close", None)
        if close is not None:
            close()
        self._rest = iter(())
        if self._reservation is not None:
            self._reservation.release()


def error_line(error: ReplayError | str) -> bytes:
    """The NDJSON line that ends a stream which failed mid-way: {"error": "..."}."""
    message = error.message if isinstance(error, ReplayError) else error
    return json.dumps({"error": message}).encode() + b"\n"


def with_error_line(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """Pass `blocks` through; if they fail mid-way, end with an `{"error": ...}` line instead.

    A `ReplayError` becomes its message. Any other exception (a bug) becomes a generic message
    and is then re-raised, so the server still logs it.
    """
    try:
        yield from blocks
    except ReplayError as exc:
        yield error_line(exc)
    except Exception:
        yield error_line("The replay stream failed unexpectedly.")
        raise
