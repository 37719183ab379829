"""Chunk downloads against storage as it really behaves: encodings, transient failures, expiry.

The storage here is an httpx MockTransport answering as S3, GCS or a CDN would; the same cases
run over real HTTP against the demo's storage modes in tests/integration/test_replay_storage.py.
"""

from __future__ import annotations

import gzip
import logging
import time
from collections import Counter

import httpx
import pytest

from oakdash.replay import (
    ChunkDecodeError,
    ChunkFetchError,
    DownloadStats,
    MemoryBudget,
    ReplayBusy,
    ReplayLimits,
    ReplayTooLarge,
    download,
    download_chunks,
    merged_ndjson,
    open_replay_stream,
)
from tests.support.replay_chunks import fixtures_dir, gz, gzip_bomb, recording_chunks

SIGNED = "https://storage.test/r1/chunk-{}.ndjson.gz?X-Amz-Signature=s3cr3tSIG{}"
FAST = ReplayLimits(backoff=0.01)
S3_SLOWDOWN = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
S3_EXPIRED = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
GCS_EXPIRED = (
    "<Error><Code>ExpiredToken</Code><Message>Invalid argument.</Message>"
    "<Details>The provided token has expired.</Details></Error>"
)


def urls(n: int, generation: int = 0) -> list[str]:
    return [SIGNED.format(i, generation) for i in range(n)]


def index_of(request: httpx.Request) -> int:
    return int(request.url.path.rsplit("-", 1)[1].split(".")[0])


def generation_of(request: httpx.Request) -> int:
    return int(request.url.params["X-Amz-Signature"][len("s3cr3tSIG") :])


def client(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def expected_bears() -> list[bytes]:
    return (fixtures_dir() / "mdn-bears.events.json").read_bytes()[1:-1].split(b",\n")


def merged(chunks: list[bytes]) -> bytes:
    return b"".join(merged_ndjson(chunks))


# --- 14.1 encodings: decided by the bytes -------------------------------------------------------


def test_gzip_with_or_without_a_content_encoding_header_and_plain_ndjson_all_merge_alike():
    chunks = recording_chunks("mdn-bears")
    reference = merged(chunks)

    def handler(request):
        data = chunks[index_of(request)]
        kind = index_of(request) % 3
        if kind == 0:  # S3: the .gz object, labelled Content-Encoding: gzip
            return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=data)
        if kind == 1:  # plain storage: application/gzip, no encoding
            return httpx.Response(200, headers={"Content-Type": "application/gzip"}, content=data)
        # GCS decompressive transcoding: already NDJSON, and no Content-Encoding
        return httpx.Response(200, content=gzip.decompress(data))

    assert b"".join(open_replay_stream(client(handler), urls(len(chunks)))) == reference


def test_storage_is_asked_for_gzip_and_the_body_is_read_raw():
    seen = []
    body = gz(b'{"timestamp":1}\n')

    def handler(request):
        seen.append(request.headers["accept-encoding"])
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=body)

    assert download_chunks(client(handler), urls(1)) == [body]  # not inflated by httpx
    assert seen == ["gzip"]


def test_one_extra_gzip_layer_from_a_cdn_is_peeled():
    chunks = recording_chunks("todomvc")

    def handler(request):
        # A CDN gzips a response that already is a .gz object and says Content-Encoding: gzip.
        layered = gzip.compress(chunks[index_of(request)], mtime=0)
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=layered)

    downloaded = download_chunks(client(handler), urls(len(chunks)))
    assert downloaded == chunks
    assert merged(downloaded) == merged(chunks)


def test_two_extra_layers_are_not_peeled_and_the_chunk_is_damaged():
    twice = gzip.compress(gzip.compress(gz(b'{"timestamp":1}\n')))
    handler = lambda request: httpx.Response(200, content=twice)  # noqa: E731
    with pytest.raises(ChunkDecodeError, match="chunk 1 of 1 is damaged"):
        open_replay_stream(client(handler), urls(1))


def test_a_bomb_in_the_extra_layer_stops_at_the_compressed_cap():
    # The outer layer inflates to 1 GiB of "gzip": peeling stops at max_chunk_compressed.
    bomb = gzip_bomb(1 << 30, block=b"\x1f\x8b" + bytes((1 << 20) - 2))
    handler = lambda request: httpx.Response(200, content=bomb)  # noqa: E731
    started = time.perf_counter()
    with pytest.raises(ReplayTooLarge, match="chunk 1 of 1 is larger than the 4 MiB"):
        download_chunks(client(handler), urls(1), ReplayLimits(max_chunk_compressed=4 << 20))
    assert time.perf_counter() - started < 2


