"""Streaming gunzip of one in-memory chunk, with caps on what it may inflate to.

The one place that decompresses: `open_reader(data, ...)` is what the rest of the pipeline reads
a chunk through, and `peel_extra_layer` undoes a transfer encoding stacked over a gzip chunk.

`GzipReader(data, ...).read(n)` returns the next at most `n` decompressed bytes, and b"" once the
stream has ended cleanly. It never holds more than one block of output: the merge pulls blocks
lazily, so a replay's memory is its compressed chunks plus a block per chunk in play.

Storage may also hand a chunk over already decoded (Google Cloud Storage's decompressive
transcoding serves an object stored with `Content-Encoding: gzip` as plain NDJSON to a client
that does not take gzip): `open_reader` decides by the bytes, never by headers - the gzip magic
means gzip, a first `{` means NDJSON (`PlainReader`, the same caps), anything else is an error.

What it guarantees:
* caps: `decompressobj().decompress(data, max_length)` (zlib's or ISA-L's, whichever
  `codec.DEFLATE` is) is never allowed to produce more than one byte past a cap, so a gzip
  bomb fails after inflating about `cap` bytes, in time proportional to the cap, not the bomb;
* multi-member gzip (concatenated `.gz` files) is one stream, as with `gzip -dc`;
* a stream that stops before its end-of-stream marker is an error (truncated), and so are bytes
  after the last member that are not another member. NUL padding after the last member is
  ignored, as `gzip` and Python's `gzip` module do;
* the CRC-32 and length checks of each member are verified (by zlib or ISA-L alike).
"""

from __future__ import annotations

from . import codec
from .errors import ChunkDecodeError, ReplayTooLarge, chunk_label, human_size
from .limits import ByteBudget

GZIP_MAGIC = b"\x1f\x8b"
# How much compressed input is handed to zlib per call. zlib keeps what it could not use (because
# of max_length) in `unconsumed_tail`, which is a copy: feeding small slices keeps that copy small
# instead of re-copying the rest of a multi-MB chunk on every block.
_INPUT_STEP = 64 * 1024


class _CappedReader:
    """What both readers share: the caps on bytes produced, per chunk and replay-wide."""

    __slots__ = ("_budget", "_max_bytes", "index", "produced", "total")

    def __init__(
        self,
        data: bytes,
        *,
        index: int = 0,
        total: int = 1,
        max_bytes: int,
        budget: ByteBudget | None = None,
    ) -> None:
        self._max_bytes = max_bytes
        self._budget = budget
        self.index = index
        self.total = total
        self.produced = 0  # decompressed bytes returned so far
        self._start(data)

    def _start(self, data: bytes) -> None:
        raise NotImplementedError

    def _account(self, n: int) -> None:
        self.produced += n
        if self.produced > self._max_bytes:
            raise ReplayTooLarge(
                f"{chunk_label(self.index, self.total)} is larger than the "
                f"{human_size(self._max_bytes)} limit once decompressed.",
                chunk=self.index,
                limit="max_chunk_bytes",
                cap=self._max_bytes,
            )
        budget = self._budget
        if budget is not None:
            budget.used += n
            if budget.used > budget.cap:
                raise ReplayTooLarge(
                    f"The replay is larger than the {human_size(budget.cap)} limit once "
                    "decompressed.",
                    chunk=self.index,
                    limit="max_replay_bytes",
                    cap=budget.cap,
                )


class GzipReader(_CappedReader):
    """Decompress `data` (one chunk, gzip) block by block under `max_bytes` and `budget`.

    `budget`, when given, is the replay-wide decompressed-bytes counter shared by every chunk;
    `max_bytes` caps this chunk alone. `index` and `total` only name the chunk in errors.
    """

    __slots__ = ("_decomp", "_deflate", "_done", "_in_pos", "_mv")

    def _start(self, data: bytes) -> None:
        self._mv = memoryview(data)
        self._in_pos = 0  # the next compressed byte not yet handed to zlib
        self._deflate = codec.DEFLATE  # the implementation, fixed for this chunk
        self._decomp = self._deflate.inflater()
        self._done = False
        if not data:
            raise self._damaged("is empty (no gzip data)")

    def read(self, size: int) -> bytes:
        """Up to `size` (> 0) decompressed bytes; b"" when the stream ended cleanly."""
        while not self._done:
            decomp = self._decomp
            if decomp.eof:
                self._next_member()
                continue
            if decomp.unconsumed_tail:
                src = decomp.unconsumed_tail
            elif self._in_pos < len(self._mv):
                src = self._mv[self._in_pos : self._in_pos + _INPUT_STEP]
                self._in_pos += len(src)
            else:
                # All input handed over: zlib may still hold output of the last block.
                src = b""
            allowed = min(size, self._max_bytes - self.produced + 1)
            budget = self._budget
            if budget is not None:
                allowed = min(allowed, budget.remaining + 1)
            try:
                out = decomp.decompress(src, allowed)
            except self._deflate.error:
                raise self._damaged("is not valid gzip data (corrupt)") from None
            if out:
                self._account(len(out))
                return out
            if not src and not decomp.eof:
                raise self._damaged("is cut short (the gzip stream is truncated)")
        return b""

    def _next_member(self) -> None:
        """The current gzip member ended: start the next one, or finish."""
        # zlib returns the bytes after the end of the member (from the slice it was given) as
        # unused_data; everything from there on was not part of this member.
        start = self._in_pos - len(self._decomp.unused_data)
        rest = self._mv[start:]
        if not rest:
            self._done = True
        elif rest[:2] == GZIP_MAGIC:
            self._decomp = self._deflate.inflater()
            self._in_pos = start
        elif not rest.tobytes().strip(b"\0"):
            self._done = True  # NUL padding (tape blocks, some storage layers): not data
        else:
            raise self._damaged("has unexpected bytes after the end of its gzip data")

    def _damaged(self, what: str) -> ChunkDecodeError:
        return ChunkDecodeError(f"{chunk_label(self.index, self.total)} {what}.", chunk=self.index)


