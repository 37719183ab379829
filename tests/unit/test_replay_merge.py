"""The k-way merge: property tests, the real recordings, streaming shape, memory."""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import random
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oakdash.replay import (
    ChunkDecodeError,
    ReplayError,
    ReplayLimits,
    ReplayTooLarge,
    error_line,
    merged_ndjson,
    with_error_line,
)
from tests.support.replay_chunks import (
    BASE_TS,
    RECORDINGS,
    event,
    fixtures_dir,
    gz,
    ndjson,
    recording_chunks,
)


def merge(chunks: list[bytes], **kwargs) -> list[bytes]:
    out = b"".join(merged_ndjson(chunks, **kwargs))
    assert out == b"" or out.endswith(b"\n")
    return out.split(b"\n")[:-1]


# --- properties --------------------------------------------------------------------------------

# How a line spells its timestamp: the recorder's shape (fast path) or other valid JSON shapes
# (slow path), so blocks of both kinds meet in one merge.
SPELLINGS = ("fast", "fast", "fast", "spaced", "float", "first")


def spell(ts: int, n: int, how: str) -> bytes:
    if how == "fast":
        return event(ts, n)
    if how == "spaced":
        return b'{"type": 3, "data": {"id": %d}, "timestamp": %d}' % (n, ts)
    if how == "float":
        return b'{"type":3,"data":{"id":%d},"timestamp":%d.0}' % (n, ts)
    return b'{"timestamp":%d,"type":3,"data":{"id":%d}}' % (ts, n)


@st.composite
def split_replays(draw):
    """A sorted event list (with ties) split into chunks any way, in any file order."""
    base = draw(st.sampled_from([0, 7, 990, BASE_TS]))  # 0/7/990: widths change (10 -> 1000)
    steps = draw(st.lists(st.sampled_from([0, 0, 1, 2, 5, 40]), min_size=0, max_size=120))
    stamps = list(itertools.accumulate(steps, initial=base))[1:]
    n_chunks = draw(st.integers(1, 8))
    owner = [draw(st.integers(0, n_chunks - 1)) for _ in stamps]
    how = [draw(st.sampled_from(SPELLINGS)) for _ in stamps]
    chunks: list[list[bytes]] = [[] for _ in range(n_chunks)]
    for n, (ts, chunk, spelling) in enumerate(zip(stamps, owner, how, strict=True)):
        chunks[chunk].append(spell(ts, n, spelling))
    order = draw(st.permutations(range(n_chunks)))
    return [chunks[i] for i in order]


