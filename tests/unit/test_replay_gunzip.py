"""Streaming gunzip: multi-member, truncation, corruption, trailing bytes, caps, gzip bombs.

Every test runs twice: with ISA-L's inflate and with zlib's (the fallback), so the caps and the
error cases hold whichever is installed.
"""

from __future__ import annotations

import time
import tracemalloc
import zlib

import pytest

from oakdash.replay import ChunkDecodeError, ReplayLimits, ReplayTooLarge, merged_ndjson
from oakdash.replay.gunzip import GzipReader, check_declared_sizes, declared_size
from oakdash.replay.limits import ByteBudget

from .test_replay_support import deflate, event, gz, gzip_bomb, ndjson

pytestmark = pytest.mark.usefixtures("deflate")
__all__ = ["deflate"]

MiB = 1 << 20
TEXT = ndjson([event(1_795_810_303_250 + i, i, "é€😀" * (i % 5)) for i in range(2_000)])


def read_all(data: bytes, size: int = 64 * 1024, **kwargs) -> bytes:
    kwargs.setdefault("max_bytes", 1 << 30)
    reader = GzipReader(data, **kwargs)
    pieces = []
    while piece := reader.read(size):
        assert len(piece) <= size
        pieces.append(piece)
    return b"".join(pieces)


@pytest.mark.parametrize("size", [1, 7, 4096, 64 * 1024, 1 << 20])
def test_a_chunk_reads_back_exactly_whatever_the_block_size(size):
    assert read_all(gz(TEXT), size) == TEXT


def test_concatenated_gzip_members_read_as_one_stream():
    parts = [TEXT[:1000], b"", TEXT[1000:50_000], TEXT[50_000:]]
    assert read_all(b"".join(gz(p) for p in parts), 333) == TEXT


def test_a_member_ending_mid_input_slice_is_followed_by_the_next():
    # Small members: several end inside one 64 KiB input slice, with output still capped small.
    members = [gz(TEXT[i : i + 100]) for i in range(0, 5_000, 100)]
    assert read_all(b"".join(members), 10) == TEXT[:5_000]


def test_nul_padding_after_the_last_member_is_ignored():
    assert read_all(gz(TEXT) + bytes(512)) == TEXT


@pytest.mark.parametrize("garbage", [b"x", b"\x1f", b"\x00\x00garbage", b"<html>error</html>"])
def test_bytes_after_the_last_member_are_an_error(garbage):
    with pytest.raises(ChunkDecodeError, match=r"unexpected bytes after the end|corrupt|cut short"):
        read_all(gz(TEXT) + garbage)


@pytest.mark.parametrize("cut", [1, 4, 8, 9, 100, 0.5])
def test_a_truncated_chunk_is_an_error(cut):
    data = gz(TEXT)
    end = int(len(data) * cut) if isinstance(cut, float) else len(data) - cut
    with pytest.raises(ChunkDecodeError, match="cut short") as info:
        read_all(data[:end], index=2, total=5)
    assert info.value.chunk == 2
    assert "chunk 3 of 5" in info.value.message


def test_a_chunk_of_only_a_gzip_header_is_truncated():
    with pytest.raises(ChunkDecodeError, match="cut short"):
        read_all(gz(TEXT)[:10])


def test_corrupt_gzip_data_is_an_error():
    data = bytearray(gz(TEXT))
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(ChunkDecodeError, match=r"corrupt|cut short"):
        read_all(bytes(data))


def test_a_wrong_checksum_is_an_error():
    data = bytearray(gz(TEXT))
    data[-8] ^= 0x01  # CRC-32 in the trailer
    with pytest.raises(ChunkDecodeError, match="corrupt"):
        read_all(bytes(data))


@pytest.mark.parametrize(
    "data",
    [TEXT, zlib.compress(TEXT), zlib.compress(TEXT)[2:], b"<html>Access denied</html>"],
    ids=["plain", "zlib", "raw-deflate", "html"],
)
def test_data_that_is_not_gzip_is_an_error(data):
    with pytest.raises(ChunkDecodeError, match="corrupt"):
        read_all(data)


