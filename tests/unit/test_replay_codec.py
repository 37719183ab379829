"""The codec module: ISA-L or zlib (both tested), zstd/gzip/identity negotiation and encoders."""

from __future__ import annotations

import zlib

import pytest
import zstandard

from oakdash.replay import codec, merged_ndjson

from .test_replay_support import RECORDINGS, deflate, recording_chunks

__all__ = ["deflate"]  # the fixture: each test below that takes it runs with ISA-L, then zlib


def test_isal_is_chosen_where_it_is_installed():
    assert codec.ISAL is not None and codec.DEFLATE is codec.ISAL


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        ("gzip, deflate, br, zstd", "zstd"),  # what Chromium sends, even on http://127.0.0.1
        ("gzip, deflate, br", "gzip"),  # a browser without zstd
        ("gzip, deflate", "gzip"),
        ("", "identity"),
        ("identity", "identity"),
        ("br", "identity"),
        ("GZIP", "gzip"),
        ("x-gzip", "gzip"),
        (" zstd ; q=0.5 , gzip ; q=0.4 ", "zstd"),
        ("zstd;q=0.2, gzip", "gzip"),  # the highest q wins
        ("gzip;q=0, zstd;q=0.001", "zstd"),
        ("zstd;q=0, gzip;q=0", "identity"),
        ("zstd;q=0, gzip;q=0, identity;q=0", "identity"),  # nothing acceptable: plain anyway
        ("*", "zstd"),
        ("*;q=0.5, zstd;q=0", "gzip"),
        ("*;q=0, gzip", "gzip"),
        ("*;q=0", "identity"),
        ("zstd;q=nonsense, gzip", "gzip"),  # a q that cannot be read accepts nothing
        ("zstd;q=5", "zstd"),  # out of range: clamped to 1
        ("gzip;q=1.0, zstd;q=1.0", "zstd"),  # a tie goes to zstd
        ("gzip;level=9", "gzip"),  # other parameters do not matter
        (",,;q=1, gzip", "gzip"),
    ],
)
def test_the_response_coding_follows_accept_encoding_and_its_q_values(header, coding):
    assert codec.negotiate(header) == coding


BLOCKS = [b'{"type":3,"timestamp":%d}\n' % (1_795_810_303_250 + i) * 500 for i in range(6)]


def _decoders():
    return {
        "gzip": lambda: zlib.decompressobj(31).decompress,
        "zstd": lambda: zstandard.ZstdDecompressor().decompressobj().decompress,
        "identity": lambda: bytes,
    }


@pytest.mark.parametrize("coding", codec.CODINGS)
def test_every_block_can_be_decoded_as_soon_as_it_is_sent(deflate, coding):
    # The browser plays what has arrived: each piece must decode to exactly its block.
    decode = _decoders()[coding]()
    pieces = list(codec.encoder(coding)(iter(BLOCKS)))
    for block, piece in zip(BLOCKS, pieces, strict=False):
        assert decode(piece) == block
    assert b"".join(decode(p) for p in pieces[len(BLOCKS) :]) == b""
    if coding != "identity":
        assert sum(map(len, pieces)) < sum(map(len, BLOCKS)) / 5


def test_isal_and_zlib_merge_every_recording_to_the_same_bytes(monkeypatch):
    outputs = {}
    for chosen in (codec.ISAL, codec.ZLIB):
        monkeypatch.setattr(codec, "DEFLATE", chosen)
        outputs[chosen.name] = [b"".join(merged_ndjson(recording_chunks(n))) for n in RECORDINGS]
    assert outputs["isal"] == outputs["zlib"]
    assert all(outputs["zlib"])
