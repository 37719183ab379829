"""/replays/<id>/events.ndjson: fresh URLs every load, merged order, gzip, and every failure."""

from __future__ import annotations

import gzip
import io
import json
import time
from collections.abc import Iterator

import httpx
import pytest
import zstandard

from oakdash import upstream
from oakdash.dashboard import chunk_storage
from oakdash.demo import ACME_SECRET_KEY, DemoApp, make_app
from oakdash.demo.server import serve
from oakdash.oakdata import OakDataAPI
from oakdash.replay import ChunkHostPolicy, storage_client
from tests.recording import RecordingApp

pytestmark = pytest.mark.django_db

# The tests' storage is a server on loopback: allowed explicitly, as an operator would.
LOOPBACK = ChunkHostPolicy.from_lists(networks=["127.0.0.1/32"])


def _use_api(monkeypatch, app, *, over_http: str | None = None) -> None:
    """The dashboard's API and storage client pointed at `app`: in-process, or at a server URL."""
    if over_http:
        api = OakDataAPI(over_http + "/api/v1")
        storage = storage_client(LOOPBACK)
    else:
        api = OakDataAPI(upstream.DEMO_BASE_URL, transport=httpx.WSGITransport(app=app))
        storage = storage_client(LOOPBACK, transport=httpx.WSGITransport(app=app))
    monkeypatch.setattr(upstream, "_api", api)
    monkeypatch.setattr(chunk_storage, "_http", storage)


@pytest.fixture
def demo() -> DemoApp:
    return make_app(seed=7, chunk_ttl=1800)


@pytest.fixture
def in_process(monkeypatch, demo) -> RecordingApp:
    recorder = RecordingApp(demo)
    _use_api(monkeypatch, recorder)
    return recorder


@pytest.fixture
def over_http(monkeypatch, demo) -> Iterator[RecordingApp]:
    recorder = RecordingApp(demo)
    server = serve(recorder)
    _use_api(monkeypatch, recorder, over_http=server.url)
    yield recorder
    server.stop()


def _replay_ids(demo: DemoApp) -> list[str]:
    api = OakDataAPI(upstream.DEMO_BASE_URL, transport=httpx.WSGITransport(app=demo))
    return [replay.id for replay in api.for_key(ACME_SECRET_KEY).replays(limit=200).replays]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.backend_neutral
def test_every_demo_replay_streams_in_merged_order_over_http(client_a, over_http, demo):
    ids = _replay_ids(demo)
    assert len(ids) >= 3
    for replay_id in ids:
        response = client_a.get(f"/replays/{replay_id}/events.ndjson")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/x-ndjson"
        lines = _body(response).splitlines()
        assert lines == demo.expected_events(replay_id), replay_id


@pytest.mark.backend_neutral
def test_the_overlapping_and_out_of_order_recordings_come_out_sorted(client_a, in_process, demo):
    for replay_id in _replay_ids(demo):
        stamps = [
            json.loads(line)["timestamp"]
            for line in _body(client_a.get(f"/replays/{replay_id}/events.ndjson")).splitlines()
        ]
        assert stamps == sorted(stamps)
        assert stamps, replay_id


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br, zstd", "zstd"),  # Chromium's, on http://127.0.0.1 too
        ("gzip, deflate, br", "gzip"),  # a browser without zstd still gets gzip
        ("zstd;q=0.1, gzip", "gzip"),
        ("identity", None),
        (None, None),
    ],
)
def test_the_stream_is_compressed_as_the_browser_accepts(
    client_a, in_process, demo, accept, coding
):
    replay_id = _replay_ids(demo)[1]
    headers = {"HTTP_ACCEPT_ENCODING": accept} if accept is not None else {}
    response = client_a.get(f"/replays/{replay_id}/events.ndjson", **headers)
    assert response.get("Content-Encoding") == coding
    assert "Accept-Encoding" in response["Vary"]
    body = _body(response)
    if coding == "gzip":
        body = gzip.GzipFile(fileobj=io.BytesIO(body)).read()
    elif coding == "zstd":
        body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
    assert body.splitlines() == demo.expected_events(replay_id)


def test_every_load_asks_the_api_for_fresh_chunk_urls(client_a, monkeypatch):
    now = [time.time()]
    short_lived = make_app(seed=7, chunk_ttl=1, clock=lambda: now[0])
    recorder = RecordingApp(short_lived)
    _use_api(monkeypatch, recorder)
    replay_id = _replay_ids(short_lived)[0]
    expected = short_lived.expected_events(replay_id)

    first = _body(client_a.get(f"/replays/{replay_id}/events.ndjson"))
    first_urls = [r["path"] for r in recorder.requests if r["path"].startswith("/storage/")]
    now[0] += 2.1  # the demo's clock moves on: the first load's signed URLs have expired
    second = client_a.get(f"/replays/{replay_id}/events.ndjson")
    assert second.status_code == 200
    assert _body(second).splitlines() == expected
    assert first.splitlines() == expected
    api_calls = [r for r in recorder.requests if r["path"] == f"/api/v1/replays/{replay_id}"]
    assert len(api_calls) == 2
    assert first_urls


