"""Issue 14 over real HTTP: a replay plays whatever S3, GCS or a CDN does in between.

The demo's storage modes (oakdash/demo/storage.py) stand in for the real stores: every demo
replay must come out byte-identical in each; a transient failure is retried, an expired link is
refreshed once, an extra gzip layer is peeled.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from oakdash import upstream
from oakdash.dashboard import chunk_storage
from oakdash.demo import ACME_SECRET_KEY, DemoApp, make_app
from oakdash.demo.server import DemoServer, serve
from oakdash.demo.storage import MODES
from oakdash.oakdata import OakDataAPI
from oakdash.replay import ChunkHostPolicy, ReplayLimits, open_replay_stream, storage_client

pytestmark = pytest.mark.django_db

# The tests' storage is a server on loopback: allowed explicitly, as an operator would.
LOOPBACK = ChunkHostPolicy.from_lists(networks=["127.0.0.1/32"])
KEY = {"Authorization": f"Bearer {ACME_SECRET_KEY}"}


@pytest.fixture(scope="module", params=MODES)
def served(request) -> Iterator[tuple[DemoApp, DemoServer]]:
    app = make_app(seed=7, storage_mode=request.param)
    app.warm()  # the demo's data, built here rather than inside a request with a timeout
    server = serve(app)
    yield app, server
    server.stop()


def _dashboard_uses(monkeypatch, url: str) -> None:
    monkeypatch.setattr(upstream, "_api", OakDataAPI(url + "/api/v1"))
    monkeypatch.setattr(chunk_storage, "_http", storage_client(LOOPBACK))


def _replay_ids(url: str, limit: int = 200) -> list[str]:
    with httpx.Client(base_url=url, headers=KEY, timeout=60) as api:
        listed = api.get("/api/v1/replays", params={"limit": limit}).json()["replays"]
    return [r["id"] for r in listed]


@pytest.mark.backend_neutral
def test_every_demo_replay_is_byte_identical_in_each_storage_mode(served):
    app, server = served
    http = storage_client(LOOPBACK)
    limits = ReplayLimits(backoff=0.01)  # the retries' waits, shortened for the test
    api = httpx.Client(base_url=server.url, headers=KEY, timeout=60)

    def play(replay_id: str) -> tuple[bool, int]:
        detail = api.get(f"/api/v1/replays/{replay_id}").json()
        stream = open_replay_stream(http, [c["url"] for c in detail["chunk_urls"]], limits)
        merged = b"".join(stream)
        return merged.splitlines() == app.expected_events(replay_id), stream.stats.retries

    ids = _replay_ids(server.url)
    with ThreadPoolExecutor(6) as pool:  # six viewers at once, as a team would
        results = list(pool.map(play, ids))
    api.close()
    assert len(ids) == 200
    assert all(same for same, _ in results), [
        i for i, r in zip(ids, results, strict=True) if not r[0]
    ]
    retries = sum(r for _, r in results)
    mode = app.storage.behaviour.mode
    # S3 answers SlowDown and InternalError now and then: those replays played through retries.
    assert (retries > 0) == (mode == "s3"), (mode, retries)


def test_the_dashboard_streams_each_recording_in_each_mode(client_a, monkeypatch, served):
    app, server = served
    _dashboard_uses(monkeypatch, server.url)
    seen_layouts = set()
    for replay_id in _replay_ids(server.url, 12):
        answer = client_a.get(f"/replays/{replay_id}/events.ndjson")
        assert answer.status_code == 200, answer.content[:200]
        assert b"".join(answer.streaming_content).splitlines() == app.expected_events(replay_id)
        seen_layouts.add(answer["X-Replay-Chunks"])
    assert len(seen_layouts) == 3  # todomvc, mdn-bears (overlapping), rrweb-form (out of order)


class Storage:
    """WSGI middleware over a demo app: counts storage answers, may act after each one."""

    def __init__(self, app: DemoApp, after=None) -> None:
        self.app = app
        self.after = after
        self.served: Counter[str] = Counter()  # 200s per object path
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if not path.startswith("/storage/"):
            return self.app(environ, start_response)
        status = []

        def remember(line, headers, exc_info=None):
            status.append(line)
            return start_response(line, headers, exc_info)

        body = b"".join(self.app(environ, remember))
        with self._lock:
            if status[0].startswith("200"):
                self.served[path] += 1
            if self.after:
                self.after(self, path)
        return [body]


def _serve_with(monkeypatch, wrapper) -> DemoServer:
    server = serve(wrapper)
    _dashboard_uses(monkeypatch, server.url)
    return server


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _five_chunk_replay(url: str) -> str:
    with httpx.Client(base_url=url, headers=KEY, timeout=60) as api:
        listed = api.get("/api/v1/replays", params={"limit": 50}).json()["replays"]
    return next(r["id"] for r in listed if r["chunks_count"] == 5)


@pytest.mark.parametrize("mode", MODES)
def test_links_that_expire_mid_replay_are_refreshed_once_and_the_rest_continues(
    client_a, monkeypatch, settings, mode
):
    settings.OAKDASH_REPLAY_CONCURRENCY = 1  # one chunk after the other: expiry lands mid-way
    clock = Clock()
    app = make_app(seed=7, chunk_ttl=60, clock=clock, storage_mode=mode)

    bumped = []

    def after(storage: Storage, path: str) -> None:
        if sum(storage.served.values()) == 2 and not bumped:  # two chunks in: every link
            bumped.append(1)  # handed out so far expires, once
            clock.now += 61

    storage = Storage(app, after)
    server = _serve_with(monkeypatch, storage)
    try:
        replay_id = _five_chunk_replay(server.url)
        answer = client_a.get(f"/replays/{replay_id}/events.ndjson")
        assert answer.status_code == 200, answer.content[:300]
        assert b"".join(answer.streaming_content).splitlines() == app.expected_events(replay_id)
        assert answer["X-Replay-Refreshes"] == "1"
        # The two chunks already downloaded were not downloaded again.
        assert sorted(storage.served.values()) == [1, 1, 1, 1, 1]
    finally:
        server.stop()


def test_a_second_expiry_is_an_error_that_names_the_chunk_and_the_cause(
    client_a, monkeypatch, settings
):
    settings.OAKDASH_REPLAY_CONCURRENCY = 1
    clock = Clock()
    app = make_app(seed=7, chunk_ttl=60, clock=clock, storage_mode="s3")

    def after(storage: Storage, path: str) -> None:
        clock.now += 61  # every answer outlives every link handed out so far

    server = _serve_with(monkeypatch, Storage(app, after))
    try:
        replay_id = _five_chunk_replay(server.url)
        answer = client_a.get(f"/replays/{replay_id}/events.ndjson")
    finally:
        server.stop()
    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error.startswith("chunk ") and "of 5: storage refused: the link expired" in error
    assert "so did a fresh one" in error
    assert "X-Amz" not in error and "sig=" not in error and "storage/" not in error


def test_transient_storage_failures_are_retried_and_counted(client_a, monkeypatch):
    app = make_app(seed=7)
    server = _serve_with(monkeypatch, app)
    try:
        replay_id = _replay_ids(server.url, 1)[0]
        app.faults.add("/storage/", status=503, times=2, body=b"<Code>SlowDown</Code>")
        answer = client_a.get(f"/replays/{replay_id}/events.ndjson")
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content).splitlines() == app.expected_events(replay_id)
        assert answer["X-Replay-Retries"] == "2"

        app.faults.add("/storage/", status=503, body=b"<Code>SlowDown</Code>")
        answer = client_a.get(f"/replays/{replay_id}/events.ndjson")
        assert answer.status_code == 502
        assert answer.json()["error"].endswith(": storage is overloaded (HTTP 503), tried 3 times.")
    finally:
        server.stop()


def test_an_extra_gzip_layer_from_a_cdn_is_peeled(client_a, monkeypatch):
    app = make_app(seed=7)

    def cdn(environ, start_response):  # gzips every storage answer again, and says so
        if not environ["PATH_INFO"].startswith("/storage/"):
            return app(environ, start_response)
        status = []
        body = b"".join(app(environ, lambda line, headers, exc=None: status.append(line)))
        layered = gzip.compress(body, mtime=0)
        start_response(
            status[0], [("Content-Encoding", "gzip"), ("Content-Length", str(len(layered)))]
        )
        return [layered]

    server = _serve_with(monkeypatch, cdn)
    try:
        for replay_id in _replay_ids(server.url, 3):
            answer = client_a.get(f"/replays/{replay_id}/events.ndjson")
            assert answer.status_code == 200
            merged = b"".join(answer.streaming_content).splitlines()
            assert merged == app.expected_events(replay_id)
    finally:
        server.stop()


def test_the_storage_client_reuses_its_connections():
    """Keep-alive: 40 chunks, six at a time, over at most six connections (not forty)."""
    import http.server
    import socketserver

    body = gzip.compress(b'{"type":3,"data":{},"timestamp":1795810303250}\n' * 50)
    connections = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as S3 and GCS do

        def setup(self):
            super().setup()
            connections.append(self.client_address)

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        urls = [f"{base}/chunk-{i}.ndjson.gz?sig=x" for i in range(40)]
        http = storage_client(LOOPBACK)
        stream = open_replay_stream(http, urls, ReplayLimits(concurrency=6))
        assert len(b"".join(stream).splitlines()) == 40 * 50
        http.close()
    finally:
        server.shutdown()
        server.server_close()
    assert 1 <= len(connections) <= 6
