"""The pooled client against real sockets on 127.0.0.1: timeouts, refused connections, retries,
what actually goes over the wire, and the lazily created shared pool."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from oakdash.oakdata import NotFound, OakDataAPI, Unavailable

KEY = "oak_sec_4f8a2c9e7b1d3f5a6c8e0b2d1a2b"
LIVE = json.dumps({"active_now": 0, "sessions": []}).encode()


@contextlib.contextmanager
def tcp_server(serve: Callable[[socket.socket], None]) -> Iterator[tuple[str, list[socket.socket]]]:
    """A server on 127.0.0.1 that runs `serve(conn)` for each accepted connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1", accepted
    finally:
        stop.set()
        thread.join()
        listener.close()
        for conn in accepted:
            conn.close()


def never_answer(conn: socket.socket) -> None:
    pass  # hold the connection open and say nothing


def read_request_line(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_hanging_server_times_out_fast_and_is_unavailable_without_a_retry():
    with tcp_server(never_answer) as (base_url, accepted):
        api = OakDataAPI(base_url, connect_timeout=0.2, read_timeout=0.2)
        started = time.monotonic()
        with pytest.raises(Unavailable, match="in time") as exc_info:
            api.for_key(KEY).live()
        elapsed = time.monotonic() - started
        api.close()
    assert elapsed < 1.5
    assert isinstance(exc_info.value.__cause__, httpx.ReadTimeout)
    assert len(accepted) == 1


def test_a_client_within_a_budget_gives_up_on_a_hanging_server_by_its_budget():
    with tcp_server(never_answer) as (base_url, _):
        api = OakDataAPI(base_url, connect_timeout=3, read_timeout=7)  # 10 s on its own
        started = time.monotonic()
        with pytest.raises(Unavailable, match="in time"):
            api.for_key(KEY).within(0.4).live()
        elapsed = time.monotonic() - started
        api.close()
    assert 0.3 < elapsed < 1.5


def test_a_server_dripping_its_body_cannot_hold_the_call_past_its_deadline():
    def drip(conn: socket.socket) -> None:
        read_request_line(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        with contextlib.suppress(OSError):
            for _ in range(200):
                conn.sendall(b" ")  # each byte arrives well within the read timeout
                time.sleep(0.05)

    with tcp_server(drip) as (base_url, _):
        api = OakDataAPI(base_url, connect_timeout=0.2, read_timeout=0.3)
        started = time.monotonic()
        with pytest.raises(Unavailable, match="in time"):
            api.for_key(KEY).live()
        elapsed = time.monotonic() - started
        api.close()
    assert elapsed < 1.5


def test_a_refused_connection_is_unavailable_after_exactly_one_retry_with_a_short_backoff():
    attempts = []
    api = OakDataAPI(
        f"http://127.0.0.1:{free_port()}/api/v1",
        connect_timeout=1.0,
        read_timeout=1.0,
        on_response=lambda path, status, elapsed: attempts.append(status),
    )
    started = time.monotonic()
    with pytest.raises(Unavailable, match="Could not reach") as exc_info:
        api.for_key(KEY).live()
    elapsed = time.monotonic() - started
    assert attempts == [None, None]
    assert isinstance(exc_info.value.__cause__, httpx.ConnectError)
    assert 0.2 <= elapsed < 1.5


def answer_with(
    status_line: bytes, body: bytes, seen: list[bytes]
) -> Callable[[socket.socket], None]:
    def serve(conn: socket.socket) -> None:
        seen.append(read_request_line(conn))
        conn.sendall(
            status_line
            + b"\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )

    return serve


def test_a_real_503_is_retried_once_then_unavailable_with_its_message():
    seen: list[bytes] = []
    serve = answer_with(b"HTTP/1.1 503 Service Unavailable", b'{"error": "maintenance"}', seen)
    with tcp_server(serve) as (base_url, _):
        api = OakDataAPI(base_url, connect_timeout=0.5, read_timeout=0.5, retry_backoff=0.01)
        with pytest.raises(Unavailable, match="maintenance"):
            api.for_key(KEY).live()
        api.close()
    assert len(seen) == 2


def test_a_real_500_is_not_retried():
    seen: list[bytes] = []
    serve = answer_with(b"HTTP/1.1 500 Internal Server Error", b'{"error": "boom"}', seen)
    with tcp_server(serve) as (base_url, _):
        api = OakDataAPI(base_url, connect_timeout=0.5, read_timeout=0.5)
        with pytest.raises(Unavailable, match="boom"):
            api.for_key(KEY).live()
        api.close()
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("hostile", "wire_path"),
    [
        ("..", b"/api/v1/visitors/%2E%2E"),
        ("../live", b"/api/v1/visitors/%2E%2E%2Flive"),
        ("a/b", b"/api/v1/visitors/a%2Fb"),
        ("#?%", b"/api/v1/visitors/%23%3F%25"),
        ("zoë b", b"/api/v1/visitors/zo%C3%AB%20b"),
    ],
)
def test_the_request_line_on_the_wire_carries_the_id_as_one_encoded_segment(hostile, wire_path):
    seen: list[bytes] = []
    with tcp_server(answer_with(b"HTTP/1.1 404 Not Found", b"{}", seen)) as (base_url, _):
        api = OakDataAPI(base_url, connect_timeout=0.5, read_timeout=0.5)
        with pytest.raises(NotFound):
            api.for_key(KEY).visitor(hostile)
        api.close()
    assert seen == [b"GET " + wire_path + b" HTTP/1.1"]


def test_the_pool_is_created_lazily_once_and_shared_across_threads():
    api = OakDataAPI("http://127.0.0.1:9/api/v1")
    assert api._http is None  # nothing is opened by constructing it (e.g. at import time)
    clients: list[httpx.Client] = []
    barrier = threading.Barrier(8)

    def grab() -> None:
        barrier.wait()
        clients.append(api.http)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in clients}) == 1
    assert api.http is clients[0]
    api.close()
    assert api.http is not clients[0]
    api.close()


def test_the_pool_has_explicit_short_timeouts_and_no_auth_headers():
    api = OakDataAPI("https://oakdata.test/api/v1")
    timeout = api.http.timeout
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (3.0, 7.0, 3.0, 3.0)
    assert api.total_timeout == 10.0
    assert "authorization" not in api.http.headers
    assert "x-api-key" not in api.http.headers
    api.close()
