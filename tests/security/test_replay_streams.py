"""Issue 7.2: replay streams cannot exhaust the server.

Caps on streams at once (per user, in total; slots in the shared cache), a wall-clock and a
minimum-rate budget per stream, a stalled viewer's connection cut, a memory budget for held
chunks. The end-to-end cases run the dashboard under gunicorn with clients that send a request
and never read a byte of the answer.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from django.core.cache import cache

from oakdash.dashboard.stream_slots import StreamLimit, StreamSlots
from oakdash.dashboard.stream_watch import StreamBudget, StreamWatch, WatchedStream, paced
from oakdash.demo import ACME_SECRET_KEY
from oakdash.replay import ReplayError, with_error_line
from tests.support.processes import (
    User,
    dashboard_env,
    dashboard_process,
    prepare_database,
    scripted_upstream,
)
from tests.urls import scoped

pytestmark = pytest.mark.django_db

# --- the slots, in whatever cache the run uses (locmem, or Redis with a shared backend) ----------


@pytest.fixture
def slots() -> Iterator[StreamSlots]:
    cache.clear()
    yield StreamSlots(cache, per_user=2, total=3, lease=30, prefix="test-slots")
    cache.clear()


def test_each_user_gets_at_most_their_cap_and_everybody_the_total(slots):
    alice = [slots.acquire("alice"), slots.acquire("alice")]
    with pytest.raises(StreamLimit, match="You already have 2 replays loading"):
        slots.acquire("alice")
    bob = slots.acquire("bob")
    with pytest.raises(StreamLimit, match="already streaming 3 replays"):
        slots.acquire("carol")
    assert slots.in_use() == 3
    assert slots.in_use("bob") == 0 + 1
    slots.release(alice[0])
    assert slots.in_use("alice") == 1
    slots.acquire("carol")  # the freed slot of everybody's
    with pytest.raises(StreamLimit):
        slots.acquire("dave")
    slots.release(bob)
    assert slots.in_use() == 2


def test_a_refused_total_gives_the_users_slot_back(slots):
    for user in ("a", "b", "c"):
        slots.acquire(user)
    with pytest.raises(StreamLimit):
        slots.acquire("d")
    assert slots.in_use("d") == 0


def test_a_slot_nobody_renews_frees_itself_and_a_renewed_one_does_not(slots):
    short = StreamSlots(cache, per_user=1, total=5, lease=1, prefix="test-lease")
    crashed = short.acquire("alice")  # its worker died: never renewed, never released
    alive = short.acquire("bob")
    time.sleep(0.6)
    short.renew(alive)
    time.sleep(0.6)
    with pytest.raises(StreamLimit):
        short.acquire("bob")
    short.acquire("alice")  # the lapsed lease is free
    short.release(crashed)  # a late release of a lapsed slot leaves the new owner's alone
    assert short.in_use("alice") == 1


# --- the budgets ---------------------------------------------------------------------------------


def _watched(budget: StreamBudget, sock=None) -> WatchedStream:
    slots = StreamSlots(cache, per_user=5, total=5, prefix="test-watch")
    return WatchedStream(slots, slots.acquire("w"), budget, sock)


def test_a_stream_over_its_wall_clock_budget_ends_with_an_error_line():
    stream = _watched(StreamBudget(max_seconds=0.2, min_rate=0, stall_seconds=30))

    def blocks():
        while True:
            time.sleep(0.05)
            yield b'{"timestamp":1}\n'

    lines = list(with_error_line(paced(blocks(), stream)))
    assert b"longer than 0.2 s" in lines[-1]
    assert 2 <= len(lines) <= 6


def test_a_reader_slower_than_the_minimum_rate_is_ended():
    stream = _watched(StreamBudget(max_seconds=60, min_rate=1000, stall_seconds=0.1))
    out = []
    with pytest.raises(ReplayError, match="too slow"):
        for block in paced(iter([b"x" * 10] * 100), stream):
            out.append(block)
            time.sleep(0.05)  # the viewer takes 50 ms per 10 bytes: 200 bytes a second
    assert len(out) < 10


def test_the_watch_cuts_a_write_the_viewer_never_reads(tmp_path):
    server = socket.create_server(("127.0.0.1", 0))
    viewer = socket.socket()
    viewer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    viewer.connect(server.getsockname())
    conn, _ = server.accept()
    stream = _watched(StreamBudget(max_seconds=60, min_rate=0, stall_seconds=0.5), conn)
    watch = StreamWatch()
    watch.hold(stream)
    outcome: list[BaseException | None] = []

    def write_forever():  # what gunicorn's thread does with a block: sendall
        try:
            list(map(conn.sendall, paced(iter([b"x" * 65536] * 10_000), stream)))
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    writer = threading.Thread(target=write_forever, daemon=True)
    started = time.monotonic()
    writer.start()
    writer.join(timeout=8)
    try:
        assert outcome and isinstance(outcome[0], OSError), outcome
        assert 0.5 <= time.monotonic() - started < 5
        assert stream.cut == "stalled"
    finally:
        watch.drop(stream)
        for sock in (viewer, conn, server):
            sock.close()


# --- in-process: the endpoint's answers ----------------------------------------------------------


def _a_replay_id() -> str:
    from oakdash.dashboard.upstream import get_api

    return get_api().for_key(ACME_SECRET_KEY).replays(limit=5).replays[0].id


def test_over_the_cap_the_stream_is_a_429_with_retry_after(client_a, user_a, settings):
    from oakdash.dashboard.chunk_storage import get_stream_slots

    settings.OAKDASH_REPLAY_STREAMS_PER_USER = 1
    replay_id = _a_replay_id()
    held = get_stream_slots().acquire(str(user_a.pk))
    answer = client_a.get(f"/replays/{replay_id}/events.ndjson")
    assert answer.status_code == 429
    assert int(answer["Retry-After"]) > 0
    assert "You already have 1 replay loading" in answer.json()["error"]
    get_stream_slots().release(held)
    answer = client_a.get(f"/replays/{replay_id}/events.ndjson")
    assert answer.status_code == 200
    b"".join(answer.streaming_content)
    answer.close()
    assert get_stream_slots().in_use(str(user_a.pk)) == 0  # given back when the body closed


def test_a_cache_outage_refuses_streams_cleanly(client_a, monkeypatch):
    from oakdash.dashboard.stream_slots import StreamSlots

    def down(self, user):
        raise ConnectionError("Error 111 connecting to redis:6379")

    monkeypatch.setattr(StreamSlots, "acquire", down)
    answer = client_a.get("/replays/rec_any/events.ndjson")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert "try again" in answer.json()["error"] and "redis" not in answer.json()["error"]


def test_a_failure_before_the_body_gives_the_slot_back(client_a, user_a):
    from oakdash.dashboard.chunk_storage import get_stream_slots

    assert client_a.get("/replays/rec_nope/events.ndjson").status_code == 404
    assert get_stream_slots().in_use(str(user_a.pk)) == 0


def test_over_the_memory_budget_the_stream_is_a_503_with_retry_after(client_a, settings):
    from oakdash.dashboard.chunk_storage import get_memory_budget

    settings.OAKDASH_REPLAY_MEMORY_BUDGET = 64 * 1024
    budget = get_memory_budget()
    other = budget.reservation()
    other.add(budget.cap - 100)  # another stream holds nearly all of it
    answer = client_a.get(f"/replays/{_a_replay_id()}/events.ndjson")
    assert answer.status_code == 503
    assert answer["Retry-After"]
    assert "busy" in answer.json()["error"]
    assert budget.used == budget.cap - 100  # the refused stream holds nothing
    other.release()
    assert client_a.get(f"/replays/{_a_replay_id()}/events.ndjson").status_code == 200


# --- over real HTTP: gunicorn, clients that never read --------------------------------------------

REPLAY_MB = 24  # far more than the kernel buffers between a server and a client that stops


def _big_replay(app) -> str:
    start = int(time.time() * 1000) - 3_600_000
    pad = "x" * 1900
    lines = [
        b'{"type":3,"data":{"source":1,"pad":"%s"},"timestamp":%d}\n' % (pad.encode(), start + i)
        for i in range(REPLAY_MB * 512)
    ]
    chunks = [gzip.compress(b"".join(lines[i : i + 1024]), 1) for i in range(0, len(lines), 1024)]
    return app.add_replay("acme", {"duration_ms": len(lines)}, chunks)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Iterator[dict]:
    """The upstream (demo + a 24 MB replay), a migrated database with alice and bob, an env."""
    tmp = tmp_path_factory.mktemp("streams")
    with scripted_upstream() as upstream:
        for full in (False, True):  # page timings must not include building the demo's data
            upstream.app.snapshot("acme", full=full)
        replay_id = _big_replay(upstream.app)
        users = [User("alice", ACME_SECRET_KEY), User("bob", ACME_SECRET_KEY)]
        env = dashboard_env(
            tmp,
            upstream.url + "/api/v1",
            OAKDASH_REPLAY_CHUNK_NETWORKS="127.0.0.1/32",  # the test's storage is on loopback
            OAKDASH_REPLAY_STREAMS_PER_USER="3",
            OAKDASH_REPLAY_STREAMS_TOTAL="4",
        )
        prepare_database(env, users)
        yield {"tmp": tmp, "env": env, "users": users, "replay": replay_id, "upstream": upstream}


class StalledViewer:
    """A raw socket that asks for a stream and never reads its answer."""

    def __init__(self, url: str, path: str, session: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((host, int(port)))
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: sessionid={session}\r\n"
            "Accept-Encoding: identity\r\n\r\n"
        )
        self.sock.sendall(request.encode())

    def answered(self, timeout: float) -> bool:
        """Whether the server has started answering (bytes wait to be read; none are read)."""
        readable, _, _ = select.select([self.sock], [], [], timeout)
        return bool(readable)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _stall(dash, user: str, path: str, n: int) -> list[StalledViewer]:
    client = dash.login(user)
    # A raw socket: no redirect from the old address is followed, so ask the project's own.
    path = scoped(path, client.project)
    viewers = [StalledViewer(dash.url, path, client.cookies["sessionid"]) for _ in range(n)]
    for viewer in viewers:
        assert viewer.answered(10), "the server never started a stalled stream"
    return viewers


def _pages(upstream, replay_id: str) -> list[str]:
    api = httpx.Client(transport=httpx.WSGITransport(app=upstream.app), base_url="http://demo")
    key = {"Authorization": f"Bearer {ACME_SECRET_KEY}"}
    session = api.get("/api/v1/sessions", headers=key).json()["sessions"][0]
    api.close()
    return [
        "/",
        "/sessions/",
        f"/sessions/{quote(session['session_id'], safe='')}/",
        f"/visitors/{quote(session['distinct_id'], safe='')}/",
        "/journey/",
        "/live/",
        "/live/widget/",
        "/events/",
        "/replays/",
        f"/replays/{replay_id}/",
        "/settings/",
    ]


def _timed(client: httpx.Client, path: str) -> tuple[int, float]:
    started = time.monotonic()
    answer = client.get(path)
    return answer.status_code, time.monotonic() - started


def test_stalled_streams_cannot_starve_the_server_and_their_slots_come_back(prepared):
    replay, upstream = prepared["replay"], prepared["upstream"]
    stream_path = f"/replays/{replay}/events.ndjson"
    with dashboard_process(
        prepared["tmp"], "", prepared["users"], env=prepared["env"], prepared=True, threads=6
    ) as dash:
        alice = dash.login("alice")
        pages = _pages(upstream, replay)
        for path in pages:  # warm: first renders, imports, the upstream's caches
            assert alice.get(path).status_code == 200, path

        stalled = _stall(dash, "alice", stream_path, 3)  # alice's cap, none of them read
        try:
            answer = alice.get(stream_path)
            assert answer.status_code == 429
            assert answer.headers["Retry-After"].isdigit()
            assert "You already have 3 replays loading" in answer.json()["error"]

            anonymous = dash.client()
            timings = {p: _timed(anonymous, p) for p in ("/healthz", "/accounts/login/")}
            timings |= {p: _timed(alice, p) for p in pages}
            slow = {p: t for p, t in timings.items() if t[0] != 200 or t[1] >= 1.0}
            assert not slow, f"pages slow or failing while streams stall: {slow}"

            stalled += _stall(dash, "bob", stream_path, 1)  # everybody's cap: 4
            bob = dash.login("bob")
            answer = bob.get(stream_path)
            assert answer.status_code == 429
            assert "already streaming 4 replays" in answer.json()["error"]
        finally:
            for viewer in stalled:
                viewer.close()  # the clients go away: their writes fail, the slots come back

        deadline = time.monotonic() + 10
        while (answer := alice.get(stream_path)).status_code == 429:
            assert time.monotonic() < deadline, "the stalled streams' slots never came back"
            time.sleep(0.2)
        assert answer.status_code == 200
        lines = answer.content.splitlines()
        assert len(lines) == REPLAY_MB * 512  # every event, and no error line
        assert json.loads(lines[-1])["timestamp"]


def test_a_viewer_who_stops_reading_is_cut_after_the_stall_budget(prepared):
    env = {**prepared["env"], "OAKDASH_REPLAY_STREAM_STALL_SECONDS": "2"}
    stream_path = f"/replays/{prepared['replay']}/events.ndjson"
    with dashboard_process(
        prepared["tmp"], "", prepared["users"], env=env, prepared=True, threads=6
    ) as dash:
        alice = dash.login("alice")
        stalled = _stall(dash, "alice", stream_path, 3)
        try:
            started = time.monotonic()
            assert alice.get(stream_path).status_code == 429
            # The viewers stay connected and silent; the server cuts them, and their slots free.
            while (answer := alice.get(stream_path, timeout=30)).status_code == 429:
                assert time.monotonic() - started < 15, "stalled streams were never cut"
                time.sleep(0.25)
            assert answer.status_code == 200
            assert time.monotonic() - started >= 1.5
            assert "Socket error processing request" not in dash.log_text()
        finally:
            for viewer in stalled:
                viewer.close()
