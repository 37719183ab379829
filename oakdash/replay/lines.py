"""NDJSON lines of one chunk, in validated blocks with their timestamps.

`ChunkLines(data, ...)` gunzips a chunk lazily (or reads it as it is, if storage sent it already
decoded) and hands out `LineBlock`s: runs of complete lines (each ending in b"\\n", CRLF turned
into LF, blank lines dropped), whose bytes are exactly the recorder's (never re-serialised; a
UTF-8 character split across zlib blocks is rejoined before anything looks at it, because nothing
here decodes text).

Validation, and why it is not `json.loads` per line
---------------------------------------------------
Parsing every line with `json` makes the pipeline about 8x slower (rrweb events are small trees
of objects, and building them is what costs). rrweb
serialises an event as `{"type":…,"data":{…},"timestamp":N}`, so the fast path checks, for a
whole block at once with one regular expression, that every line

* starts with `{` and ends with `,"timestamp":N}` where N is a positive integer in JSON syntax.

If a line is valid JSON, that shape proves it is an object whose top-level `timestamp` is N: the
final `}` closes the top-level object, so the member just before it is a top-level member (a
nested `"timestamp"` would be followed by `}}` or `,`; one inside a string by `"`). What the fast
path does not prove is that the middle of the line is valid JSON: `{oops,"timestamp":5}` passes.
Such a line still goes to the browser, where rrweb-player's JSON.parse rejects it; the merge order
of every other line is unaffected. A block with lines of any other shape (a float or negative
timestamp, whitespace, `"timestamp"` first or not last, a nested one only, not an object at all)
is parsed with json's C scanner in bulk, and if that fails too, line by line with `json.loads`,
which names the bad line; an object with a numeric (not boolean, finite) top-level `timestamp`
is required. `ReplayLimits(validate_json=True)` skips the shape check: every line is parsed.

Timestamps of the fast path are kept as the lines' own digits: within a block whose timestamps all
have the same number of digits (every epoch-millisecond stamp between 2001 and 2286 has 13), the
byte string `N}` sorts exactly like the number N. So merging two blocks sorts their lines with a
C-level key (`itemgetter(slice(-w - 1, None))`) instead of converting a million numbers.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import cache
from operator import itemgetter

from .errors import ChunkDecodeError, chunk_label
from .gunzip import open_reader
from .limits import ByteBudget, ReplayLimits

BLOCK_SIZE = 64 * 1024  # decompressed bytes per read: fits L2, measured fastest
_MAX_DIGITS = 31  # longer integers take the slow path (and int() has a digit limit)

# A block of lines that all have the fast shape, whatever their timestamps' widths.
_ANY_WIDTH = re.compile(rb'(?:\{[^\n]*,"timestamp":[1-9][0-9]{0,%d}\}\n)*+' % (_MAX_DIGITS - 1))
_TAIL = re.compile(rb',"timestamp":([1-9][0-9]{0,%d})\}\n' % (_MAX_DIGITS - 1))
# One line (no newline) of the fast shape.
_ONE_LINE = re.compile(rb'\{[^\n]*,"timestamp":([1-9][0-9]{0,%d})\}' % (_MAX_DIGITS - 1))


@cache
def _fixed_width(width: int) -> re.Pattern[bytes]:
    """A block of fast-shape lines whose timestamps all have exactly `width` digits.

    Written for speed (it is most of the pipeline's own cost): each line is scanned once to its
    newline with no backtracking (possessive `*+`), then a fixed-width lookbehind checks the tail.
    The tail's characters exclude `{` and newline, so the lookbehind cannot reach past the
    line's opening brace.
    """
    return re.compile(rb'(?:\{[^\n]*+(?<=,"timestamp":[1-9][0-9]{%d}\})\n)*+' % (width - 1))


@cache
def _tail_number(width: int) -> Callable[[bytes], int]:
    """The timestamp of a fast-shape line (without its newline) of a `width`-digit block."""
    return lambda line: int(line[-width - 1 : -1])


@cache
def tail_key(width: int) -> itemgetter:
    """A sort key for lines of `width`-digit blocks: b'N}' orders like N at equal width."""
    return itemgetter(slice(-width - 1, None))


class LineBlock:
    """Complete, validated lines of one chunk and their timestamps.

    `data` is the lines' bytes, each ending in b"\\n"; `first` and `last` are the first and last
    line's timestamps. When `width` > 0 every timestamp is a `width`-digit integer spelled at the
    end of its line and `tail_key(width)` sorts the lines; otherwise `keys()` holds the numbers.
    `lines()` and `keys()` are computed only if the merge needs to split the block.
    """

    __slots__ = ("_keys", "_lines", "data", "first", "last", "width")

    def __init__(
        self,
        data: bytes,
        first: int | float,
        last: int | float,
        width: int = 0,
        lines: list[bytes] | None = None,
        keys: list[int | float] | None = None,
    ) -> None:
        self.data = data
        self.first = first
        self.last = last
        self.width = width
        self._lines = lines
        self._keys = keys

    def lines(self) -> list[bytes]:
        """The lines without their newlines."""
        lines = self._lines
        if lines is None:
            lines = self.data.split(b"\n")
            lines.pop()  # data ends with b"\n": the last piece is empty
            self._lines = lines
        return lines

    def keys(self) -> list[int | float]:
        """The lines' timestamps as numbers."""
        keys = self._keys
        if keys is None:
            keys = self._keys = list(map(_tail_number(self.width), self.lines()))
        return keys

    def bisect(self, t: int | float, lo: int, right: bool) -> int:
        """Index of the first line from `lo` whose timestamp is > t (right) or >= t (left)."""
        find = bisect_right if right else bisect_left
        if self._keys is not None:
            return find(self._keys, t, lo)
        return find(self.lines(), t, lo, key=_tail_number(self.width))


class ChunkLines:
    """The lines of one gzipped chunk as a sequence of `LineBlock`s (see the module docstring)."""

    __slots__ = (
        "_block_size",
        "_carry",
        "_data",
        "_limits",
        "_offset",
        "_reader",
        "index",
        "total",
    )

    def __init__(
        self,
        data: bytes,
        *,
        index: int = 0,
        total: int = 1,
        limits: ReplayLimits,
        budget: ByteBudget | None = None,
        block_size: int = BLOCK_SIZE,
    ) -> None:
        self._data = data
        self._limits = limits
        self._reader = open_reader(
            data, index=index, total=total, max_bytes=limits.max_chunk_bytes, budget=budget
        )
        self._block_size = block_size
        self._carry = b""  # the start of a line whose newline has not been read yet
        self._offset = 0  # decompressed offset of the next block's first byte (for errors)
        self.index = index
        self.total = total

    def next_block(self) -> LineBlock | None:
        """The next block of lines, or None at the end of the chunk."""
        while True:
            offset = self._offset
            data = self._complete_lines()
            if data is None:
                return None
            block = self._parse(data, offset)
            if block is not None:  # None: the block held only blank lines
                return block

    def _complete_lines(self) -> bytes | None:
        """Decompressed bytes up to and including the last newline read so far."""
        pieces: list[bytes | memoryview] = [self._carry] if self._carry else []
        while True:
            raw = self._reader.read(self._block_size)
            if not raw:  # end of the chunk: a last line without a newline still counts
                self._carry = b""
                if not pieces:
                    return None
                data = b"".join(pieces)
                self._offset += len(data)
                return data + b"\n"
            cut = raw.rfind(b"\n") + 1
            if not cut:  # a line longer than a block: keep collecting
                pieces.append(raw)
                continue
            if not pieces and cut == len(raw):
                data = raw  # the common case for a block ending on a line end: no copy
            else:
                pieces.append(memoryview(raw)[:cut])
                data = b"".join(pieces)
            self._carry = raw[cut:]
            self._offset += len(data)
            return data

    def _parse(self, data: bytes, offset: int) -> LineBlock | None:
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        block = None if self._limits.validate_json else _fast_block(data)
        if block is None:
            block = _json_block(data)
        if block is None:
            block = self._slow_block(data, offset)
        return block

    def _slow_block(self, data: bytes, offset: int) -> LineBlock | None:
        """Line by line, with json where the fast shape does not hold; precise errors."""
        strict = self._limits.validate_json
        lines: list[bytes] = []
        keys: list[int | float] = []
        raw_lines = data.split(b"\n")
        raw_lines.pop()
        for i, line in enumerate(raw_lines):
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line.strip():
                continue  # blank lines carry no event
            try:
                keys.append(line_timestamp(line, strict=strict))
            except ValueError as exc:
                number = self._line_number(offset) + i
                raise ChunkDecodeError(
                    f"{chunk_label(self.index, self.total)} is damaged: line {number} {exc}.",
                    chunk=self.index,
                    line=number,
                ) from None
            lines.append(line)
        if not lines:
            return None
        return LineBlock(b"\n".join(lines) + b"\n", keys[0], keys[-1], 0, lines, keys)

    def _line_number(self, offset: int) -> int:
        """The 1-based number of the line starting at decompressed `offset`.

        Counting newlines as blocks go by would cost every replay a pass over its bytes; an error
        is rare, so the chunk is decompressed again up to the offset instead.
        """
        reader = open_reader(self._data, max_bytes=offset + 1) if offset else None
        newlines = 0
        remaining = offset
        while remaining > 0 and reader is not None:
            raw = reader.read(min(self._block_size, remaining))
            if not raw:
                break
            newlines += raw.count(b"\n")
            remaining -= len(raw)
        return newlines + 1


def _fast_block(data: bytes) -> LineBlock | None:
    """A `LineBlock` if every line of `data` has the fast shape, else None."""
    colon = data.rfind(b":")
    width = len(data) - colon - 3  # the last line ends with b':' + digits + b'}\n'
    if 0 < width <= _MAX_DIGITS and _fixed_width(width).fullmatch(data):
        nl = data.find(b"\n")
        first = int(data[data.rfind(b":", 0, nl) + 1 : nl - 1])
        last = int(data[colon + 1 : -2])
        return LineBlock(data, first, last, width)
    if _ANY_WIDTH.fullmatch(data) and data:
        # Mixed widths (rare: tests, or stamps crossing a power of ten): plain numbers.
        keys: list[int | float] = list(map(int, _TAIL.findall(data)))
        return LineBlock(data, keys[0], keys[-1], 0, None, keys)
    return None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
# json's C scanner: parses one value at an index and returns (value, end), without the Python-level
# wrapping of json.loads (encoding detection, whitespace regexes) that costs more than the parse.
_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]  # set in __init__, not in typeshed


