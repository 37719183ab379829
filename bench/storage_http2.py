"""Does HTTP/2 to storage beat kept-alive HTTP/1.1 connections? 150 chunk GETs, both ways.

    .venv/bin/pip install h2==4.4.1 hypercorn==0.18.0     # not project dependencies: only here
    .venv/bin/python bench/storage_http2.py                # 50 ms per request
    .venv/bin/python bench/storage_http2.py --latency-ms 20

The demo's storage server (threaded wsgiref) speaks HTTP/1.0 only, so this serves a minimal ASGI
app with hypercorn, which speaks HTTP/1.1 and HTTP/2 over cleartext (h2c, prior knowledge), in a
forked child process: each GET answers 64 KiB of random bytes (a bench chunk's size) after
`--latency-ms`. httpx (the storage client's library) fetches 150 of them with 6 and with 32
threads, over HTTP/1.1 (one kept-alive connection per thread) and over one HTTP/2 connection;
the cold pool first, then again on the warm pool. Printed: medians of 3, and this process's CPU.

What this cannot show: on loopback a new connection costs microseconds; to real storage it costs
a TCP and a TLS handshake (2 round trips), which is what HTTP/2's single connection saves on a
cold pool. With keep-alive, the pool is warm after a replay's first round of downloads.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay_download import forked, medians

CHUNK = os.urandom(64 * 1024)


def serve(port: int, latency: float) -> None:
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await asyncio.sleep(latency)
        headers = [(b"content-type", b"application/gzip"), (b"content-length", b"%d" % len(CHUNK))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": CHUNK})

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = config.errorlog = None
    config.h2_max_concurrent_streams = 256
    asyncio.run(hypercorn_serve(app, config))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch_all(client: httpx.Client, port: int, threads: int, n: int = 150) -> set[str]:
    def get(i: int) -> str:
        response = client.get(f"http://127.0.0.1:{port}/chunk-{i}.ndjson.gz")
        assert response.status_code == 200 and len(response.content) == len(CHUNK)
        return response.http_version

    with ThreadPoolExecutor(threads) as pool:
        return set(pool.map(get, range(n)))


def one_run(port: int, http2: bool, threads: int) -> tuple[float, float, float]:
    """(cold pool s, warm pool s, CPU s of the cold round)."""
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    with httpx.Client(http1=not http2, http2=http2, limits=limits, timeout=30) as client:
        cpu, started = time.process_time(), time.perf_counter()
        versions = fetch_all(client, port, threads)
        cold, cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        fetch_all(client, port, threads)
        warm = time.perf_counter() - started
    assert versions == {"HTTP/2" if http2 else "HTTP/1.1"}, versions
    return cold, warm, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    port = free_port()
    with forked(serve, port, args.latency_ms / 1000):
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        print(
            f"150 GETs of 64 KiB, {args.latency_ms:g} ms per request, hypercorn h11/h2c, "
            f"httpx {httpx.__version__}; load average {os.getloadavg()[0]:.2f}, nproc "
            f"{len(os.sched_getaffinity(0))}"
        )
        print("| protocol | threads | cold pool | warm pool | client CPU (cold) |")
        print("|---|---|---|---|---|")
        for threads in (6, 32):
            for http2 in (False, True):
                cold, warm, cpu = medians([one_run(port, http2, threads) for _ in range(3)])
                name = "HTTP/2, one connection" if http2 else "HTTP/1.1, kept alive"
                times = " | ".join(f"{t * 1000:.0f} ms" for t in (cold, warm, cpu))
                print(f"| {name} | {threads} | {times} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
