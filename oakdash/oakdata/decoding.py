"""Undo an API answer's Content-Encoding ourselves, under the response size cap.

httpx's own decoders inflate every listed layer with no limit on their output, so a 2 KB
`Content-Encoding: gzip, gzip` answer can become gigabytes in one call. The pool reads raw
bytes instead (`iter_raw`) and hands them to a `BodyDecoder`, which accepts identity or exactly
one gzip/deflate layer and never lets zlib produce more than the cap (+1 byte, to notice).
"""

from __future__ import annotations

import zlib

from .errors import Unavailable

# What the pool asks for: one gzip layer shrinks JSON ~10x and is the encoding every server has.
ACCEPT_ENCODING = "gzip"
# Most output zlib may make per call: one big call would build its output twice (buffer + bytes).
_STEP = 1024 * 1024

_GZIP = "gzip"
_DEFLATE = "deflate"
_NAMES = {"gzip": _GZIP, "x-gzip": _GZIP, "deflate": _DEFLATE}
_WBITS = {_GZIP: 16 + zlib.MAX_WBITS, _DEFLATE: zlib.MAX_WBITS}


def too_large() -> Unavailable:
    return Unavailable("OakData sent a response that is too large.")


def _damaged() -> Unavailable:
    return Unavailable("OakData sent a compressed response that is damaged or cut short.")


def _coding(content_encoding: str | None) -> str | None:
    """None for identity, else the one layer to undo; `Unavailable` for anything else."""
    layers = [
        part.strip().lower()
        for part in (content_encoding or "").split(",")
        if part.strip() and part.strip().lower() != "identity"
    ]
    if not layers:
        return None
    if len(layers) == 1 and layers[0] in _NAMES:
        return _NAMES[layers[0]]
    # Stacked layers are how a tiny body becomes a bomb; unknown ones we cannot read at all.
    raise Unavailable(
        f"OakData sent a response with an encoding oakdash does not accept: {content_encoding}."
    )


class BodyDecoder:
    """Feed raw body bytes in order; get the decoded pieces, never more than `max_bytes` in all."""

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        self.coding = _coding(content_encoding)
        self.max_bytes = max_bytes
        self.produced = 0
        self._zlib = zlib.decompressobj(_WBITS[self.coding]) if self.coding else None
        self._started = False  # any output yet (a "deflate" body may be raw deflate instead)
        self._fed = b""  # deflate only: input kept until the first output, for the raw retry

    def feed(self, data: bytes) -> list[bytes]:
        if self._zlib is None:
            return [self._count(data)]
        if self.coding == _DEFLATE and not self._started:
            self._fed += data
        try:
            return self._inflate(data)
        except zlib.error:
            if self.coding != _DEFLATE or self._started:
                raise _damaged() from None
        # Servers disagree on "deflate": zlib-wrapped (the RFC) or raw. Start over as raw.
        self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = True
        data, self._fed = self._fed, b""
        try:
            return self._inflate(data)
        except zlib.error:
            raise _damaged() from None

    def finish(self) -> list[bytes]:
        """What zlib still holds; `Unavailable` when the compressed stream did not end cleanly."""
        if self._zlib is None:
            return []
        try:
            rest = self._inflate(b"")
        except zlib.error:
            raise _damaged() from None
        if not self._zlib.eof or self._zlib.unused_data:
            raise _damaged()
        return rest

    def _inflate(self, data: bytes) -> list[bytes]:
        assert self._zlib is not None
        if self._zlib.eof:
            if data:  # bytes after the end of the compressed stream
                raise _damaged()
            return []
        pieces = []
        while True:
            out = self._zlib.decompress(data, min(self.max_bytes - self.produced + 1, _STEP))
            if out:
                self._started = True
                self._fed = b""
                pieces.append(self._count(out))
            data = self._zlib.unconsumed_tail
            if not data and (not out or self._zlib.eof):
                return pieces

    def _count(self, out: bytes) -> bytes:
        self.produced += len(out)
        if self.produced > self.max_bytes:
            raise too_large()
        return out


__all__ = ["ACCEPT_ENCODING", "BodyDecoder", "too_large"]