def _json_block(data: bytes) -> LineBlock | None:
    """A `LineBlock` if every line of `data` is a JSON event, parsed in bulk; else None.

    The second tier: for strict validation, and for recorders whose lines do not have rrweb's
    shape (say, keys sorted, so `timestamp` is not last). Anything unusual (blank lines,
    whitespace around a value, invalid UTF-8, an error) returns None and the line-by-line path
    finds and names the culprit.
    """
    if data[:1] == b"\n" or b"\n\n" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    texts = text.split("\n")
    texts.pop()
    try:
        parsed = [_SCAN(t, 0) for t in texts]
    except (StopIteration, ValueError, RecursionError):
        return None
    keys: list[int | float] = []
    append = keys.append
    for (value, end), t in zip(parsed, texts, strict=True):
        if end != len(t) or value.__class__ is not dict:
            return None
        ts = value.get("timestamp")
        if ts.__class__ is int or (ts.__class__ is float and math.isfinite(ts)):
            append(ts)
        else:
            return None
    lines = data.split(b"\n")
    lines.pop()
    return LineBlock(data, keys[0], keys[-1], 0, lines, keys)


def line_timestamp(line: bytes, *, strict: bool = False) -> int | float:
    """The top-level `timestamp` of one NDJSON line (no newline), or ValueError saying why not.

    The error text completes "line N …" (e.g. "is not valid JSON").
    """
    if not strict:
        match = _ONE_LINE.fullmatch(line)
        if match:
            return int(match[1])
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("is not valid UTF-8") from None
    try:
        event = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("is nested too deeply") from None
    except ValueError:
        raise ValueError("is not valid JSON") from None
    if not isinstance(event, dict):
        raise ValueError("is not a JSON object")
    if "timestamp" not in event:
        raise ValueError('has no top-level "timestamp"')
    timestamp = event["timestamp"]
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        raise ValueError('has a "timestamp" that is not a number')
    if isinstance(timestamp, float) and not math.isfinite(timestamp):
        raise ValueError('has a "timestamp" that is not a finite number')
    return timestamp
