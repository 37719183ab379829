"""NDJSON lines: splitting across reads, line ends, blank lines, and what counts as an event."""

from __future__ import annotations

import gzip
import json

import pytest

from oakdash.replay import ChunkDecodeError, ReplayLimits, merged_ndjson
from oakdash.replay.lines import ChunkLines, line_timestamp
from tests.support.replay_chunks import (
    BASE_TS,
    RECORDINGS,
    event,
    fixtures_dir,
    gz,
    ndjson,
    recording_chunks,
)

DEFAULT = ReplayLimits()
STRICT = ReplayLimits(validate_json=True)


def merged(data: bytes, limits: ReplayLimits = DEFAULT, block_size: int = 64 * 1024):
    return b"".join(merged_ndjson([gz(data)], limits, block_size=block_size, output_block=1))


def blocks_of(data: bytes, block_size: int = 64 * 1024):
    source = ChunkLines(gz(data), limits=DEFAULT, block_size=block_size)
    while (block := source.next_block()) is not None:
        yield block


LINES = [event(BASE_TS + i, i, "naïve café ✓ 😀 " * (i % 4)) for i in range(300)]


def test_lines_pass_through_byte_for_byte():
    assert merged(ndjson(LINES)) == ndjson(LINES)


@pytest.mark.parametrize("block_size", [1, 2, 3, 5, 13, 100])
def test_multibyte_characters_split_across_reads_stay_intact(block_size):
    # With reads this small every 2-4 byte UTF-8 character is cut somewhere by a read boundary.
    assert merged(ndjson(LINES), block_size=block_size) == ndjson(LINES)


def test_a_line_longer_than_a_read_stays_whole():
    huge = event(BASE_TS, 0, "snapshot " * 50_000)
    lines = [huge, *LINES[1:5], huge.replace(b"303250", b"303999")]
    assert merged(ndjson(lines), block_size=4096) == ndjson(lines)


def test_crlf_line_ends_become_lf():
    assert merged(b"".join(line + b"\r\n" for line in LINES)) == ndjson(LINES)


def test_crlf_split_between_reads_still_becomes_lf():
    data = b"".join(line + b"\r\n" for line in LINES)
    assert merged(data, block_size=7) == ndjson(LINES)


def test_blank_lines_are_skipped():
    data = b"\n\n" + b"\n  \n\t\r\n\r\n".join(LINES[:10]) + b"\n\n"
    assert merged(data) == ndjson(LINES[:10])


def test_a_chunk_of_only_blank_lines_has_no_events():
    assert merged(b"\n\r\n   \n") == b""
    assert merged(b"") == b""


def test_a_last_line_without_a_newline_gets_one():
    assert merged(ndjson(LINES)[:-1]) == ndjson(LINES)


def test_blocks_know_their_first_and_last_timestamps():
    blocks = list(blocks_of(ndjson(LINES), block_size=1000))
    assert len(blocks) > 10
    assert b"".join(b.data for b in blocks) == ndjson(LINES)
    for block in blocks:
        keys = [line_timestamp(line, strict=True) for line in block.lines()]
        assert (block.first, block.last) == (keys[0], keys[-1])
        assert block.keys() == keys


@pytest.mark.parametrize(
    ("line", "ts"),
    [
        (b'{"type":3,"data":{},"timestamp":1795810303250}', 1795810303250),
        (b'{"timestamp":5}', 5),
        (b'{"timestamp":0,"type":1}', 0),
        (b'{"type":3, "timestamp" : 12 }', 12),
        (b'  {"type":3,"timestamp":12}  ', 12),
        (b'{"type":3,"timestamp":1.5}', 1.5),
        (b'{"type":3,"timestamp":-7}', -7),
        (b'{"type":3,"timestamp":1e3}', 1000.0),
        (b'{"timestamp":9,"type":3}', 9),
        (b'{"timestamp":1,"timestamp":2}', 2),  # duplicate keys: the last wins, as in JSON.parse
    ],
)
def test_numeric_top_level_timestamps_in_any_json_shape_are_accepted(line, ts):
    assert line_timestamp(line) == ts
    assert line_timestamp(line, strict=True) == ts


