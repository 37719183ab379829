"""The demo's storage modes over real HTTP: what S3 and GCS do, and latency and bandwidth caps.

oakdash/demo/storage.py says which real behaviour each case stands for.
"""

from __future__ import annotations

import gzip
import time

import httpx
import pytest

from oakdash.demo import make_app
from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.demo.server import serve
from oakdash.demo.storage import StorageBehaviour


@pytest.fixture
def storage():
    """start(replays=1, **make_app options) -> (app, first replay id, chunk URLs of the first
    `replays` listed replays)."""
    servers = []

    def start(replays: int = 1, **options):
        app = make_app(seed=3, **options)
        server = serve(app)
        servers.append(server)
        urls = []
        key = {"Authorization": f"Bearer {ACME_SECRET_KEY}"}
        # verify=False: plain HTTP on loopback, and it spares loading the CA bundle per client.
        with httpx.Client(base_url=server.url, headers=key, verify=False, timeout=60) as api:  # noqa: S501
            listed = api.get("/api/v1/replays", params={"limit": replays}).json()["replays"]
            for replay in listed:
                chunks = api.get(f"/api/v1/replays/{replay['id']}").json()["chunk_urls"]
                urls += [c["url"] for c in chunks]
        return app, listed[0]["id"], urls

    yield start
    for server in servers:
        server.stop()


def test_plain_is_the_default_and_unchanged(storage, http):
    app, _, urls = storage()
    answer = http.get(urls[0], headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in answer.headers
    assert answer.content[:2] == b"\x1f\x8b"
    assert app.storage.behaviour == StorageBehaviour(seed=3)


def test_s3_labels_some_objects_and_serves_the_stored_bytes_whatever_is_accepted(storage, http):
    app, replay_id, urls = storage(storage_mode="s3")
    paths = [f"/storage/acme/{replay_id}/{n}.ndjson.gz" for n in range(8)]
    assert {app.storage._labelled_gzip(path) for path in paths} == {True, False}
    for url in urls:
        for _ in range(2):  # a scheduled SlowDown is never followed by another
            with http.stream("GET", url, headers={"Accept-Encoding": "identity"}) as answer:
                raw = b"".join(answer.iter_raw())
            if answer.status_code == 200:
                break
            assert answer.status_code in (500, 503)
            assert b"<Code>SlowDown</Code>" in raw or b"<Code>InternalError</Code>" in raw
        assert raw[:2] == b"\x1f\x8b"  # gzip, even labelled and to a client that refuses it


def test_s3_fails_now_and_then_on_a_deterministic_schedule(storage, http):
    outcomes = []
    for _ in range(2):
        _, _, urls = storage(replays=4, storage_mode="s3")
        outcomes.append([http.get(url).status_code for url in urls * 2])
    assert outcomes[0] == outcomes[1]  # the same seed: the same failures
    assert {500, 503} & set(outcomes[0]) and 200 in outcomes[0]


def test_s3_errors_are_xml(storage, http):
    _, _, urls = storage(storage_mode="s3")
    forged = http.get(urls[0].split("sig=")[0] + "sig=00")
    assert forged.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in forged.content
    missing = http.get(urls[0].replace("/0.ndjson.gz", "/99.ndjson.gz"))
    assert missing.status_code == 403  # its signature was for another path


def test_s3_and_gcs_say_a_link_expired_in_their_own_words(storage, http):
    for mode, status, words in (
        ("s3", 403, b"<Message>Request has expired</Message>"),
        ("gcs", 400, b"<Code>ExpiredToken</Code>"),
        ("plain", 403, b"signed URL has expired"),
    ):
        clock = [time.time()]
        _, _, urls = storage(storage_mode=mode, chunk_ttl=60, clock=lambda c=clock: c[0])
        clock[0] += 120
        answer = http.get(urls[0])
        assert answer.status_code == status, mode
        assert words in answer.content, mode


def test_gcs_transcodes_for_a_client_that_does_not_accept_gzip(storage, http):
    _, _, urls = storage(storage_mode="gcs")
    with http.stream("GET", urls[0], headers={"Accept-Encoding": "identity"}) as plain:
        body = plain.read()
        assert plain.status_code == 200
        assert "content-encoding" not in plain.headers
        assert "content-length" not in plain.headers
        assert plain.headers["warning"] == "214 UploadServer gunzipped"
    assert body.startswith(b'{"')
    with http.stream("GET", urls[0], headers={"Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join(zipped.iter_raw())
        assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == body


def test_latency_and_bandwidth_are_per_chunk_request(storage, http):
    _, _, urls = storage(storage_latency=0.2)
    started = time.monotonic()
    http.get(urls[0])
    assert 0.2 <= time.monotonic() - started < 2
    app, _, urls = storage(storage_bandwidth=100_000)  # 100 kB/s
    big = gzip.compress(bytes(range(256)) * 200, compresslevel=0)  # ~51 kB, incompressible-ish
    added = app.add_replay("acme", None, [big])
    with httpx.Client(
        base_url=urls[0].split("/storage/")[0],
        headers={"Authorization": f"Bearer {ACME_SECRET_KEY}"},
    ) as api:
        url = api.get(f"/api/v1/replays/{added}").json()["chunk_urls"][0]["url"]
        started = time.monotonic()
        assert api.get(url).content == big
    assert 0.45 <= time.monotonic() - started < 3


def test_storage_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("OAKDASH_DEMO_STORAGE_MODE", "gcs")
    monkeypatch.setenv("OAKDASH_DEMO_STORAGE_LATENCY_MS", "50")
    monkeypatch.setenv("OAKDASH_DEMO_STORAGE_BANDWIDTH_MBIT", "8")
    assert StorageBehaviour.from_env(seed=2) == StorageBehaviour("gcs", 0.05, 1_000_000, 2)
    with pytest.raises(ValueError, match="storage mode"):
        StorageBehaviour(mode="azure")