def test_chunk_downloads_carry_no_credentials(client_a, over_http, demo):
    _body(client_a.get(f"/replays/{_replay_ids(demo)[0]}/events.ndjson"))
    storage = [r for r in over_http.requests if r["path"].startswith("/storage/")]
    api = [r for r in over_http.requests if r["path"].startswith("/api/")]
    assert storage
    assert all(r["authorization"] is None for r in storage)
    assert all(r["x-api-key"] is None and r["cookie"] is None for r in storage)
    assert all(r["authorization"] == f"Bearer {ACME_SECRET_KEY}" for r in api)


def test_an_unknown_replay_is_a_json_404_before_any_body(client_a, in_process):
    response = client_a.get("/replays/rec_nope/events.ndjson")
    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.parametrize("status", [403, 500, 503])
def test_a_chunk_that_cannot_be_fetched_is_a_json_error_with_a_status(
    client_a, in_process, demo, status
):
    demo.faults.add("/storage/", status=status)
    response = client_a.get(f"/replays/{_replay_ids(demo)[0]}/events.ndjson")
    assert response.status_code == 502
    assert "chunk" in response.json()["error"]
    assert "sig=" not in response.json()["error"]


def test_a_hanging_chunk_download_times_out_with_504(client_a, over_http, demo, settings):
    settings.OAKDATA_READ_TIMEOUT = 0.3
    replay_id = _replay_ids(demo)[0]
    demo.faults.add("/storage/", status=None, delay=3.0)
    started = time.monotonic()
    response = client_a.get(f"/replays/{replay_id}/events.ndjson")
    assert response.status_code == 504
    assert time.monotonic() - started < 3.0


def _gz(lines: list[bytes]) -> bytes:
    return gzip.compress(b"".join(lines))


def _event(ts: int, pad: int = 0) -> bytes:
    return b'{"type":3,"data":{"source":1,"pad":"' + b"x" * pad + b'"},"timestamp":%d}\n' % ts


def test_a_corrupt_line_after_the_body_started_ends_with_an_error_line(client_a, in_process, demo):
    start = int(time.time() * 1000) - 120_000
    good = [_event(start + i, pad=2000) for i in range(200)]  # several 64 KiB blocks
    chunk = _gz([*good, b"this is not json\n", _event(start + 500)])
    replay_id = demo.add_replay("acme", {"duration_ms": 1000}, [chunk])
    response = client_a.get(f"/replays/{replay_id}/events.ndjson")
    assert response.status_code == 200
    lines = _body(response).splitlines()
    assert json.loads(lines[-1]) == {"error": json.loads(lines[-1])["error"]}
    assert "timestamp" not in json.loads(lines[-1])
    assert all(b'"timestamp"' in line for line in lines[:-1])
    assert len(lines) - 1 < len(good) + 1


def test_a_truncated_chunk_before_any_body_is_a_json_error(client_a, in_process, demo):
    start = int(time.time() * 1000) - 60_000
    chunk = _gz([_event(start), _event(start + 5)])[:-12]
    replay_id = demo.add_replay("acme", None, [chunk])
    response = client_a.get(f"/replays/{replay_id}/events.ndjson")
    assert response.status_code == 502
    assert "error" in response.json()


def test_a_gzip_bomb_fails_fast_and_cleanly(client_a, in_process, demo, settings):
    settings.OAKDASH_REPLAY_MAX_CHUNK_BYTES = 1 << 20
    bomb = gzip.compress(b"{" + b" " * (64 << 20) + b'"timestamp":1}\n', compresslevel=9)
    replay_id = demo.add_replay("acme", None, [bomb])
    _replay_ids(demo)  # build the demo data first: only the stream is timed
    started = time.monotonic()
    response = client_a.get(f"/replays/{replay_id}/events.ndjson")
    assert response.status_code == 502
    assert time.monotonic() - started < 2.0


def test_a_logged_out_fetch_gets_json_not_a_login_page(client, in_process, demo):
    response = client.get(f"/replays/{_replay_ids(demo)[0]}/events.ndjson")
    assert response.status_code == 401
    assert "log in" in response.json()["error"]


def test_a_user_without_a_key_gets_a_json_403(client_nokey, in_process, demo):
    response = client_nokey.get(f"/replays/{_replay_ids(demo)[0]}/events.ndjson")
    assert response.status_code == 403
