"""The compression codecs of the replay pipeline, chosen once: ISA-L where installed, else zlib.

    DEFLATE.inflater()               # a gzip decompressobj (chunks, error bodies)
    DEFLATE.error                    # what it raises on damaged data
    negotiate("gzip, br, zstd")      # -> "zstd": the response coding a request accepts
    encoder("zstd")                  # blocks in, compressed pieces out, each flushed

Inflating chunks and deflating the response are most of a replay's CPU after the merge itself.
ISA-L (`isal.isal_zlib`, python-isal) mirrors zlib's streaming API and is several times faster
at both (docs/DECISIONS.md, "Replay speed"); where it is not installed, zlib does the same work.
Both give the same bytes back (a gzip stream decodes to one thing), so nothing else changes.

The response to the browser is zstd when the request accepts it (Chromium and Firefox send
`zstd` in Accept-Encoding), gzip otherwise, identity when neither: zstd level 1 costs the same
CPU as ISA-L's deflate and puts about half as many bytes on the wire (measured: DECISIONS.md).
Every block is flushed, so the browser can decode and play what has arrived.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import zstandard

try:  # optional: pinned in requirements.txt, but a platform without a wheel still works
    from isal import isal_zlib
except ImportError:  # pragma: no cover - exercised by forcing ZLIB in the tests
    isal_zlib = None

GZIP_WBITS = 16 + zlib.MAX_WBITS  # the gzip container only: zlib or raw deflate is not a chunk


@dataclass(frozen=True)
class Deflate:
    """One implementation of zlib's streaming API: zlib itself, or ISA-L's mirror of it.

    `level` is the response's gzip level in this implementation's scale (zlib 1-9, ISA-L 0-3),
    the fastest one that still compresses rrweb NDJSON about tenfold.
    """

    name: str
    module: ModuleType
    error: type[Exception]
    level: int

    def inflater(self) -> Any:
        """A decompressobj for one gzip member (`.decompress(data, max_length)`, `.eof`...)."""
        return self.module.decompressobj(GZIP_WBITS)

    def gzip_compressor(self) -> Any:
        return self.module.compressobj(self.level, self.module.DEFLATED, GZIP_WBITS)


ZLIB = Deflate("zlib", zlib, zlib.error, 1)
ISAL = Deflate("isal", isal_zlib, isal_zlib.error, 2) if isal_zlib is not None else None
# Chosen once, at import. Tests swap it (both paths are tested); nothing else should.
DEFLATE: Deflate = ISAL or ZLIB

ZSTD_LEVEL = 1  # as fast as ISA-L's gzip and twice as small; window ≤ 8 MB, as browsers require

# Response codings in order of preference at equal q: the smaller and cheaper first.
CODINGS = ("zstd", "gzip", "identity")


def negotiate(accept_encoding: str) -> str:
    """The response coding for an Accept-Encoding header: 'zstd', 'gzip' or 'identity'.

    RFC 9110 §12.5.3: codings with q=0 are refused, the highest q wins, `*` stands for any
    coding not named, `x-gzip` is gzip. Ties go to zstd, then gzip. Without any acceptable
    coding the answer is identity, even if the request said `identity;q=0`: an uncompressed
    body is more useful to a client than a 406.
    """
    q: dict[str, float] = {}
    star: float | None = None
    for part in accept_encoding.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    weight = 0.0  # a q that cannot be read accepts nothing
        if name == "x-gzip":
            name = "gzip"
        if name == "*":
            star = weight
        else:
            q[name] = max(weight, q.get(name, 0.0))
    best, best_q = "identity", 0.0
    for coding in CODINGS[:-1]:
        weight = q.get(coding, star if star is not None else 0.0)
        if weight > best_q:
            best, best_q = coding, weight
    return best


def _gzip_blocks(blocks: Iterator[bytes]) -> Iterator[bytes]:
    compressor = DEFLATE.gzip_compressor()
    sync = DEFLATE.module.Z_SYNC_FLUSH
    for block in blocks:
        yield compressor.compress(block) + compressor.flush(sync)
    yield compressor.flush()


def _zstd_blocks(blocks: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compressobj()
    for block in blocks:
        yield compressor.compress(block) + compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    yield compressor.flush()


def _identity(blocks: Iterator[bytes]) -> Iterator[bytes]:
    return blocks


_ENCODERS: dict[str, Callable[[Iterator[bytes]], Iterator[bytes]]] = {
    "zstd": _zstd_blocks,
    "gzip": _gzip_blocks,
    "identity": _identity,
}


def encoder(coding: str) -> Callable[[Iterator[bytes]], Iterator[bytes]]:
    """Compress a stream of blocks in `coding`, each block flushed so it can be decoded at once."""
    return _ENCODERS[coding]


__all__ = [
    "CODINGS",
    "DEFLATE",
    "ISAL",
    "ZLIB",
    "Deflate",
    "encoder",
    "negotiate",
]
