"""How many chunk downloads at once hide storage latency? Times `download_chunks` per concurrency.

    .venv/bin/python bench/replay_download.py                       # 150 chunks, 50 ms, 6..96
    .venv/bin/python bench/replay_download.py --latency-ms 20 --concurrency 6 24
    .venv/bin/python bench/replay_download.py --bandwidth-mbit 20   # and 20 Mbit/s per response

A replay of `--chunks` gzipped chunks (`replay_build.build_replay`, `--mb` of NDJSON) is added to a
demo OakData API served over loopback HTTP by a forked child process (threaded wsgiref, HTTP/1.0: a
connection per request, so this measures latency hiding, not connection reuse), its storage
answering each chunk request after `--latency-ms` and at most `--bandwidth-mbit` per response.
For each concurrency, `download_chunks` fetches every chunk through the real storage client
(`storage_client`, network transport, loopback allowed) `--repeat` times. Printed, medians:

* all chunks downloaded: what the stream's first byte waits for today (all or nothing);
* last chunk's headers: the earliest moment a merge that starts before every chunk is complete
  could emit anything (it must know every chunk's first timestamp, so it waits for every chunk's
  first bytes): the most such a merge could save is the difference;
* CPU: this process's CPU time per download (threads, HTTP, the storage client); the demo
  server's own work is in its process.

Not a timed test; the machine's load is printed with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

from replay_build import build_replay  # noqa: E402
from replay_stream import machine  # noqa: E402


@contextlib.contextmanager
def forked(target: Callable[..., object], *args: object) -> Iterator[None]:
    """`target(*args)` in a forked child process (its own GIL and CPU) until the block ends."""
    child = multiprocessing.get_context("fork").Process(target=target, args=args, daemon=True)
    child.start()
    try:
        yield
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join()


def medians(runs: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """The median of each column of `runs`."""
    return tuple(statistics.median(column) for column in zip(*runs, strict=True))


def chunk_urls(api_url: str, replay_id: str) -> list[str]:
    from oakdash.demo.projects import ACME_SECRET_KEY
    from oakdash.oakdata import OakDataAPI

    detail = OakDataAPI(api_url).for_key(ACME_SECRET_KEY).replay(replay_id)
    return [chunk.url for chunk in detail.chunk_urls]


def one_download(api_url: str, replay_id: str, concurrency: int) -> tuple[float, float, float]:
    """(all downloaded, last headers, CPU) in seconds, with a fresh client (cold pool)."""
    from oakdash.replay import ChunkHostPolicy, ReplayLimits, download_chunks, storage_client

    headers_at: list[float] = []
    client = storage_client(
        ChunkHostPolicy.from_lists(networks=["127.0.0.1/32"]),
        limits=httpx.Limits(max_connections=max(concurrency, 64)),
    )
    client.event_hooks["response"] = [lambda response: headers_at.append(time.perf_counter())]
    urls = chunk_urls(api_url, replay_id)
    limits = ReplayLimits(concurrency=concurrency, deadline=600)
    cpu = time.process_time()
    started = time.perf_counter()
    with client:
        chunks = download_chunks(client, urls, limits)
    done = time.perf_counter() - started
    assert len(chunks) == len(urls) == len(headers_at)
    return done, max(headers_at) - started, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=150.0, help="NDJSON size, in MB (10^6 B)")
    parser.add_argument("--chunks", type=int, default=150)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per chunk request")
    parser.add_argument("--bandwidth-mbit", type=float, default=0.0, help="per response; 0: off")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[6, 12, 24, 48, 96])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from oakdash.demo import make_app
    from oakdash.demo.projects import ACME_SECRET_KEY
    from oakdash.demo.server import make_server

    print(machine(), flush=True)
    built = build_replay(target_bytes=int(args.mb * 1e6), chunks=args.chunks)
    app = make_app(
        storage_latency=args.latency_ms / 1000, storage_bandwidth=args.bandwidth_mbit * 125_000
    )
    replay_id = app.add_replay(ACME_SECRET_KEY, {"duration_ms": 600_000}, built.chunks)
    bandwidth = f"{args.bandwidth_mbit:g} Mbit/s a response" if args.bandwidth_mbit else "uncapped"
    print(
        f"{len(built.chunks)} chunks, {built.gzip_bytes / 1e6:.1f} MB gzipped; storage "
        f"{args.latency_ms:g} ms per request, {bandwidth}; median of {args.repeat}",
        flush=True,
    )
    print("| concurrency | all chunks downloaded | last chunk's headers | CPU |")
    print("|---|---|---|---|")
    server = make_server(app, "127.0.0.1", 0)
    api_url = f"{server.url}/api/v1"
    # The demo in its own process, so its work does not share this process's GIL and CPU count.
    with server, forked(server.serve_forever):  # the server's `with` closes its socket
        for concurrency in args.concurrency:
            runs = [one_download(api_url, replay_id, concurrency) for _ in range(args.repeat)]
            done, headers, cpu = medians(runs)
            times = " | ".join(f"{t * 1000:.0f} ms" for t in (done, headers, cpu))
            print(f"| {concurrency} | {times} |", flush=True)
    print(machine())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