def expected_merge(chunks: list[list[bytes]]) -> list[bytes]:
    keyed = [
        (json.loads(line)["timestamp"], c, i, line)
        for c, lines in enumerate(chunks)
        for i, line in enumerate(lines)
    ]
    return [line for *_, line in sorted(keyed, key=lambda k: k[:3])]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    replay=split_replays(),
    block_size=st.sampled_from([1, 9, 64, 300, 64 * 1024]),
    members=st.booleans(),
)
def test_any_split_of_a_sorted_stream_merges_back_to_the_stable_sorted_stream(
    replay, block_size, members
):
    def compress(lines: list[bytes]) -> bytes:
        data = ndjson(lines)
        if members and len(data) > 2:  # the same bytes as two gzip members
            return gz(data[: len(data) // 2]) + gz(data[len(data) // 2 :])
        return gz(data)

    chunks = [compress(lines) for lines in replay]
    got = merge(chunks, block_size=block_size, output_block=block_size)
    assert got == expected_merge(replay)


@settings(max_examples=100, deadline=None)
@given(replay=split_replays())
def test_strict_validation_merges_the_same(replay):
    chunks = [gz(ndjson(lines)) for lines in replay]
    assert merge(chunks, limits=ReplayLimits(validate_json=True)) == expected_merge(replay)


def test_equal_timestamps_across_chunks_keep_chunk_then_line_order():
    a = [event(BASE_TS, 1), event(BASE_TS, 2), event(BASE_TS + 1, 3)]
    b = [event(BASE_TS - 1, 4), event(BASE_TS, 5), event(BASE_TS + 1, 6)]
    got = merge([gz(ndjson(a)), gz(ndjson(b))])
    assert got == [b[0], a[0], a[1], b[1], a[2], b[2]]
    got = merge([gz(ndjson(b)), gz(ndjson(a))])
    assert got == [b[0], b[1], a[0], a[1], b[2], a[2]]


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(
        st.lists(st.integers(0, 30).map(lambda t: BASE_TS + t), max_size=40), max_size=5
    ),
    block_size=st.sampled_from([1, 50, 64 * 1024]),
)
def test_unsorted_chunks_still_yield_every_line_exactly_once(chunks, block_size):
    # Outside the contract (each chunk sorted), so no order is promised: nothing lost or doubled,
    # no blank line, no hang.
    replay = [
        [event(ts, 1000 * c + i) for i, ts in enumerate(stamps)] for c, stamps in enumerate(chunks)
    ]
    got = merge([gz(ndjson(lines)) for lines in replay], block_size=block_size)
    assert sorted(got) == sorted(line for lines in replay for line in lines)


def test_no_chunks_or_only_empty_chunks_merge_to_nothing():
    assert merge([]) == []
    assert merge([gz(b""), gz(b"\n\n")]) == []


# --- the real recordings -----------------------------------------------------------------------


@pytest.mark.parametrize("name", RECORDINGS)
def test_a_recordings_chunks_merge_to_its_events_json_byte_for_byte(name):
    expected = (fixtures_dir() / f"{name}.events.json").read_bytes()
    lines = merge(recording_chunks(name))
    # events.json is the compact serialisation of the same events: join the lines as an array.
    assert b"[" + b",".join(lines) + b"]" == expected
    # And the README's own comparison: re-serialise the parsed events.
    events = [json.loads(line) for line in lines]
    assert json.dumps(events, separators=(",", ":"), ensure_ascii=False).encode() == expected


@pytest.mark.parametrize("name", RECORDINGS)
def test_any_file_order_of_a_recordings_chunks_gives_the_same_events(name):
    # No two chunks of the fixtures share a timestamp, so file order cannot matter.
    chunks = recording_chunks(name)
    expected = merge(chunks)
    for seed in range(5):
        shuffled = chunks[:]
        random.Random(seed).shuffle(shuffled)
        assert merge(shuffled) == expected


def test_mdn_bears_chunks_really_overlap_and_rrweb_form_is_out_of_order():
    # Guards the two fixtures' point: concatenating chunks in file order is not sorted.
    for name in ("mdn-bears", "rrweb-form"):
        stamps = [
            json.loads(line)["timestamp"]
            for chunk in recording_chunks(name)
            for line in gzip.decompress(chunk).splitlines()
        ]
        assert stamps != sorted(stamps)


@pytest.mark.parametrize("name", RECORDINGS)
def test_strict_validation_accepts_the_real_recordings(name):
    strict = merge(recording_chunks(name), limits=ReplayLimits(validate_json=True))
    assert strict == merge(recording_chunks(name))


# --- the stream's shape ------------------------------------------------------------------------


@functools.cache
def big_replay(chunks: int = 40, lines_per_chunk: int = 2_000, overlap: bool = False):
    """Chunks of rrweb-shaped lines; with `overlap`, pairs of chunks interleave in time."""
    line = (
        b'{"type":3,"data":{"source":1,"positions":[%d],"text":"'
        + b"y" * 60
        + b'"},"timestamp":%d}'
    )
    out = []
    for c in range(chunks):
        start = BASE_TS + (c // 2 if overlap else c) * lines_per_chunk * 10
        offset = c % 2 if overlap else 0
        lines = [line % (i, start + 10 * i + offset) for i in range(lines_per_chunk)]
        out.append(gz(ndjson(lines)))
    return tuple(out)


@pytest.mark.parametrize("overlap", [False, True])
def test_blocks_are_complete_lines_of_at_least_64_kib_except_the_last(overlap):
    blocks = list(merged_ndjson(big_replay(overlap=overlap)))
    assert len(blocks) > 10
    assert all(len(block) >= 64 * 1024 for block in blocks[:-1])
    assert all(block.endswith(b"\n") and block.startswith(b"{") for block in blocks)
    stamps = [json.loads(line)["timestamp"] for line in b"".join(blocks).splitlines()]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize("overlap", [False, True])
def test_memory_does_not_grow_with_the_replays_length(overlap):
    def peak_while_streaming(chunks: list[bytes]) -> int:
        tracemalloc.start()
        try:
            for _ in merged_ndjson(chunks):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    short = peak_while_streaming(big_replay(chunks=10, overlap=overlap))
    long = peak_while_streaming(big_replay(chunks=80, overlap=overlap))  # ~16 MB of NDJSON
    # Eight times the replay, about the same working memory: a few blocks, not the stream.
    assert long < short + 512 * 1024
    assert long < 3 * 1024 * 1024


def test_a_replay_declaring_more_than_its_cap_is_refused_before_streaming():
    with pytest.raises(ReplayTooLarge, match="The replay is larger"):
        merged_ndjson(big_replay(chunks=10), ReplayLimits(max_replay_bytes=1_000_000))


def test_a_replay_hiding_its_size_fails_when_it_reaches_the_cap():
    # A trailer only declares the last gzip member's size: a tiny last member hides the rest.
    tail = gz(event(BASE_TS + 10**9) + b"\n")
    chunks = [chunk + tail for chunk in big_replay(chunks=10)]
    stream = merged_ndjson(chunks, ReplayLimits(max_replay_bytes=1_000_000))
    streamed = 0
    with pytest.raises(ReplayTooLarge) as info:
        for block in stream:
            streamed += len(block)
    assert info.value.limit == "max_replay_bytes"
    assert 800_000 < streamed <= 1_000_000


def test_with_error_line_ends_a_failed_stream_with_an_error_line():
    chunks = [gz(ndjson([event(BASE_TS + i, i) for i in range(3_000)]) + b"oops\n")]
    lines = b"".join(with_error_line(merged_ndjson(chunks, output_block=1))).splitlines()
    # The lines of earlier blocks went out; the block holding the bad line did not.
    assert 1_000 < len(lines) <= 3_001
    assert lines[:-1] == [event(BASE_TS + i, i) for i in range(len(lines) - 1)]
    assert json.loads(lines[-1]) == {
        "error": "chunk 1 of 1 is damaged: line 3001 is not valid JSON."
    }


def test_with_error_line_reports_a_bug_generically_and_reraises_it():
    def broken():
        yield b"{}\n"
        raise KeyError("internal detail")

    stream = with_error_line(broken())
    assert next(stream) == b"{}\n"
    assert json.loads(next(stream)) == {"error": "The replay stream failed unexpectedly."}
    with pytest.raises(KeyError):
        next(stream)


def test_error_lines_are_one_line_of_json():
    line = error_line(ChunkDecodeError('bad "chunk"\nwith a newline'))
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert json.loads(line) == {"error": 'bad "chunk"\nwith a newline'}
    assert isinstance(ChunkDecodeError(), ReplayError)
