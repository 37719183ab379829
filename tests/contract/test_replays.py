"""GET /replays, GET /replays/{id}, and the signed chunk downloads they point to."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from oakdash.demo import expected_events
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY

from .schema import REPLAY_DETAIL, REPLAYS, check, parse_iso

FIXTURES = Path(__file__).resolve().parents[2] / "oakdash" / "demo" / "fixtures" / "rrweb"
# The recordings, told apart by (duration_ms, chunks_count) as the fixtures README lists them.
RECORDINGS = {(48459, 4): "todomvc", (59198, 5): "mdn-bears", (23875, 3): "rrweb-form"}


def recording_of(replay: dict) -> str:
    return RECORDINGS[(replay["duration_ms"], replay["chunks_count"])]


@functools.cache
def truth_bytes(name: str) -> bytes:
    return (FIXTURES / f"{name}.events.json").read_bytes()


def shifted_truth(name: str, started_at: str) -> list[bytes]:
    """events.json moved so it starts at `started_at`, one compact JSON line per event."""
    events = json.loads(truth_bytes(name))
    delta = round(parse_iso(started_at).timestamp() * 1000) - events[0]["timestamp"]
    lines = []
    for event in events:
        event["timestamp"] += delta
        lines.append(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())
    return lines


def download(http, detail: dict) -> list[list[bytes]]:
    chunks = []
    for item in detail["chunk_urls"]:
        response = http.get(item["url"])
        assert response.status_code == 200, (item["url"], response.text)
        assert "content-encoding" not in response.headers  # the body *is* the .gz file
        chunks.append([x for x in gzip.decompress(response.content).split(b"\n") if x])
    return chunks


def merge(chunks: list[list[bytes]]) -> list[bytes]:
    keyed = [
        (json.loads(x)["timestamp"], c, n, x)
        for c, lines in enumerate(chunks)
        for n, x in enumerate(lines)
    ]
    return [x for *_, x in sorted(keyed)]


def test_default_list(acme, demo):
    body = acme.get("/replays").json()
    check(body, REPLAYS)
    assert body["count"] == len(body["replays"]) == 100
    started = [parse_iso(r["started_at"]) for r in body["replays"]]
    assert started == sorted(started, reverse=True), "newest first"
    assert len({r["id"] for r in body["replays"]}) == 100
    for r in body["replays"]:
        assert parse_iso(r["last_event_at"]) - parse_iso(r["started_at"]) == timedelta(
            milliseconds=r["duration_ms"]
        )
        assert parse_iso(r["last_event_at"]).timestamp() <= demo.clock()
        assert r["id"] != r["session_id"]
        assert recording_of(r) in {"todomvc", "mdn-bears", "rrweb-form"}
    assert {recording_of(r) for r in body["replays"]} == {"todomvc", "mdn-bears", "rrweb-form"}
    assert {r["has_errors"] for r in body["replays"]} == {True, False}
    assert any(
        parse_iso(r["started_at"]).timestamp() > demo.clock() - 86400 for r in body["replays"]
    )


@pytest.mark.parametrize("limit", [1, 50, 200])
def test_limit(acme, limit):
    body = acme.get("/replays", params={"limit": limit}).json()
    check(body, REPLAYS)
    assert body["count"] == len(body["replays"]) == limit


def test_every_demo_replay_merges_to_the_shifted_recording(acme, demo, http):
    replays = acme.get("/replays").json()["replays"]  # the newest 100: every recording, many times
    for replay in replays:
        detail = acme.get(f"/replays/{replay['id']}").json()
        check(detail, REPLAY_DETAIL)
        assert detail["session"] == replay
        assert len(detail["chunk_urls"]) == replay["chunks_count"]
        chunks = download(http, detail)
        merged = merge(chunks)
        truth = shifted_truth(recording_of(replay), replay["started_at"])
        assert merged == truth, replay["id"]
        assert expected_events(replay["id"], demo.app) == truth


def test_chunk_layouts_are_kept(acme, http):
    replays = acme.get("/replays", params={"limit": 200}).json()["replays"]
    by_name = {}
    for r in replays:
        by_name.setdefault(recording_of(r), r)
    spans = {}
    for name, replay in by_name.items():
        chunks = download(http, acme.get(f"/replays/{replay['id']}").json())
        spans[name] = [
            (json.loads(c[0])["timestamp"], json.loads(c[-1])["timestamp"]) for c in chunks
        ]
        for lines in chunks:  # within a chunk, lines are in time order
            stamps = [json.loads(x)["timestamp"] for x in lines]
            assert stamps == sorted(stamps)
    overlapping = [
        (a, b)
        for a in range(5)
        for b in range(a + 1, 5)
        if spans["mdn-bears"][a][0] <= spans["mdn-bears"][b][1]
        and spans["mdn-bears"][b][0] <= spans["mdn-bears"][a][1]
    ]
    assert overlapping == [(0, 1), (1, 2), (2, 4), (3, 4)]
    firsts = [s[0] for s in spans["rrweb-form"]]
    assert firsts != sorted(firsts) and firsts.index(min(firsts)) == 2
    firsts = [s[0] for s in spans["todomvc"]]
    assert firsts == sorted(firsts)


def test_only_the_timestamps_change(acme, http):
    replay = acme.get("/replays", params={"limit": 1}).json()["replays"][0]
    name = recording_of(replay)
    served = download(http, acme.get(f"/replays/{replay['id']}").json())
    for n, lines in enumerate(served):
        original = [
            x
            for x in gzip.decompress(
                (FIXTURES / f"{name}.chunk-{n:03d}.ndjson.gz").read_bytes()
            ).split(b"\n")
            if x
        ]
        assert len(lines) == len(original)
        for mine, theirs in zip(lines, original, strict=True):
            assert mine.rsplit(b',"timestamp":', 1)[0] == theirs.rsplit(b',"timestamp":', 1)[0]


def test_fixture_copies_are_unchanged():
    # SHA256SUMS was written from the read-only originals when they were copied in (sha256sum
    # format): the project carries the proof, so this runs on any clone.
    listed = {}
    for line in (FIXTURES / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    present = {p.name for p in FIXTURES.iterdir() if p.name.endswith((".gz", ".json"))}
    assert set(listed) == present
    for name, digest in listed.items():
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == digest, name


def test_chunk_urls_are_signed_and_short_lived(acme, demo):
    replay = acme.get("/replays", params={"limit": 1}).json()["replays"][0]
    for item in acme.get(f"/replays/{replay['id']}").json()["chunk_urls"]:
        url = urlsplit(item["url"])
        assert f"{url.scheme}://{url.netloc}" == demo.url
        assert url.path.startswith("/storage/")
        query = parse_qs(url.query)
        assert set(query) == {"expires", "sig"}
        assert int(query["expires"][0]) - demo.clock() == pytest.approx(1800, abs=1)


def test_chunk_urls_expire(start_demo, http):
    demo = start_demo(chunk_ttl=5)
    with demo.client(ACME_SECRET_KEY) as client:
        replay = client.get("/replays", params={"limit": 1}).json()["replays"][0]
        urls = [c["url"] for c in client.get(f"/replays/{replay['id']}").json()["chunk_urls"]]
        assert http.get(urls[0]).status_code == 200
        demo.clock.advance(4)
        assert http.get(urls[0]).status_code == 200
        demo.clock.advance(1.5)
        for url in urls:
            response = http.get(url)
            assert response.status_code == 403 and "error" in response.json()
        # Fresh URLs work again.
        fresh = client.get(f"/replays/{replay['id']}").json()["chunk_urls"]
        assert all(http.get(c["url"]).status_code == 200 for c in fresh)


def test_chunk_ttl_from_the_environment(monkeypatch):
    import oakdash.demo.app as demo_app

    monkeypatch.setattr(demo_app, "_default_app", None)
    monkeypatch.setenv("OAKDASH_DEMO_CHUNK_TTL", "7")
    monkeypatch.setenv("OAKDASH_DEMO_SEED", "3")
    app = demo_app.get_demo_app()
    assert app.chunk_ttl == 7.0 and app.seed == 3
    assert demo_app.get_demo_app() is app


def tamper(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    query = {k: v for k, v in query.items() if v is not None}
    return parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())).geturl()


def test_bad_signatures_are_403(acme, http):
    replays = acme.get("/replays", params={"limit": 5}).json()["replays"]
    detail = acme.get(f"/replays/{replays[0]['id']}").json()
    url = detail["chunk_urls"][0]["url"]
    sig = parse_qs(urlsplit(url).query)["sig"][0]
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    bad = [
        tamper(url, sig=("0" if sig[0] != "0" else "1") + sig[1:]),
        tamper(url, expires=str(int(expires) + 3600)),
        tamper(url, sig=""),
        url.split("?")[0],
        url.split("?")[0] + "?expires=" + expires,
        url.replace("/0.ndjson.gz", "/1.ndjson.gz"),  # another chunk with this chunk's signature
        url.replace(replays[0]["id"], replays[1]["id"]),  # another replay
        url.replace("/storage/acme/", "/storage/globex/"),  # another project
    ]
    for candidate in bad:
        response = http.get(candidate)
        assert response.status_code == 403, candidate
        assert "error" in response.json()
    # A key does not stand in for a signature, and is not needed with one.
    assert (
        http.get(bad[0], headers={"Authorization": f"Bearer {ACME_SECRET_KEY}"}).status_code == 403
    )
    assert http.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 200
    assert http.get(url, headers={"x-api-key": GLOBEX_SECRET_KEY}).status_code == 200


def test_unknown_replay_is_404(acme, globex):
    replay = acme.get("/replays", params={"limit": 1}).json()["replays"][0]
    assert acme.get(f"/replays/{replay['id']}x").status_code == 404
    assert globex.get(f"/replays/{replay['id']}").status_code == 404


def test_add_replay(start_demo, http):
    demo = start_demo()
    big = gzip.compress(
        b"".join(
            b'{"type":3,"data":{"source":1},"timestamp":%d}\n' % (1_800_000_000_000 + i)
            for i in range(0, 200_000, 2)
        ),
        mtime=0,
    )
    small = gzip.compress(b'{"type":4,"data":{"href":"x"},"timestamp":1800000000001}\n', mtime=0)
    replay_id = demo.app.add_replay(
        "acme", {"duration_ms": 200_000, "has_errors": True}, [big, small]
    )
    with demo.client(ACME_SECRET_KEY) as client:
        listed = client.get("/replays").json()["replays"]
        assert replay_id in [r["id"] for r in listed]
        detail = client.get(f"/replays/{replay_id}").json()
        check(detail, REPLAY_DETAIL)
        assert detail["session"]["chunks_count"] == 2 and detail["session"]["has_errors"] is True
        assert client.get(f"/sessions/{detail['session']['session_id']}").status_code == 200
        served = [http.get(c["url"]).content for c in detail["chunk_urls"]]
        assert served == [big, small]
    with demo.client(GLOBEX_SECRET_KEY) as other:
        assert other.get(f"/replays/{replay_id}").status_code == 404
    merged = demo.app.expected_events(replay_id)
    assert (
        len(merged) == 100_001
        and merged[0].endswith(b"1800000000000}")
        and b'"type":4' in merged[1]
    )
