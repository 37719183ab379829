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

from .download import download_chunks
from .errors import ReplayError
from .gunzip import check_declared_sizes
from .limits import DEFAULT_LIMITS, ByteBudget, ReplayLimits
from .lines import BLOCK_SIZE, ChunkLines
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
    http: httpx.Client, urls: Iterable[str], limits: ReplayLimits = DEFAULT_LIMITS
) -> Iterator[bytes]:
    """Download a replay's chunks and start merging them; raise `ReplayError` if that fails.

    Returns an iterator of byte blocks whose first block is already produced, so everything up
    to the first bytes of the response (download, sizes, first lines, first block) has succeeded
    when this returns. Closing the iterator (as `StreamingHttpResponse` does) stops the merge.
    """
    blocks = merged_ndjson(download_chunks(http, urls, limits), limits)
    first = next(blocks, None)
    if first is None:
        return iter(())
    return _prepend(first, blocks)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


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