class PlainReader(_CappedReader):
    """A chunk that is already NDJSON, read block by block under the same caps as `GzipReader`."""

    __slots__ = ("_data",)

    def _start(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int) -> bytes:
        """Up to `size` (> 0) bytes; b"" at the end."""
        start = self.produced
        out = self._data[start : start + size]
        if out:
            self._account(len(out))
        return out


ChunkReader = GzipReader | PlainReader


def chunk_kind(data: bytes) -> str:
    """'gzip', 'ndjson', 'empty' or 'unknown', from the bytes alone (never from headers)."""
    if not data:
        return "empty"
    if data[:2] == GZIP_MAGIC:
        return "gzip"
    if data[:64].lstrip(b" \t\r\n")[:1] == b"{":
        return "ndjson"
    return "unknown"


def open_reader(
    data: bytes,
    *,
    index: int = 0,
    total: int = 1,
    max_bytes: int,
    budget: ByteBudget | None = None,
) -> ChunkReader:
    """A capped reader of one chunk's NDJSON, whether the chunk is gzip or already NDJSON."""
    kind = chunk_kind(data)
    if kind == "ndjson":
        return PlainReader(data, index=index, total=total, max_bytes=max_bytes, budget=budget)
    if kind == "unknown":
        raise ChunkDecodeError(
            f"{chunk_label(index, total)} is neither gzip nor NDJSON data.", chunk=index
        )
    return GzipReader(data, index=index, total=total, max_bytes=max_bytes, budget=budget)


def peel_extra_layer(data: bytes, *, index: int = 0, total: int = 1, max_bytes: int) -> bytes:
    """`data` without one extra gzip layer, if it has one; else `data` itself.

    A CDN or proxy may gzip a response whose body is already a `.gz` object, and storage may
    label a gzip object `Content-Encoding: gzip`: read raw, both arrive as gzip bytes, and only
    the first needs undoing. Decided by the bytes: a gzip stream whose content starts with the
    gzip magic again is a layer over a chunk. One layer at most is peeled (a chunk under two
    extra layers fails as damaged), and the peeled chunk may be at most `max_bytes` (the
    compressed-size cap), so a bomb in the outer layer stops there.
    """
    if data[:2] != GZIP_MAGIC:
        return data
    deflate = codec.DEFLATE
    try:
        head = deflate.inflater().decompress(data[:_INPUT_STEP], 2)
    except deflate.error:
        return data  # let the reader report the damage with its usual words
    if head != GZIP_MAGIC:
        return data
    reader = GzipReader(data, index=index, total=total, max_bytes=max_bytes)
    pieces = []
    while piece := reader.read(1 << 20):
        pieces.append(piece)
    return b"".join(pieces)


def declared_size(data: bytes) -> int:
    """The decompressed size a chunk declares: a gzip trailer's ISIZE, an NDJSON chunk's length.

    0 when it declares nothing. ISIZE is the size of the last member modulo 2**32, so for a valid
    chunk the real size is at least this: a chunk declaring more than a cap can be refused before
    anything is inflated (the common, honest gzip bomb). A lying trailer is still caught while
    inflating.
    """
    if chunk_kind(data) == "ndjson":
        return len(data)
    if len(data) < 18 or data[:2] != GZIP_MAGIC:
        return 0
    return int.from_bytes(data[-4:], "little")


def check_declared_sizes(chunks: list[bytes] | tuple[bytes, ...], limits) -> None:
    """Refuse a replay whose chunk trailers already declare more than the decompression caps."""
    total = 0
    n = len(chunks)
    for index, data in enumerate(chunks):
        size = declared_size(data)
        if size > limits.max_chunk_bytes:
            raise ReplayTooLarge(
                f"{chunk_label(index, n)} is larger than the "
                f"{human_size(limits.max_chunk_bytes)} limit once decompressed.",
                chunk=index,
                limit="max_chunk_bytes",
                cap=limits.max_chunk_bytes,
            )
        total += size
    if total > limits.max_replay_bytes:
        raise ReplayTooLarge(
            f"The replay is larger than the {human_size(limits.max_replay_bytes)} limit once "
            "decompressed.",
            limit="max_replay_bytes",
            cap=limits.max_replay_bytes,
        )
