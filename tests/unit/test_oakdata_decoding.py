"""The API body decoder: identity or one gzip/deflate layer, inflated under the size cap."""

from __future__ import annotations

import gzip
import json
import zlib

import httpx
import pytest

from oakdash.oakdata import OakDataAPI, Unavailable, models
from oakdash.oakdata.decoding import BodyDecoder

KEY = "oak_sec_4f8a2c9e7b1d3f5a6c8e0b2d1a2b"
LIVE = json.dumps({"active_now": 3, "sessions": []}).encode()


def decode(body: bytes, encoding: str | None, cap: int = 1 << 20, step: int = 7) -> bytes:
    """Feed `body` in small pieces, as a socket would hand it over."""
    decoder = BodyDecoder(encoding, cap)
    pieces = []
    for i in range(0, len(body), step):
        pieces += decoder.feed(body[i : i + step])
    return b"".join(pieces + decoder.finish())


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        (None, lambda b: b),
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        (" GZIP ", gzip.compress),
        ("deflate", zlib.compress),  # what RFC 9110 calls deflate: zlib-wrapped
        ("deflate", raw_deflate),  # what some servers send instead
    ],
)
def test_identity_and_one_layer_decode(encoding, encode):
    assert decode(encode(LIVE), encoding) == LIVE


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, gzip", "deflate, gzip"])
def test_unknown_or_stacked_encodings_are_refused_before_reading(encoding):
    with pytest.raises(Unavailable, match="encoding oakdash does not accept"):
        BodyDecoder(encoding, 1 << 20)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_truncated_body_is_damaged(encoding):
    body = gzip.compress(LIVE * 50) if encoding == "gzip" else zlib.compress(LIVE * 50)
    with pytest.raises(Unavailable, match="damaged or cut short"):
        decode(body[: len(body) // 2], encoding)


def test_junk_and_trailing_bytes_are_damaged():
    with pytest.raises(Unavailable, match="damaged"):
        decode(b"not gzip at all", "gzip")
    with pytest.raises(Unavailable, match="damaged"):
        decode(gzip.compress(LIVE) + b"trailing", "gzip")


@pytest.mark.parametrize("encoding", [None, "gzip", "deflate"])
def test_output_over_the_cap_is_too_large_and_zlib_never_makes_more(encoding):
    data = b"0" * 100_000
    body = {None: data, "gzip": gzip.compress(data), "deflate": zlib.compress(data)}[encoding]
    decoder = BodyDecoder(encoding, 10_000)
    with pytest.raises(Unavailable, match="too large"):
        for i in range(0, len(body), 1000):
            decoder.feed(body[i : i + 1000])
        decoder.finish()
    if encoding:  # identity holds what was received anyway; inflating stops at the cap
        assert decoder.produced <= 10_001


def test_exactly_the_cap_is_fine():
    assert decode(gzip.compress(b"x" * 5000), "gzip", cap=5000, step=100) == b"x" * 5000


def _api(handler) -> OakDataAPI:
    return OakDataAPI("http://api.test/api/v1", transport=httpx.MockTransport(handler))


def test_the_pool_asks_for_gzip_and_decodes_it_itself():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["accept"] = request.headers.get("accept-encoding")
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(LIVE)
        )

    with _api(handler) as api:
        assert api.get("/live", models.Live, key=KEY).active_now == 3
    assert seen["accept"] == "gzip"


def test_the_pool_refuses_a_nested_bomb_without_inflating_it():
    bomb = gzip.compress(gzip.compress(b"\0" * (64 << 20)))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip, gzip"}, content=bomb)

    with _api(handler) as api, pytest.raises(Unavailable, match="gzip, gzip"):
        api.get("/journey", models.Journey, key=KEY)