@pytest.mark.parametrize(
    "line",
    [
        b'{"data":{"timestamp":1},"timestamp":5}',
        b'{"timestamp":5,"data":{"x":1,"timestamp":1}}',
        b'{"data":"fake ,\\"timestamp\\":1}","timestamp":5}',
        b'{"timestamp":5,"data":{"s":"tail ,\\"timestamp\\":1}"}}',
    ],
)
def test_a_nested_or_quoted_timestamp_is_not_taken_for_the_top_level_one(line):
    assert line_timestamp(line) == 5


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b'{"type":3,"data":{"timestamp":5}}', 'has no top-level "timestamp"'),
        (b'{"type":3,"data":{}}', 'has no top-level "timestamp"'),
        (b'{"type":3,"timestamp":"5"}', "not a number"),
        (b'{"type":3,"timestamp":true}', "not a number"),
        (b'{"type":3,"timestamp":null}', "not a number"),
        (b'{"type":3,"timestamp":[5]}', "not a number"),
        (b'{"type":3,"timestamp":1e999}', "not a finite number"),
        (b'{"type":3,"timestamp":NaN}', "not valid JSON"),
        (b'{"type":3,"timestamp":Infinity}', "not valid JSON"),
        (b'{"type":3,"timestamp":05}', "not valid JSON"),
        (b'[{"timestamp":5}]', "not a JSON object"),
        (b'"timestamp"', "not a JSON object"),
        (b"5", "not a JSON object"),
        (b"{oops", "not valid JSON"),
        (b'{"timestamp":5}{"timestamp":6}', "not valid JSON"),
        (b'{"type":3,"timestamp":5', "not valid JSON"),
        (b'{"text":"\xff\xfe","timestamp":5x}', "not valid UTF-8"),
        (b"[" * 100_000, "nested too deeply|not valid JSON"),
    ],
)
def test_lines_that_are_not_events_are_rejected(line, why):
    with pytest.raises(ValueError, match=why):
        line_timestamp(line)
    data = ndjson([*LINES[:3], line, *LINES[3:6]])
    with pytest.raises(ChunkDecodeError, match=why) as info:
        merged(data)
    assert info.value.line == 4
    assert info.value.chunk == 0
    assert info.value.message.startswith("chunk 1 of 1 is damaged: line 4 ")


def test_the_line_number_of_an_error_counts_every_line_of_the_chunk():
    lines = [*LINES, *LINES]  # order does not matter for the error
    data = ndjson(lines[:450]) + b"\n\r\n" + b"not json\n" + ndjson(lines[450:])
    with pytest.raises(ChunkDecodeError) as info:
        merged(data, block_size=2048)
    assert info.value.line == 453
    assert "line 453 is not valid JSON" in info.value.message


def test_the_fast_path_checks_a_lines_shape_and_strict_mode_its_json():
    # The documented trade-off: `{oops,...,"timestamp":N}` has the shape of an event.
    odd = b'{oops,"timestamp":1795810303251}'
    data = ndjson([LINES[0], odd])
    assert merged(data) == data
    with pytest.raises(ChunkDecodeError, match="line 2 is not valid JSON"):
        merged(data, STRICT)


def test_strict_mode_passes_real_events_through_unchanged():
    assert merged(ndjson(LINES), STRICT) == ndjson(LINES)


def test_an_invalid_line_far_into_a_chunk_is_raised_mid_stream():
    data = ndjson([event(BASE_TS + i, i, "padding" * 20) for i in range(5_000)]) + b"oops\n"
    stream = merged_ndjson([gz(data)])
    first = next(stream)  # the start was fine: the response could already have begun
    assert first.startswith(LINES[0][:20])
    with pytest.raises(ChunkDecodeError, match="line 5001 is not valid JSON"):
        for _ in stream:
            pass


def test_an_invalid_first_block_is_raised_before_streaming():
    with pytest.raises(ChunkDecodeError, match="chunk 2 of 2 is damaged: line 2"):
        merged_ndjson([gz(ndjson(LINES)), gz(ndjson([LINES[0], b"<html>"]))])


def test_events_of_another_shape_are_parsed_in_bulk_and_merged_correctly():
    # A recorder that sorts keys: "timestamp" is never last, so no line has the fast shape.
    sorted_keys = [
        b'{"data":{"id":%d,"timestamp":1},"timestamp":%d,"type":3}' % (i, BASE_TS + 2 * i)
        for i in range(2_000)
    ]
    rrweb = [event(BASE_TS + 2 * i + 1, i) for i in range(2_000)]
    got = b"".join(merged_ndjson([gz(ndjson(sorted_keys)), gz(ndjson(rrweb))]))
    expected = [line for pair in zip(sorted_keys, rrweb, strict=True) for line in pair]
    assert got == ndjson(expected)


def test_a_bad_line_among_bulk_parsed_lines_is_still_named():
    lines = [b'{"timestamp":%d,"type":3}' % (BASE_TS + i) for i in range(500)]
    lines[321] = b'{"timestamp":"soon","type":3}'
    with pytest.raises(ChunkDecodeError, match='line 322 has a "timestamp" that is not a number'):
        merged(ndjson(lines))


def test_fixture_lines_are_the_compact_serialisation_of_their_events():
    for name in RECORDINGS:
        events = json.loads((fixtures_dir() / f"{name}.events.json").read_bytes())
        compact = {
            json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode() for e in events
        }
        for chunk in recording_chunks(name):
            assert set(gzip.decompress(chunk).splitlines()) <= compact