def test_an_empty_chunk_is_an_error():
    with pytest.raises(ChunkDecodeError, match="is empty"):
        GzipReader(b"", max_bytes=10)


def test_a_chunk_may_decompress_to_exactly_its_cap():
    assert read_all(gz(TEXT), max_bytes=len(TEXT)) == TEXT


def test_one_byte_over_the_chunk_cap_is_too_large_and_inflates_no_further():
    reader = GzipReader(gz(TEXT), index=0, total=1, max_bytes=len(TEXT) - 1)
    with pytest.raises(ReplayTooLarge) as info:
        while reader.read(1 << 20):
            pass
    assert info.value.limit == "max_chunk_bytes"
    assert reader.produced == len(TEXT)  # the cap plus one byte, not a block more


def test_the_replay_budget_is_shared_by_all_chunks():
    budget = ByteBudget(len(TEXT) * 2 - 1)
    assert read_all(gz(TEXT), budget=budget) == TEXT
    with pytest.raises(ReplayTooLarge) as info:
        read_all(gz(TEXT), budget=budget, index=1, total=2)
    assert info.value.limit == "max_replay_bytes"
    assert budget.used == budget.cap + 1


def test_the_trailer_declares_the_last_members_size():
    assert declared_size(gz(TEXT)) == len(TEXT)
    assert declared_size(gz(b"a") + gz(TEXT)) == len(TEXT)
    assert declared_size(b"not gzip at all, long enough") == 0


def test_declared_sizes_over_a_cap_are_refused_before_inflating():
    limits = ReplayLimits(max_chunk_bytes=len(TEXT) - 1)
    with pytest.raises(ReplayTooLarge, match="chunk 2 of 2"):
        check_declared_sizes([gz(b"{}"), gz(TEXT)], limits)
    limits = ReplayLimits(max_replay_bytes=len(TEXT) * 2 - 1)
    with pytest.raises(ReplayTooLarge, match="The replay is larger"):
        check_declared_sizes([gz(TEXT), gz(TEXT)], limits)


@pytest.fixture(scope="module")
def bomb_1gb() -> bytes:
    """1 GiB of zeros, gzipped to about 1 MB."""
    return gzip_bomb(1 << 30)


def test_an_honest_gzip_bomb_is_refused_at_once_by_its_declared_size(bomb_1gb):
    assert len(bomb_1gb) < 2 * MiB
    started = time.perf_counter()
    with pytest.raises(ReplayTooLarge, match="128 MiB limit"):
        merged_ndjson([bomb_1gb])
    assert time.perf_counter() - started < 0.5


def test_a_gzip_bomb_with_a_forged_size_fails_after_the_cap_with_little_memory(bomb_1gb):
    forged = bomb_1gb[:-4] + (100).to_bytes(4, "little")
    limits = ReplayLimits(max_chunk_bytes=16 * MiB)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ReplayTooLarge, match="16 MiB limit"):
            for _ in merged_ndjson([forged], limits):
                pass
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Zeros have no newline, so they pile up as one line until the cap: memory ~ the cap.
    assert peak < 3 * 16 * MiB
    assert elapsed < 5  # inflating 16 MiB, not 1 GiB


def test_a_gzip_bomb_of_valid_lines_is_stopped_by_the_replay_cap_mid_stream():
    line = event(1_795_810_303_250) + b"\n"
    bomb = gzip_bomb(1 << 30, line * (MiB // len(line)), isize=100)
    limits = ReplayLimits(max_replay_bytes=32 * MiB)
    streamed = 0
    tracemalloc.start()
    try:
        with pytest.raises(ReplayTooLarge, match="The replay is larger than the 32 MiB limit"):
            for block in merged_ndjson([bomb], limits):
                streamed += len(block)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 30 * MiB < streamed <= 32 * MiB
    assert peak < 4 * MiB  # blocks go out as they come: memory does not follow the stream
