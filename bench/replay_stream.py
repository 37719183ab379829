"""How fast does a 150 MB replay reach a viewer: the stream in each encoding, memory, first frame.

    .venv/bin/python bench/replay_stream.py                        # ~150 MB, 150 chunks, in order
    .venv/bin/python bench/replay_stream.py --layout overlapping --repeat 5
    .venv/bin/python bench/replay_stream.py --mb 50 --chunks 60 --skip-browser
    .venv/bin/python bench/replay_stream.py --browser-only --repeat 2
    .venv/bin/python bench/replay_stream.py --storage-mode s3 --storage-latency-ms 50

Set-up, all over loopback HTTP: `replay_build.build_replay()` makes a large, playable replay from
the real rrweb fixtures (the recording's real full snapshot, then its incremental events shifted
later again and again), `DemoApp.add_replay` registers it with project A of a demo OakData API
served by `oakdash.demo.server.serve` in a thread of this process, its storage plain (default),
S3-like or GCS-like, with a latency per chunk request and a bandwidth cap if asked. The dashboard
runs as its own process (`tests/support/processes.py`: `dashboard_process`), gunicorn `gthread`
(1 worker), `OAKDATA_API_URL` pointing at the demo and its loopback storage allowed
(`OAKDASH_REPLAY_CHUNK_NETWORKS`), a temporary migrated SQLite database, `collectstatic` into a
temporary folder, a user with the demo key, logged in through the login form.

Printed, in one run (medians over `--repeat` runs, interleaved so load swings hit every figure):

* `gzip -dc` of the same chunk files to /dev/null (page-cached), and `merged_ndjson` in this
  process, as references;
* `/replays/<id>/events.ndjson` as identity, gzip and zstd: NDJSON MB/s delivered (from the first
  body byte, and end to end), the ratio to `gzip -dc`, MB on the wire, time to first byte, the
  gunicorn worker's CPU per stream and its peak RSS growth (VmHWM after − VmRSS before, the
  high-water mark reset through /proc/<pid>/clear_refs). The reader is a bare HTTP/1.0 socket
  (no chunked framing; ISA-L / zstd decoding for the compressed ones), so its own cost does not
  hold the server back;
* the time to first byte again with the demo storage at `--slow-storage-ms` (50) per request;
* Chromium: navigation start → first frame (replay.js's `oakdash:replay-playing` mark) and →
  every event loaded (`data-replay-loaded` on <body>), on loopback and with the storage at
  `--slow-storage-ms` and the browser's link throttled through DevTools
  (`Network.emulateNetworkConditions`: `--link-mbit` 50 Mbit/s, `--link-latency-ms` 20 ms), next
  to a page that loads the whole array first (fetch, `JSON.parse` every line, then
  `new rrwebPlayer.Player(...)`; timed from its fetch, so its page load is not counted).

Targets (issue 12) are printed with PASS/MISS. Not a timed test; the machine's load is printed
with the figures (shared machines make them noisy).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import zstandard
from isal import isal_zlib

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

from replay_build import LAYOUTS, build_replay, time_gzip, time_merge  # noqa: E402

from tests.support.processes import (  # noqa: E402
    User,
    children,
    cpu_seconds,
    dashboard_env,
    dashboard_process,
    proc_status,
    reset_peak,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAYOUT_ALIASES = {"in-order": "sequential", "overlapping": "two-buffers"}
CODINGS = ("identity", "gzip", "zstd")
IDENTITY_TARGET = {"sequential": 1.5, "shuffled": 1.0, "two-buffers": 1.0}  # × gzip -dc
COMPRESSED_TARGET = 0.8  # the stream Chromium gets (zstd), NDJSON delivered, × gzip -dc
RSS_SLACK = 64_000_000
FIRST_FRAME_LOOPBACK_MS = 500.0
FIRST_FRAME_THROTTLED_MS = 1500.0
FULL_LOAD_SLACK_MS = 1000.0  # over the wire size / link speed
USERNAME = "bench"


@dataclass
class StreamRun:
    coding: str
    ttfb_s: float
    total_s: float
    ndjson_bytes: int
    wire_bytes: int
    rss_before: int
    hwm_after: int
    server_cpu_s: float  # the gunicorn worker's CPU time during the stream
    server_cpu_ttfb_s: float  # ... up to the first byte (API call, downloads, first block)
    retries: int = 0  # chunk downloads storage made the worker try again (X-Replay-Retries)

    @property
    def stream_mbps(self) -> float:  # from the first body byte
        return self.ndjson_bytes / 1e6 / max(self.total_s - self.ttfb_s, 1e-9)

    @property
    def e2e_mbps(self) -> float:
        return self.ndjson_bytes / 1e6 / self.total_s

    @property
    def growth(self) -> int:
        return self.hwm_after - self.rss_before


# --- processes ------------------------------------------------------------------------------


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = children(master)
        if workers:
            return workers[0]
        time.sleep(0.1)
    raise SystemExit("no gunicorn worker")


# --- streams --------------------------------------------------------------------------------

ACCEPT = {"identity": "identity", "gzip": "gzip, deflate", "zstd": "gzip, deflate, br, zstd"}


def _decoder(coding: str) -> Callable[[memoryview], bytes | memoryview]:
    if coding == "gzip":
        return isal_zlib.decompressobj(31).decompress
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress
    return lambda piece: piece


def raw_get(
    base: str, path: str, cookie: str, coding: str, on_first: Callable[[], None] = lambda: None
) -> tuple[float, float, int, int, dict]:
    """GET over a bare HTTP/1.0 socket: (first body byte s, total s, NDJSON bytes, wire bytes,
    headers). HTTP/1.0, so the body comes unframed and ends when the server closes.
    `on_first()` is called at the first body byte."""
    url = httpx.URL(base)
    request = (
        f"GET {path} HTTP/1.0\r\nHost: {url.host}:{url.port}\r\nCookie: sessionid={cookie}\r\n"
        f"Accept-Encoding: {ACCEPT[coding]}\r\n\r\n"
    ).encode()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    started = time.perf_counter()
    with socket.create_connection((url.host, url.port)) as sock:
        sock.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head:
            n = sock.recv_into(buffer)
            if not n:
                raise SystemExit(f"the server closed before the headers: {head[:300]!r}")
            head += view[:n]
        head, _, body = head.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
        assert " 200 " in status_line + " ", (status_line, body[:300])
        assert headers.get("content-encoding", "identity") == coding, headers
        decode = _decoder(coding)
        ttfb = None
        wire = ndjson = 0
        tail = b""
        piece = memoryview(body)
        while True:
            if piece:
                if ttfb is None:
                    ttfb = time.perf_counter() - started
                    on_first()
                wire += len(piece)
                plain = decode(piece)
                ndjson += len(plain)
                if plain:
                    tail = (tail + bytes(plain[-300:]))[-300:]
            n = sock.recv_into(buffer)
            if not n:
                break
            piece = view[:n]
    total = time.perf_counter() - started
    last = bytes(tail).rstrip(b"\n").rsplit(b"\n", 1)[-1]
    assert not last.startswith(b'{"error"'), last
    return ttfb or total, total, ndjson, wire, headers


def stream_once(base: str, path: str, cookie: str, coding: str, worker: int, expect: int):
    reset_peak(worker)
    rss_before = proc_status(worker, "VmRSS")
    server_cpu = cpu_seconds(worker)
    at_first: list[float] = []
    ttfb, total, ndjson, wire, headers = raw_get(
        base, path, cookie, coding, lambda: at_first.append(cpu_seconds(worker))
    )
    hwm = proc_status(worker, "VmHWM")
    server_cpu_ttfb = (at_first[0] if at_first else cpu_seconds(worker)) - server_cpu
    server_cpu = cpu_seconds(worker) - server_cpu
    assert ndjson == expect, f"received {ndjson} bytes of NDJSON, expected {expect}"
    return StreamRun(
        coding,
        ttfb,
        total,
        ndjson,
        wire,
        rss_before,
        hwm,
        server_cpu,
        server_cpu_ttfb,
        int(headers.get("x-replay-retries", "0")),
    )


# --- Chromium ---------------------------------------------------------------------------------

MARKS_JS = """() => Object.fromEntries(
  ['oakdash:replay-player-created', 'oakdash:replay-playing'].map((n) => {
    const found = performance.getEntriesByName(n);
    return [n, found.length ? found[0].startTime : null];
  }))"""

# When replay.js marks the whole recording loaded (data-replay-loaded="1" on <body>). The document
# node is observed: an init script runs before <html> exists.
LOADED_INIT = """
new MutationObserver(() => {
  if (!window.__oakdashLoadedAt && document.body &&
      document.body.getAttribute('data-replay-loaded') === '1') {
    window.__oakdashLoadedAt = performance.now();
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-replay-loaded']});
"""

NAV_JS = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const events = performance.getEntriesByType('resource').filter(
    (e) => e.name.includes('events.ndjson'));
  return {html: n.responseStart, dcl: n.domContentLoadedEventEnd,
          wire: events.length ? events[0].encodedBodySize : 0};  // bytes before decoding
}"""

# The whole-array way: fetch everything, parse every line, then build the player.
WHOLE_ARRAY_JS = """async (url) => {
  const t = {start: performance.now()};
  const response = await fetch(url);
  const text = await response.text();
  t.fetched = performance.now();
  const events = [];
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\\n', from);
    if (to < 0) to = text.length;
    if (to > from) events.push(JSON.parse(text.slice(from, to)));
    from = to + 1;
  }
  t.parsed = performance.now();
  const target = document.getElementById('target');
  new rrwebPlayer.Player({target, props: {events, autoPlay: false, width: 1024, height: 640,
                                          showController: false, mouseTail: false}});
  t.created = performance.now();
  await new Promise((resolve) => (function check() {
    const f = target.querySelector('iframe');
    const d = f && f.contentDocument;
    if (d && d.body && d.body.childElementCount > 0) resolve(); else requestAnimationFrame(check);
  })());
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  t.frame = performance.now();
  for (const k of ['fetched', 'parsed', 'created', 'frame']) t[k] -= t.start;
  t.events = events.length;
  return t;
}"""


def wait_until(page, predicate: str, timeout_s: float = 300.0) -> None:
    """Poll a JS expression from here: the replay page's CSP forbids the eval that
    `page.wait_for_function` needs."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {predicate}")
        page.wait_for_timeout(200)  # its own cost lands on the page being measured


@dataclass
class Link:
    """DevTools network emulation for the browser's link (None: loopback as it is)."""

    mbit: float
    latency_ms: float

    def apply(self, context, page) -> None:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        rate = self.mbit * 1e6 / 8  # bytes a second
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": self.latency_ms,
                "downloadThroughput": rate,
                "uploadThroughput": rate,
            },
        )


def browser_runs(base: str, cookie: str, replay_id: str, repeat: int, link: Link | None) -> dict:
    from playwright.sync_api import sync_playwright

    page_url = f"{base}/replays/{replay_id}/"
    html = httpx.get(page_url, cookies={"sessionid": cookie}, timeout=60).text
    script = re.search(r'src="([^"]*rrweb-player[^"]*\.js)"', html)
    css = re.search(r'href="([^"]*rrweb-player[^"]*\.css)"', html)
    assert script and css, "the replay page does not load the vendored player"
    blank_url = f"{base}/__bench_blank__/"
    blank = (
        f'<!doctype html><html><head><link rel="stylesheet" href="{css.group(1)}">'
        f'<script src="{script.group(1)}"></script></head>'
        '<body><div id="target"></div></body></html>'
    )
    out: dict[str, list] = {"progressive": [], "whole": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(300_000)
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
            context.add_init_script(LOADED_INIT)
            context.route(
                blank_url, lambda route: route.fulfill(body=blank, content_type="text/html")
            )
            for run in range(repeat + 1):  # the first load warms the HTTP cache: not counted
                page = context.new_page()
                if link is not None:
                    link.apply(context, page)
                streams: list = []
                page.on("response", lambda r, s=streams: s.append(r) if "events" in r.url else 0)
                page.goto(page_url, wait_until="commit")
                wait_until(page, "window.__oakdashLoadedAt !== undefined")
                marks = page.evaluate(MARKS_JS)
                loaded = page.evaluate("window.__oakdashLoadedAt")
                nav = page.evaluate(NAV_JS)
                coding = streams[0].all_headers().get("content-encoding") if streams else None
                page.close()
                if run:
                    out["progressive"].append(
                        {
                            "frame": marks["oakdash:replay-playing"],
                            "created": marks["oakdash:replay-player-created"],
                            "loaded": loaded,
                            "dcl": nav["dcl"],
                            "wire": nav["wire"],
                            "coding": coding or "identity",
                        }
                    )
            for _ in range(repeat):
                page = context.new_page()
                page.goto(blank_url)
                wait_until(page, "window.rrwebPlayer !== undefined")
                if link is not None:
                    link.apply(context, page)
                timings = page.evaluate(WHOLE_ARRAY_JS, f"/replays/{replay_id}/events.ndjson")
                page.close()
                out["whole"].append(timings)
        finally:
            browser.close()
    return out


# --- report ---------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def machine() -> str:
    load = os.getloadavg()
    cpus = len(os.sched_getaffinity(0))
    note = (
        f" — BUSY: load {load[0]:.1f} > {cpus} CPUs, figures include waiting for a CPU"
        if load[0] > cpus
        else ""
    )
    return f"machine: nproc {cpus}, load average {', '.join(f'{x:.2f}' for x in load)}{note}"


def med(values) -> float:
    return statistics.median(list(values))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=150.0, help="NDJSON size, in MB (10^6 B)")
    parser.add_argument("--chunks", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument(
        "--layout",
        choices=(*LAYOUT_ALIASES, *LAYOUTS),
        default="in-order",
        help="chunk layout: in-order (= sequential), shuffled, overlapping (= two-buffers)",
    )
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument(
        "--browser-only", action="store_true", help="only Chromium's figures (skip the streams)"
    )
    parser.add_argument(
        "--storage-mode",
        choices=("plain", "s3", "gcs"),
        default="plain",
        help="how the demo's chunk storage behaves (s3: SlowDown now and then, so retries)",
    )
    parser.add_argument(
        "--storage-latency-ms", type=float, default=0.0, help="per chunk request (default 0)"
    )
    parser.add_argument(
        "--storage-bandwidth-mbit",
        type=float,
        default=0.0,
        help="per chunk response, Mbit/s (default 0: uncapped)",
    )
    parser.add_argument(
        "--slow-storage-ms",
        type=float,
        default=50.0,
        help="storage latency for the second time to first byte and the throttled browser",
    )
    parser.add_argument("--link-mbit", type=float, default=50.0, help="the browser's link")
    parser.add_argument("--link-latency-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    layout = LAYOUT_ALIASES.get(args.layout, args.layout)

    from oakdash.demo import make_app
    from oakdash.demo.projects import ACME_SECRET_KEY
    from oakdash.demo.server import serve

    print(machine(), flush=True)
    t0 = time.perf_counter()
    built = build_replay(target_bytes=int(args.mb * 1e6), chunks=args.chunks, layout=layout)
    print(
        f"replay: {args.layout} ({layout}), {len(built.chunks)} chunks, {built.events:,} events, "
        f"{built.ndjson_bytes / 1e6:.1f} MB NDJSON, {built.gzip_bytes / 1e6:.1f} MB gzipped "
        f"(built in {time.perf_counter() - t0:.1f} s)",
        flush=True,
    )

    demo = None
    results: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="oakdash-bench-stream-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            app = make_app(
                storage_mode=args.storage_mode,
                storage_latency=args.storage_latency_ms / 1000,
                storage_bandwidth=args.storage_bandwidth_mbit * 125_000,
            )
            replay_id = app.add_replay(ACME_SECRET_KEY, {"duration_ms": 600_000}, built.chunks)
            demo = serve(app, "127.0.0.1", 0)
            api_url = f"{demo.url}/api/v1"
            env = dashboard_env(
                tmp,
                api_url,
                DJANGO_LOG_LEVEL="ERROR",
                OAKDASH_REPLAY_CHUNK_NETWORKS="127.0.0.1/32",  # the demo's storage, on loopback
            )
            with dashboard_process(
                tmp, api_url, [User(USERNAME, ACME_SECRET_KEY)], env=env, threads=args.threads
            ) as dashboard:
                worker = worker_pid(dashboard.master_pid)
                cookie = dashboard.login(USERNAME).cookies["sessionid"]
                print(
                    f"demo OakData API {api_url} (thread of this process; storage "
                    f"{args.storage_mode}, {args.storage_latency_ms:g} ms per chunk request, "
                    + (
                        f"{args.storage_bandwidth_mbit:g} Mbit/s per response"
                        if args.storage_bandwidth_mbit
                        else "uncapped"
                    )
                    + f"); dashboard {dashboard.url} (gunicorn gthread, 1 worker pid {worker}, "
                    f"{args.threads} threads)",
                    flush=True,
                )
                bench = Bench(args, built, layout, tmp, dashboard.url, worker, cookie, replay_id)
                if not args.browser_only:
                    bench.streams(results)
                    bench.slow_storage_ttfb(app)
                if not args.skip_browser:
                    bench.browser(app, results)
        finally:
            if demo is not None:
                demo.stop()
    print()
    print(machine())
    for name, ok in results.items():
        print(f"{name}: {verdict(ok)}")
    return 0 if all(results.values()) else 1


@dataclass
class Bench:
    args: argparse.Namespace
    built: object
    layout: str
    tmp: Path
    base: str
    worker: int
    cookie: str
    replay_id: str

    @property
    def path(self) -> str:
        return f"/replays/{self.replay_id}/events.ndjson"

    def stream(self, coding: str) -> StreamRun:
        return stream_once(
            self.base, self.path, self.cookie, coding, self.worker, self.built.ndjson_bytes
        )

    def streams(self, results: dict[str, bool]) -> None:
        """Every encoding against gzip -dc and the in-process merge; prints the table."""
        built, args = self.built, self.args
        mb = built.ndjson_bytes / 1e6
        chunk_dir = self.tmp / "chunks"
        chunk_dir.mkdir()
        paths = []
        for index, data in enumerate(built.chunks):
            path = chunk_dir / f"chunk-{index:04d}.ndjson.gz"
            path.write_bytes(data)
            paths.append(str(path))
        runs: dict[str, list[StreamRun]] = {coding: [] for coding in CODINGS}
        gzip_runs: list[float] = []
        merge_runs: list[float] = []
        first = self.stream("identity")  # warm-up (imports, pools): the fresh worker's memory
        for _ in range(args.repeat):
            gzip_runs.append(time_gzip(paths)[0])
            merge_runs.append(time_merge(built.chunks)[0])
            for coding in CODINGS:
                runs[coding].append(self.stream(coding))
        gzip_mbps = mb / med(gzip_runs)
        print(f"\nstream of {mb:.1f} MB NDJSON, median of {args.repeat}; {machine()}")
        print(
            "| | NDJSON MB/s delivered (from 1st byte) | × gzip -dc | end to end | MB on the "
            "wire | first byte | worker CPU (to 1st byte) | peak RSS growth |"
        )
        print("|---|---|---|---|---|---|---|---|")
        print(
            f"| `gzip -dc` of the {len(paths)} chunk files | {gzip_mbps:.0f} (best "
            f"{mb / min(gzip_runs):.0f}) | 1.00× | | {built.gzip_bytes / 1e6:.1f} | | | |"
        )
        print(
            f"| `merged_ndjson` in this process | {mb / med(merge_runs):.0f} (best "
            f"{mb / min(merge_runs):.0f}) | {mb / med(merge_runs) / gzip_mbps:.2f}× | | | | | |"
        )
        for coding, rs in runs.items():
            print(
                f"| {coding} | {med(r.stream_mbps for r in rs):.0f} "
                f"({min(r.stream_mbps for r in rs):.0f}–{max(r.stream_mbps for r in rs):.0f}) "
                f"| {med(r.stream_mbps for r in rs) / gzip_mbps:.2f}× "
                f"| {med(r.e2e_mbps for r in rs):.0f} "
                f"| {med(r.wire_bytes for r in rs) / 1e6:.1f} "
                f"| {med(r.ttfb_s for r in rs) * 1000:.0f} ms "
                f"| {med(r.server_cpu_s for r in rs):.2f} s "
                f"({med(r.server_cpu_ttfb_s for r in rs):.2f} s) "
                f"| {max(r.growth for r in rs) / 1e6:.0f} MB |"
            )
        retries = [r.retries for rs in runs.values() for r in rs]
        if any(retries):
            print(f"storage retries per stream (X-Replay-Retries): {retries}")
        identity = med(r.stream_mbps for r in runs["identity"]) / gzip_mbps
        target = IDENTITY_TARGET[self.layout]
        results[f"identity stream ≥ {target}× gzip -dc ({self.layout})"] = identity >= target
        zstd = med(r.stream_mbps for r in runs["zstd"]) / gzip_mbps
        results[f"zstd stream (Chromium's) ≥ {COMPRESSED_TARGET}× gzip -dc"] = (
            zstd >= COMPRESSED_TARGET
        )
        growth = max(r.growth for r in [first, *(r for rs in runs.values() for r in rs)])
        allowed = built.gzip_bytes + RSS_SLACK
        results["peak RSS growth ≤ compressed + 64 MB"] = growth <= allowed
        print(
            f"peak RSS growth, every stream and the fresh worker's first: {growth / 1e6:.0f} MB "
            f"(allowed {allowed / 1e6:.0f} MB)"
        )

    def slow_storage_ttfb(self, app) -> None:
        from oakdash.demo.storage import DemoStorage, StorageBehaviour

        before = app.storage
        app.storage = DemoStorage(
            StorageBehaviour(mode=before.behaviour.mode, latency=self.args.slow_storage_ms / 1000)
        )
        try:
            ttfb = [self.stream("zstd").ttfb_s * 1000 for _ in range(self.args.repeat)]
        finally:
            app.storage = before
        print(
            f"first byte with storage at {self.args.slow_storage_ms:g} ms per chunk request: "
            f"{med(ttfb):.0f} ms ({min(ttfb):.0f}–{max(ttfb):.0f})",
            flush=True,
        )

    def browser(self, app, results: dict[str, bool]) -> None:
        from oakdash.demo.storage import DemoStorage, StorageBehaviour

        args = self.args
        print(f"\nChromium, navigation start → ms, warm cache, median of {args.repeat}", flush=True)
        print("| conditions | page | first frame | every event loaded | wire MB (coding) |")
        print("|---|---|---|---|---|")
        loopback = browser_runs(self.base, self.cookie, self.replay_id, args.repeat, None)
        self._rows("loopback", loopback)
        frame = med(p["frame"] for p in loopback["progressive"])
        results[f"first frame ≤ {FIRST_FRAME_LOOPBACK_MS:.0f} ms on loopback"] = (
            frame <= FIRST_FRAME_LOOPBACK_MS
        )
        before = app.storage
        app.storage = DemoStorage(
            StorageBehaviour(mode=before.behaviour.mode, latency=args.slow_storage_ms / 1000)
        )
        link = Link(args.link_mbit, args.link_latency_ms)
        try:
            slow = browser_runs(self.base, self.cookie, self.replay_id, args.repeat, link)
        finally:
            app.storage = before
        conditions = (
            f"storage {args.slow_storage_ms:g} ms, link {args.link_mbit:g} Mbit/s "
            f"{args.link_latency_ms:g} ms"
        )
        self._rows(conditions, slow)
        frame = med(p["frame"] for p in slow["progressive"])
        results[f"first frame ≤ {FIRST_FRAME_THROTTLED_MS:.0f} ms, {conditions}"] = (
            frame <= FIRST_FRAME_THROTTLED_MS
        )
        wire = med(p["wire"] for p in slow["progressive"])
        floor = wire * 8 / (args.link_mbit * 1e6) * 1000
        loaded = med(p["loaded"] for p in slow["progressive"])
        print(
            f"full load at {args.link_mbit:g} Mbit/s: {loaded:.0f} ms; wire size / link speed "
            f"{floor:.0f} ms (+{FULL_LOAD_SLACK_MS:.0f} ms allowed)"
        )
        results[f"full load ≤ wire/link + 1 s, {conditions}"] = loaded <= floor + FULL_LOAD_SLACK_MS

    def _rows(self, conditions: str, found: dict) -> None:
        progressive, whole = found["progressive"], found["whole"]

        def rng(values) -> str:
            values = list(values)
            return f"{med(values):.0f} ({min(values):.0f}–{max(values):.0f})"

        print(
            f"| {conditions} | progressive (/replays/<id>/; DOMContentLoaded "
            f"{med(p['dcl'] for p in progressive):.0f}, player created "
            f"{med(p['created'] for p in progressive):.0f}) "
            f"| {rng(p['frame'] for p in progressive)} | {rng(p['loaded'] for p in progressive)} "
            f"| {med(p['wire'] for p in progressive) / 1e6:.1f} ({progressive[0]['coding']}) |"
        )
        print(
            f"| {conditions} | whole array first (from its fetch; fetched "
            f"{med(w['fetched'] for w in whole):.0f}, parsed {med(w['parsed'] for w in whole):.0f})"
            f" | {rng(w['frame'] for w in whole)} | {rng(w['frame'] for w in whole)} | |",
            flush=True,
        )


if __name__ == "__main__":
    raise SystemExit(main())
