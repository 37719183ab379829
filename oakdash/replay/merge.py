"""The k-way merge of chunks' lines by timestamp, block by block.

The order produced is the stable sort of all lines by `timestamp`, ties broken by (chunk position,
line position): the rule that rebuilds a recording's `events.json` from its chunks. Each chunk is
assumed to be in timestamp order already (the API's contract, and what every recorder writes). An
out-of-order chunk is not detected (that would cost a pass over every timestamp): its lines all
still come out exactly once, in an order only as sorted as the input allows.

How, cheaply
------------
A chunk is dormant until the merge reaches its first timestamp (so only the chunks overlapping the
current moment hold a decompressor and a block: memory does not grow with the replay's length),
then active, holding one `LineBlock`. Each round:

1. The bound is the smallest (last timestamp of an active block, chunk) or (first timestamp of a
   dormant chunk, chunk). Every line ordered before or at it can be emitted now: nothing later
   can sort before it.
2. Each active chunk contributes the lines up to the bound: its whole block if it set the bound,
   else a prefix found by binary search.
3. One contributor (chunks that do not overlap, the usual case): its bytes go out as they are, a
   whole decompressed block at a time. Several (overlapping chunks): their lines are sorted
   together by timestamp - a C-level, stable sort of already-sorted runs (timsort merges them with
   galloping), in chunk order, so ties keep (chunk, line) order.

Each round uses up at least one block or wakes one dormant chunk, so the Python-level work is per
block, not per line, unless chunks overlap.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence

from .limits import ByteBudget, ReplayLimits
from .lines import BLOCK_SIZE, ChunkLines, LineBlock, tail_key

OUTPUT_BLOCK = 64 * 1024  # yield at least this much at a time (except the end of the stream)


class _Cursor:
    """An active chunk: its lines source, the current block and the next line in it."""

    __slots__ = ("block", "index", "pos", "source")

    def __init__(self, index: int, source: ChunkLines, block: LineBlock) -> None:
        self.index = index
        self.source = source
        self.block = block
        self.pos = 0  # index of the next line to emit in `block`


def merge_chunks(
    chunks: Sequence[bytes],
    firsts: list[tuple[int | float, int]],
    limits: ReplayLimits,
    budget: ByteBudget | None = None,
    *,
    block_size: int = BLOCK_SIZE,
    output_block: int = OUTPUT_BLOCK,
) -> Iterator[bytes]:
    """Yield the merged lines of `chunks` in blocks of complete lines.

    `firsts` holds (first timestamp, chunk index) for every chunk that has at least one line.
    """
    total = len(chunks)
    dormant = list(firsts)
    heapq.heapify(dormant)
    active: list[_Cursor] = []  # kept in chunk order: the sort of a round relies on it
    pending: list[bytes] = []
    pending_size = 0

    while active or dormant:
        # 1. The bound.
        bound: tuple[int | float, int] | None = None
        for cursor in active:
            key = (cursor.block.last, cursor.index)
            if bound is None or key < bound:
                bound = key
        from_dormant = bool(dormant) and (bound is None or dormant[0] < bound)
        if from_dormant:
            bound = dormant[0]
        assert bound is not None
        bound_t, bound_j = bound

        # 2. What each active chunk contributes: (cursor, end line or None for the whole rest).
        parts: list[tuple[_Cursor, int | None]] = []
        for cursor in active:
            if cursor.index == bound_j:  # only an active chunk can be bound_j here
                parts.append((cursor, None))
                continue
            stop = cursor.block.bisect(bound_t, cursor.pos, right=cursor.index < bound_j)
            if stop > cursor.pos:
                parts.append((cursor, stop))

        # 3. Emit.
        if len(parts) == 1:
            cursor, end = parts[0]
            if end is None and cursor.pos == 0:
                piece = cursor.block.data  # the whole block, untouched: no copy
            else:
                piece = b"\n".join(cursor.block.lines()[cursor.pos : end]) + b"\n"
        elif parts:
            piece = _sort_merge(parts)
        else:
            piece = b""
        if piece:
            pending.append(piece)
            pending_size += len(piece)
            if pending_size >= output_block:
                yield pending[0] if len(pending) == 1 else b"".join(pending)
                pending = []
                pending_size = 0

        # Advance: a used-up block is replaced by the chunk's next one. (`end` reaches the end of
        # the block only if the chunk is not sorted: its `last` was not its largest timestamp.)
        for cursor, end in parts:
            if end is None or end == len(cursor.block.lines()):
                block = cursor.source.next_block()
                if block is None:
                    active.remove(cursor)
                else:
                    cursor.block = block
                    cursor.pos = 0
            else:
                cursor.pos = end
        if from_dormant:
            _, index = heapq.heappop(dormant)
            source = ChunkLines(
                chunks[index],
                index=index,
                total=total,
                limits=limits,
                budget=budget,
                block_size=block_size,
            )
            block = source.next_block()
            if block is not None:  # it had a first line when primed, so it has one now
                active.append(_Cursor(index, source, block))
                active.sort(key=_by_index)

    if pending:
        yield b"".join(pending)


def _by_index(cursor: _Cursor) -> int:
    return cursor.index


def _sort_merge(parts: list[tuple[_Cursor, int | None]]) -> bytes:
    """The contributed lines of several chunks, stably sorted by timestamp, as bytes."""
    widths = {cursor.block.width for cursor, _ in parts}
    lines: list[bytes] = []
    if len(widths) == 1 and 0 not in widths:
        # Same-width digit timestamps: sort the lines themselves by their last w+1 bytes.
        for cursor, end in parts:
            lines += cursor.block.lines()[cursor.pos : end]
        lines.sort(key=tail_key(widths.pop()))
    else:
        keys: list[int | float] = []
        for cursor, end in parts:
            lines += cursor.block.lines()[cursor.pos : end]
            keys += cursor.block.keys()[cursor.pos : end]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        lines = [lines[i] for i in order]
    lines.append(b"")
    return b"\n".join(lines)
