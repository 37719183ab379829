"""Chunk download: credentials, URL schemes, HTTP failures, concurrency, caps; the whole stream."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from oakdash.replay import (
    ChunkDecodeError,
    ChunkFetchError,
    ReplayLimits,
    ReplayTooLarge,
    download_chunks,
    open_replay_stream,
)

from .test_replay_support import fixtures_dir, gz, recording_chunks

SIGNED = "https://storage.test/replays/r1/chunk-{}.ndjson.gz?expires=1795810303&sig=s3cr3tSIG"


def urls(n: int) -> list[str]:
    return [SIGNED.format(i) for i in range(n)]


def index_of(request: httpx.Request) -> int:
    return int(request.url.path.rsplit("-", 1)[1].split(".")[0])


def client(handler, **kwargs) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler), **kwargs)


def serve(bodies: list[bytes], seen: list[httpx.Request] | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, content=bodies[index_of(request)])

    return handler


def assert_no_secret(exc: BaseException) -> None:
    for text in (str(exc), repr(exc), getattr(exc, "message", "")):
        assert "sig=" not in text and "s3cr3t" not in text and "storage.test" not in text
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


def test_bodies_come_back_in_url_order():
    bodies = [b"chunk %d" % i for i in range(20)]
    assert download_chunks(client(serve(bodies)), urls(20)) == bodies


def test_no_urls_download_nothing():
    assert download_chunks(client(serve([])), []) == []


def test_no_credential_of_the_api_client_is_sent_to_storage():
    seen: list[httpx.Request] = []
    http = client(
        serve([b"a", b"b"], seen),
        headers={"Authorization": "Bearer oak_sec_x", "X-Api-Key": "oak_sec_x", "User-Agent": "t"},
        cookies={"sessionid": "abc"},
        auth=("user", "pass"),
    )
    assert download_chunks(http, urls(2)) == [b"a", b"b"]
    assert len(seen) == 2
    for request in seen:
        assert "authorization" not in request.headers
        assert "x-api-key" not in request.headers
        assert "cookie" not in request.headers
        assert request.headers["accept-encoding"] == "gzip"  # read raw: see test_replay_storage
        assert request.url.params["sig"] == "s3cr3tSIG"  # the signed URL is sent untouched


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://storage.test/chunk.gz",
        "javascript:alert(1)",
        "data:application/gzip;base64,H4sI",
        "/relative/chunk.gz",
        "",
        "https:///no-host",
        "http://[::1",
        None,
    ],
)
def test_only_http_and_https_urls_are_fetched(url):
    seen: list[httpx.Request] = []
    with pytest.raises(ChunkFetchError, match="chunk 2 of 2") as info:
        download_chunks(client(serve([b"a", b"b"], seen)), [SIGNED.format(0), url])
    assert seen == []  # refused before any request, even the valid one
    assert info.value.chunk == 1


FAST_RETRIES = ReplayLimits(backoff=0.01)


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (403, "Request has expired", "storage refused: the link expired"),
        (403, "<Code>AccessDenied</Code>", "storage refused access"),
        (404, "", "not found"),
        (410, "", "not found"),
        (302, "", "redirect"),
        (429, "", "too many requests"),
        (500, "", r"storage failed \(HTTP 500\), tried 3 times"),
        (503, "", r"storage is overloaded \(HTTP 503\), tried 3 times"),
        (401, "", "HTTP 401"),
        (204, "", "HTTP 204"),
    ],
)
def test_a_non_200_answer_is_a_fetch_error(status, body, words):
    def handler(request):
        if index_of(request) == 2:
            return httpx.Response(status, headers={"Location": SIGNED.format(9)}, text=body)
        return httpx.Response(200, content=b"ok")

    with pytest.raises(ChunkFetchError, match=words) as info:
        download_chunks(client(handler), urls(4), FAST_RETRIES)
    assert info.value.status == status
    assert info.value.chunk == 2
    assert info.value.expired == (body == "Request has expired")
    assert info.value.message.startswith("chunk 3 of 4: ")
    assert_no_secret(info.value)


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (httpx.ReadTimeout, "storage did not answer in time, tried 3 times"),
        (httpx.PoolTimeout, "storage did not answer in time, tried 3 times"),
        (httpx.RemoteProtocolError, "the connection to storage failed, tried 3 times"),
        (httpx.ReadError, "the connection to storage failed, tried 3 times"),
        # A connection that cannot be made is not retried, and reads the same whatever the cause.
        (httpx.ConnectTimeout, "storage could not be reached.$"),
        (httpx.ConnectError, "storage could not be reached.$"),
    ],
)
def test_timeouts_and_connection_failures_are_fetch_errors(exc, words):
    def handler(request):
        raise exc(f"failed for {request.url}", request=request)

    with pytest.raises(ChunkFetchError, match=words) as info:
        download_chunks(client(handler), urls(1), FAST_RETRIES)
    assert info.value.status is None
    assert info.value.detail == exc.__name__
    assert info.value.timed_out == (exc in (httpx.ReadTimeout, httpx.PoolTimeout))
    assert_no_secret(info.value)


class SlowBody(httpx.SyncByteStream):
    def __init__(self, pieces: list[bytes], fail: Exception | None = None, pause: float = 0):
        self.pieces, self.fail, self.pause = pieces, fail, pause

    def __iter__(self):
        for piece in self.pieces:
            time.sleep(self.pause)
            yield piece
        if self.fail:
            raise self.fail


def test_a_body_cut_off_by_a_timeout_is_a_fetch_error():
    def handler(request):
        return httpx.Response(200, stream=SlowBody([b"part"], httpx.ReadTimeout("slow")))

    with pytest.raises(ChunkFetchError, match="did not answer in time"):
        download_chunks(client(handler), urls(3), FAST_RETRIES)


def test_downloads_run_concurrently_but_never_more_than_the_bound():
    lock = threading.Lock()
    running = peak = 0

    def handler(request):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.1)  # storage's time to answer one request
        with lock:
            running -= 1
        return httpx.Response(200, content=b"x")

    # The default hides storage latency: 96 chunks at 0.1 s each in about 3 rounds of 32, not 16
    # rounds of 6 (1.6 s, the old default). A generous bound: the machine may be busy.
    started = time.perf_counter()
    assert len(download_chunks(client(handler), urls(96))) == 96
    assert time.perf_counter() - started < 1.2
    assert 6 < peak <= 32
    peak = 0
    download_chunks(client(handler), urls(12), ReplayLimits(concurrency=2))
    assert peak == 2


def test_the_first_failure_abandons_the_other_downloads():
    calls = []

    def handler(request):
        calls.append(index_of(request))
        if index_of(request) == 0:
            return httpx.Response(403)
        time.sleep(0.05)
        return httpx.Response(200, content=b"x")

    started = time.perf_counter()
    with pytest.raises(ChunkFetchError, match="refused access"):
        download_chunks(client(handler), urls(200), ReplayLimits(concurrency=4))
    assert time.perf_counter() - started < 1.0
    time.sleep(0.2)  # let the downloads already running finish
    assert len(calls) < 20


def test_a_chunk_over_the_compressed_cap_is_refused_by_its_content_length():
    streamed = []

    def handler(request):
        body = SlowBody([b"x" * 1000] * 100)
        streamed.append(body)
        return httpx.Response(200, headers={"Content-Length": "100000"}, stream=body)

    with pytest.raises(ReplayTooLarge, match="download limit") as info:
        download_chunks(client(handler), urls(1), ReplayLimits(max_chunk_compressed=99_999))
    assert info.value.limit == "max_chunk_compressed"


def test_a_chunk_over_the_compressed_cap_is_stopped_while_streaming():
    sent = []

    def handler(request):
        def pieces():
            for _ in range(10_000):
                sent.append(1)
                yield b"x" * 1000

        return httpx.Response(200, content=pieces())  # chunked: no Content-Length

    with pytest.raises(ReplayTooLarge, match="chunk 1 of 1 is larger than the 10 KiB"):
        download_chunks(client(handler), urls(1), ReplayLimits(max_chunk_compressed=10 * 1024))
    assert len(sent) <= 12  # stopped at the cap, not at the end of the body


def test_a_chunk_of_exactly_the_compressed_cap_is_fine():
    body = b"x" * 4096
    limits = ReplayLimits(max_chunk_compressed=4096)
    assert download_chunks(client(serve([body])), urls(1), limits) == [body]


def test_all_chunks_together_are_capped_too():
    bodies = [b"x" * 1000] * 10
    limits = ReplayLimits(max_replay_compressed=9_999, concurrency=1)
    with pytest.raises(ReplayTooLarge) as info:
        download_chunks(client(serve(bodies)), urls(10), limits)
    assert info.value.limit == "max_replay_compressed"


def test_too_many_chunks_are_refused_before_downloading():
    seen: list[httpx.Request] = []
    with pytest.raises(ReplayTooLarge, match="3 chunks; at most 2"):
        download_chunks(client(serve([b""] * 3, seen)), urls(3), ReplayLimits(max_chunks=2))
    assert seen == []


def test_a_download_slower_than_the_deadline_fails():
    def handler(request):
        return httpx.Response(200, stream=SlowBody([b"x"] * 50, pause=0.02))

    started = time.perf_counter()
    with pytest.raises(ChunkFetchError, match=r"longer than 0\.2 s"):
        download_chunks(client(handler), urls(2), ReplayLimits(deadline=0.2))
    assert time.perf_counter() - started < 0.6


def test_a_gzip_content_encoding_is_not_undone_by_httpx():
    # Storage often labels .gz objects `Content-Encoding: gzip`; the raw bytes must come through.
    body = gz(b'{"timestamp":1}\n')

    def handler(request):
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=body)

    assert download_chunks(client(handler), urls(1)) == [body]


# --- open_replay_stream: download + merge, ready to stream ----------------------------------------


def test_a_recording_streams_from_its_signed_urls_to_its_events():
    chunks = recording_chunks("mdn-bears")
    stream = open_replay_stream(client(serve(chunks)), urls(len(chunks)))
    lines = b"".join(stream).split(b"\n")[:-1]
    expected = (fixtures_dir() / "mdn-bears.events.json").read_bytes()
    assert b"[" + b",".join(lines) + b"]" == expected


def test_a_bad_chunk_fails_before_the_stream_is_returned():
    chunks = recording_chunks("todomvc")
    chunks[2] = gz(b"<html>Internal error</html>")
    with pytest.raises(ChunkDecodeError, match="chunk 3 of 4 is damaged: line 1"):
        open_replay_stream(client(serve(chunks)), urls(4))


def test_an_expired_link_fails_before_the_stream_is_returned():
    expired = httpx.Response(403, text="<Message>Request has expired</Message>")
    with pytest.raises(ChunkFetchError) as info:
        open_replay_stream(client(lambda request: expired), urls(3))
    assert info.value.expired


def test_a_replay_with_no_events_streams_nothing():
    assert list(open_replay_stream(client(serve([gz(b"")])), urls(1))) == []
