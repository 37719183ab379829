"""Helpers shared by the replay tests (chunk builders, fixture lookup, gzip bombs).

A test module rather than a conftest so the replay tests stay self-contained; it checks its own
builders below.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = ("todomvc", "mdn-bears", "rrweb-form")
BASE_TS = 1_795_810_303_250  # the fixtures' epoch milliseconds: 13 digits


@pytest.fixture(params=["isal", "zlib"])
def deflate(request, monkeypatch):
    """Each inflate/deflate implementation in turn, as if it were the only one installed."""
    from oakdash.replay import codec

    chosen = codec.ISAL if request.param == "isal" else codec.ZLIB
    assert chosen is not None, "isal is pinned in requirements.txt: install it"
    monkeypatch.setattr(codec, "DEFLATE", chosen)
    return chosen


def fixtures_dir() -> Path:
    """The real rrweb recordings: the demo's copy in the repo (or $OAKDASH_RRWEB_FIXTURES)."""
    for candidate in (
        os.environ.get("OAKDASH_RRWEB_FIXTURES"),
        ROOT / "oakdash" / "demo" / "fixtures" / "rrweb",
    ):
        if candidate and (Path(candidate) / "todomvc.events.json").is_file():
            return Path(candidate)
    pytest.fail("the rrweb fixtures are missing (oakdash/demo/fixtures/rrweb)")


def recording_chunks(name: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted(fixtures_dir().glob(f"{name}.chunk-*.ndjson.gz"))]


def gz(data: bytes | str) -> bytes:
    if isinstance(data, str):
        data = data.encode()
    return gzip.compress(data, mtime=0)


def event(ts: int | float, n: int = 0, text: str = "x") -> bytes:
    """An rrweb-shaped line (no newline), timestamp last, as the recorder writes it."""
    body = {"type": 3, "data": {"source": 5, "text": text, "id": n}, "timestamp": ts}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def ndjson(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def gzip_bomb(
    total: int, block: bytes = bytes(1 << 20), *, isize: int | None = None, crc: bool = False
) -> bytes:
    """A gzip stream of `block` repeated up to `total` bytes, built in milliseconds.

    After a full flush deflate starts afresh, so the compressed form of one block repeats
    verbatim: the stream is that segment n times. The CRC is left 0 unless `crc` (the tests stop
    long before the trailer); ISIZE is honest unless `isize` forges it.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert segment == first
    count = total // len(block)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    size = (count * len(block)) % (1 << 32) if isize is None else isize
    check = 0
    for _ in range(count if crc else 0):
        check = zlib.crc32(block, check)
    trailer = check.to_bytes(4, "little") + size.to_bytes(4, "little")
    return header + segment * count + deflate.flush() + trailer


def test_the_bomb_builder_makes_a_small_stream_that_inflates_to_its_size():
    bomb = gzip_bomb(8 << 20, crc=True)
    assert len(bomb) < 64 * 1024
    inflated = zlib.decompressobj(31).decompress(bomb)
    assert inflated == bytes(8 << 20)


def test_fixture_lines_are_the_compact_serialisation_of_their_events():
    for name in RECORDINGS:
        events = json.loads((fixtures_dir() / f"{name}.events.json").read_bytes())
        compact = {
            json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode() for e in events
        }
        for chunk in recording_chunks(name):
            assert set(gzip.decompress(chunk).splitlines()) <= compact