def test_plain_ndjson_is_capped_like_a_decompressed_chunk():
    line = b'{"type":3,"data":{},"timestamp":1795810303250}\n'
    body = line * 2000
    handler = lambda request: httpx.Response(200, content=body)  # noqa: E731
    limits = ReplayLimits(max_chunk_compressed=1024, max_chunk_bytes=len(body))
    assert download_chunks(client(handler), urls(1), limits) == [body]  # over 1 KiB: fine
    with pytest.raises(ReplayTooLarge, match="larger than"):
        download_chunks(
            client(handler), urls(1), ReplayLimits(max_chunk_compressed=1024, max_chunk_bytes=999)
        )


@pytest.mark.parametrize(
    "body",
    [b"<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>", b"\x00\x01binary", b"PK\x03"],
)
def test_a_body_that_is_neither_gzip_nor_ndjson_is_an_error(body):
    handler = lambda request: httpx.Response(200, content=body)  # noqa: E731
    with pytest.raises(ChunkDecodeError, match="chunk 1 of 1 is neither gzip nor NDJSON"):
        open_replay_stream(client(handler), urls(1))


# --- 14.2 transient failures: retried, bounded, logged without the signature --------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_transient_status_is_retried_and_the_replay_plays(status):
    chunks = recording_chunks("mdn-bears")
    calls: Counter[int] = Counter()

    def handler(request):
        index = index_of(request)
        calls[index] += 1
        if index == 1 and calls[index] <= 2:
            return httpx.Response(status, text=S3_SLOWDOWN)
        return httpx.Response(200, content=chunks[index])

    stats = DownloadStats()
    assert download_chunks(client(handler), urls(len(chunks)), FAST, stats=stats) == chunks
    assert calls[1] == 3
    assert stats.retries == 2


@pytest.mark.parametrize("exc", [httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout])
def test_a_reset_or_a_read_timeout_is_retried(exc):
    calls = Counter()

    def handler(request):
        calls[index_of(request)] += 1
        if calls[index_of(request)] == 1:
            raise exc("Server disconnected without sending a response.", request=request)
        return httpx.Response(200, content=b"ok")

    assert download_chunks(client(handler), urls(3), FAST) == [b"ok"] * 3
    assert calls == {0: 2, 1: 2, 2: 2}


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429])
def test_a_4xx_is_never_retried(status):
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(status, text="<Error><Code>Nope</Code></Error>")

    with pytest.raises(ChunkFetchError):
        download_chunks(client(handler), urls(1), FAST)
    assert len(calls) == 1


def test_a_refused_connection_is_not_retried():
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(ChunkFetchError, match=r"^chunk 1 of 1: storage could not be reached\.$"):
        download_chunks(client(handler), urls(1), FAST)
    assert len(calls) == 1


def test_tries_are_bounded_and_the_message_names_chunk_cause_and_count():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(503, text=S3_SLOWDOWN)

    with pytest.raises(ChunkFetchError) as info:
        download_chunks(client(handler), urls(12)[2:3], ReplayLimits(backoff=0.01, attempts=4))
    assert len(calls) == 4
    assert info.value.message == ("chunk 1 of 1: storage is overloaded (HTTP 503), tried 4 times.")
    assert info.value.attempts == 4


def test_backoff_grows_and_is_jittered(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(download._Shared, "pause", lambda self, delay: waits.append(delay))
    monkeypatch.setattr("random.random", lambda: 1.0)  # the top of the jitter range
    handler = lambda request: httpx.Response(500)  # noqa: E731
    with pytest.raises(ChunkFetchError, match="tried 4 times"):
        download_chunks(client(handler), urls(1), ReplayLimits(backoff=0.1, attempts=4))
    assert waits == pytest.approx([0.1, 0.2, 0.4])
    waits.clear()
    monkeypatch.setattr("random.random", lambda: 0.0)  # the bottom: half the step
    with pytest.raises(ChunkFetchError):
        download_chunks(client(handler), urls(1), ReplayLimits(backoff=0.1, attempts=4))
    assert waits == pytest.approx([0.05, 0.1, 0.2])


def test_retry_after_is_honoured():
    calls = []

    def handler(request):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(503, headers={"Retry-After": "1"}, text=S3_SLOWDOWN)
        return httpx.Response(200, content=b"ok")

    assert download_chunks(client(handler), urls(1), FAST) == [b"ok"]
    assert calls[1] - calls[0] >= 0.95


def test_a_retry_after_beyond_the_time_budget_gives_up_at_once():
    handler = lambda request: httpx.Response(503, headers={"Retry-After": "120"})  # noqa: E731
    started = time.monotonic()
    with pytest.raises(ChunkFetchError, match=r"overloaded.*tried once"):
        download_chunks(client(handler), urls(1), ReplayLimits(deadline=5, backoff=0.01))
    assert time.monotonic() - started < 1


def test_retries_are_logged_with_the_path_and_never_the_signature(caplog):
    calls = Counter()

    def handler(request):
        calls[index_of(request)] += 1
        if calls[index_of(request)] == 1:
            return httpx.Response(503, text=S3_SLOWDOWN)
        return httpx.Response(200, content=b"ok")

    with caplog.at_level(logging.INFO, logger="oakdash.replay"):
        download_chunks(client(handler), urls(2), FAST)
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2
    assert all("storage.test/r1/chunk-" in line for line in retries)
    assert not any("s3cr3t" in line or "Signature" in line for line in caplog.text.splitlines())


# --- 14.3 expired links: one refresh, then go on -------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [(403, S3_EXPIRED), (400, GCS_EXPIRED), (403, '{"error": "signed URL has expired"}')],
    ids=["s3", "gcs", "demo"],
)
def test_an_expired_link_is_refreshed_once_and_the_rest_continues(status, body):
    chunks = recording_chunks("mdn-bears")
    n = len(chunks)
    fetched: Counter[tuple[int, int]] = Counter()
    refreshes = []

    def handler(request):
        index, generation = index_of(request), generation_of(request)
        fetched[index, generation] += 1
        if generation == 0 and index >= 2:  # the first links of chunk 3 on have expired
            return httpx.Response(status, text=body)
        return httpx.Response(200, content=chunks[index])

    def refresh():
        refreshes.append(1)
        return urls(n, generation=1)

    stats = DownloadStats()
    limits = ReplayLimits(concurrency=1)
    got = download_chunks(client(handler), urls(n), limits, refresh=refresh, stats=stats)
    assert got == chunks
    assert refreshes == [1]
    assert stats.refreshes == 1
    # Chunks 1 and 2 came with the first links and were not fetched again.
    assert fetched[0, 0] == fetched[1, 0] == 1
    assert fetched[0, 1] == fetched[1, 1] == 0
    assert all(fetched[i, 1] == 1 for i in range(2, n))


def test_a_second_expiry_is_an_error_naming_the_chunk():
    refreshes = []

    def refresh():
        refreshes.append(1)
        return urls(4, generation=len(refreshes))

    handler = lambda request: httpx.Response(403, text=S3_EXPIRED)  # noqa: E731
    with pytest.raises(ChunkFetchError) as info:
        download_chunks(client(handler), urls(4), ReplayLimits(concurrency=1), refresh=refresh)
    assert refreshes == [1]
    assert info.value.expired
    assert info.value.message == (
        "chunk 1 of 4: storage refused: the link expired, and so did a fresh one."
    )


def test_without_a_refresh_an_expired_link_is_an_error():
    handler = lambda request: httpx.Response(403, text=S3_EXPIRED)  # noqa: E731
    with pytest.raises(ChunkFetchError) as info:
        download_chunks(client(handler), urls(2), ReplayLimits(concurrency=1))
    assert info.value.message == "chunk 1 of 2: storage refused: the link expired."


def test_a_refresh_that_fails_or_changes_the_replay_is_an_error():
    handler = lambda request: httpx.Response(403, text=S3_EXPIRED)  # noqa: E731

    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("the API is down: https://api.test/?key=oak_sec_x")

    with pytest.raises(ChunkFetchError, match="fresh links could not be had") as info:
        download_chunks(client(handler), urls(2), refresh=broken)
    assert calls == [1]  # a failed refresh was the one refresh
    assert "oak_sec" not in str(info.value) and info.value.__cause__ is None
    assert info.value.__suppress_context__
    with pytest.raises(ChunkFetchError, match="changed while it was loading"):
        download_chunks(client(handler), urls(2), refresh=lambda: urls(3, 1))


def test_a_403_that_is_not_an_expiry_is_not_refreshed():
    refreshes = []
    denied = "<Error><Code>SignatureDoesNotMatch</Code></Error>"
    handler = lambda request: httpx.Response(403, text=denied)  # noqa: E731
    with pytest.raises(ChunkFetchError, match="storage refused access"):
        download_chunks(client(handler), urls(2), refresh=lambda: refreshes.append(1) or [])
    assert refreshes == []


# --- memory: one budget for every replay of the process ------------------------------------------


def test_the_process_memory_budget_is_shared_and_given_back_on_close():
    chunks = recording_chunks("mdn-bears")
    size = sum(len(c) for c in chunks)
    budget = MemoryBudget(size + size // 2)

    def handler(request):
        return httpx.Response(200, content=chunks[index_of(request)])

    first = open_replay_stream(client(handler), urls(len(chunks)), memory=budget)
    assert budget.used == size
    with pytest.raises(ReplayBusy):
        open_replay_stream(client(handler), urls(len(chunks)), memory=budget)
    assert budget.used == size  # the refused replay holds nothing
    first.close()
    assert budget.used == 0
    second = open_replay_stream(client(handler), urls(len(chunks)), memory=budget)
    assert b"".join(second) == merged(chunks)
    assert budget.used == 0  # ending the stream gives it back too


def test_a_replay_larger_than_the_whole_budget_is_too_large_not_busy():
    handler = lambda request: httpx.Response(200, content=b"x" * 1000)  # noqa: E731
    budget = MemoryBudget(2500)
    with pytest.raises(ReplayTooLarge, match="keeps in memory"):
        download_chunks(client(handler), urls(3), memory=budget.reservation())
    assert budget.used == 0
