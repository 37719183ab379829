"""How fast does a 150 MB replay stream through the dashboard, in memory and to a first frame?

    .venv/bin/python bench/replay_stream.py                        # ~150 MB, 150 chunks, in order
    .venv/bin/python bench/replay_stream.py --layout overlapping --repeat 5
    .venv/bin/python bench/replay_stream.py --mb 50 --chunks 60 --skip-browser
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

Figures (medians over `--repeat` runs unless said otherwise):

* throughput of `/replays/<id>/events.ndjson` in MB/s of NDJSON received (httpx streaming; with
  gzip, the decompressed bytes), counted from the first body byte (the stream itself) and from the
  request (end to end); time to first byte; against `gzip -dc` of the same chunk files to
  /dev/null (best of `--repeat`, page-cached). Target: uncompressed stream ≥ 0.8× `gzip -dc`.
* the gunicorn worker's peak RSS growth during one stream: VmHWM after it minus VmRSS before it
  (the high-water mark is reset through /proc/<pid>/clear_refs before each stream). Target: ≤ the
  replay's compressed size + 64 MB.
* the chunk downloads storage made the worker retry, per stream (its `X-Replay-Retries` header).
* Chromium: navigation start → first frame of `/replays/<id>/` (replay.js's
  `oakdash:replay-playing` mark: the player exists, its first frame painted; and the moment its
  iframe holds the recorded DOM), against loading the whole stream first (fetch, JSON.parse of
  every line, then `new rrwebPlayer.Player(...)`, on a blank page of the same origin that loads the
  vendored player). Target: first frame ≤ 1 s.

Not a timed test: it prints figures, with the machine's load (shared machines make them noisy).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

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
RATIO_TARGET = 0.8
RSS_SLACK = 64_000_000
FIRST_FRAME_TARGET_MS = 1000.0
USERNAME = "bench"


@dataclass
class StreamRun:
    encoding: str
    ttfb_s: float
    total_s: float
    ndjson_bytes: int
    wire_bytes: int
    rss_before: int
    hwm_after: int
    server_cpu_s: float  # the gunicorn worker's CPU time during the stream
    client_cpu_s: float  # this process's (httpx reading, gzip decoding)
    server_cpu_ttfb_s: float  # the worker's CPU time up to the first byte (API call, downloads)
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


# --- measurements ---------------------------------------------------------------------------


def stream_once(client: httpx.Client, url: str, gzip: bool, worker: int, expect: int) -> StreamRun:
    reset_peak(worker)
    rss_before = proc_status(worker, "VmRSS")
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    size = 0
    ttfb = None
    tail = b""
    server_cpu, client_cpu = cpu_seconds(worker), time.process_time()
    started = time.perf_counter()
    with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, (response.status_code, response.read()[:300])
        assert (response.headers.get("content-encoding") == "gzip") == gzip
        blocks = response.iter_bytes() if gzip else response.iter_raw()
        for block in blocks:
            if ttfb is None:
                ttfb = time.perf_counter() - started
                server_cpu_ttfb = cpu_seconds(worker) - server_cpu
            size += len(block)
            tail = block[-200:]
        total = time.perf_counter() - started
        wire = response.num_bytes_downloaded
        retries = int(response.headers.get("x-replay-retries", "0"))
    hwm = proc_status(worker, "VmHWM")
    server_cpu, client_cpu = cpu_seconds(worker) - server_cpu, time.process_time() - client_cpu
    last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    assert not last.startswith(b'{"error"'), last
    assert size == expect, f"received {size} bytes of NDJSON, expected {expect}"
    encoding = "gzip" if gzip else "identity"
    return StreamRun(
        encoding,
        ttfb or total,
        total,
        size,
        wire,
        rss_before,
        hwm,
        server_cpu,
        client_cpu,
        server_cpu_ttfb,
        retries,
    )


FIRST_FRAME_JS = """() => {
  const f = document.querySelector('#replay-player iframe');
  const d = f && f.contentDocument;
  return d && d.body && d.body.childElementCount > 0 ? performance.now() : false;
}"""

MARKS_JS = """() => Object.fromEntries(
  ['oakdash:replay-player-created', 'oakdash:replay-playing'].map((n) => {
    const found = performance.getEntriesByName(n);
    return [n, found.length ? found[0].startTime : null];
  }))"""

NAV_JS = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {origin: performance.timeOrigin, html: n.responseStart, dcl: n.domContentLoadedEventEnd};
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
  t.dom = performance.now();
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  t.frame = performance.now();
  t.events = events.length;
  t.bytes = text.length;
  return t;
}"""


def browser_runs(base: str, cookie: str, replay_id: str, repeat: int) -> dict[str, list]:
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
    out: dict[str, list] = {"progressive": [], "whole": [], "nav": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(180_000)
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
            context.route(
                blank_url, lambda route: route.fulfill(body=blank, content_type="text/html")
            )
            for run in range(repeat + 1):  # the first load warms the HTTP cache: not counted
                page = context.new_page()
                seen: list = []
                page.on(
                    "response",
                    lambda r, seen=seen: seen.append(r) if "events.ndjson" in r.url else None,
                )
                page.goto(page_url, wait_until="commit")
                dom = page.wait_for_function(FIRST_FRAME_JS, polling="raf").json_value()
                page.wait_for_function(
                    "() => performance.getEntriesByName('oakdash:replay-playing').length > 0"
                )
                marks = page.evaluate(MARKS_JS)
                nav = page.evaluate(NAV_JS)
                if seen:  # the events request, relative to navigation start
                    timing = seen[0].request.timing
                    nav["fetch"] = timing["startTime"] - nav["origin"]
                    nav["headers"] = nav["fetch"] + timing["responseStart"]
                page.close()  # stops the stream: the server's merge is closed on its next write
                if run:
                    out["progressive"].append(
                        (
                            marks["oakdash:replay-playing"],
                            dom,
                            marks["oakdash:replay-player-created"],
                        )
                    )
                    out["nav"].append(nav)
            for _ in range(repeat):
                page = context.new_page()
                page.goto(blank_url)
                page.wait_for_function("() => window.rrwebPlayer !== undefined")
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
    args = parser.parse_args(argv)
    layout = LAYOUT_ALIASES.get(args.layout, args.layout)

    from oakdash.demo import make_app
    from oakdash.demo.projects import ACME_SECRET_KEY
    from oakdash.demo.server import serve

    print(machine(), flush=True)
    t0 = time.perf_counter()
    built = build_replay(target_bytes=int(args.mb * 1e6), chunks=args.chunks, layout=layout)
    mb = built.ndjson_bytes / 1e6
    print(
        f"replay: {args.layout} ({layout}), {len(built.chunks)} chunks, {built.events:,} events, "
        f"{mb:.1f} MB NDJSON, {built.gzip_bytes / 1e6:.1f} MB gzipped "
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
                base = dashboard.url
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
                    + f"); dashboard {base} (gunicorn gthread, 1 worker pid {worker}, "
                    f"{args.threads} threads)",
                    flush=True,
                )
                _measure(args, built, mb, tmp, base, worker, cookie, replay_id, results)
        finally:
            if demo is not None:
                demo.stop()
    print()
    print(machine())
    for name, ok in results.items():
        print(f"{name}: {verdict(ok)}")
    return 0 if all(results.values()) else 1


def _measure(args, built, mb, tmp, base, worker, cookie, replay_id, results) -> None:
    """Streams, gzip -dc and merged_ndjson for comparison, memory, and Chromium; prints."""
    chunk_dir = tmp / "chunks"
    chunk_dir.mkdir()
    paths = []
    for index, data in enumerate(built.chunks):
        path = chunk_dir / f"chunk-{index:04d}.ndjson.gz"
        path.write_bytes(data)
        paths.append(str(path))

    url = f"/replays/{replay_id}/events.ndjson"
    runs: dict[str, list[StreamRun]] = {"identity": [], "gzip": []}
    gzip_runs: list[float] = []
    merge_runs: list[float] = []  # merged_ndjson in this process: no HTTP, no gunicorn
    with httpx.Client(base_url=base, cookies={"sessionid": cookie}, timeout=120) as client:
        # warm-up (imports, pools); its memory growth is the fresh worker's
        first = stream_once(client, url, False, worker, built.ndjson_bytes)
        for _ in range(args.repeat):  # interleaved, so load swings hit all three
            gzip_runs.append(time_gzip(paths)[0])
            merge_runs.append(time_merge(built.chunks)[0])
            for encoding in runs:
                run = stream_once(client, url, encoding == "gzip", worker, built.ndjson_bytes)
                runs[encoding].append(run)
    print(f"\nstream of {mb:.1f} MB NDJSON, median of {args.repeat} (min–max):")
    gzip_best, gzip_median = min(gzip_runs), statistics.median(gzip_runs)
    merge_median = statistics.median(merge_runs)
    print(
        f"  gzip -dc of the {len(paths)} chunk files: best {mb / gzip_best:6.1f} MB/s "
        f"({gzip_best:.3f} s), median {mb / gzip_median:6.1f} MB/s"
    )
    print(
        f"  merged_ndjson in this process (no HTTP, no gunicorn): median "
        f"{mb / merge_median:6.1f} MB/s, best {mb / min(merge_runs):6.1f} MB/s"
    )
    for encoding, rs in runs.items():
        stream = [r.stream_mbps for r in rs]
        e2e = [r.e2e_mbps for r in rs]
        ttfb = [r.ttfb_s * 1000 for r in rs]
        print(
            f"  {encoding:<8} stream {statistics.median(stream):6.1f} MB/s "
            f"({min(stream):.0f}–{max(stream):.0f}), end to end "
            f"{statistics.median(e2e):6.1f} MB/s, first byte "
            f"{statistics.median(ttfb):6.0f} ms ({min(ttfb):.0f}–{max(ttfb):.0f}), "
            f"on the wire {statistics.median(r.wire_bytes for r in rs) / 1e6:.1f} MB"
        )
        print(
            f"           CPU per stream: gunicorn worker "
            f"{statistics.median(r.server_cpu_s for r in rs):.2f} s (to the first byte "
            f"{statistics.median(r.server_cpu_ttfb_s for r in rs):.2f} s), this client "
            f"{statistics.median(r.client_cpu_s for r in rs):.2f} s; wall "
            f"{statistics.median(r.total_s for r in rs):.2f} s"
        )
        print(
            f"           storage retries per stream (X-Replay-Retries): "
            f"{', '.join(str(r.retries) for r in rs)}"
        )
    identity = runs["identity"]
    ratio = statistics.median(r.stream_mbps for r in identity) / (mb / gzip_median)
    ratio_best = max(r.stream_mbps for r in identity) / (mb / gzip_best)
    ratio_e2e = statistics.median(r.e2e_mbps for r in identity) / (mb / gzip_median)
    results["stream"] = ratio >= RATIO_TARGET
    over_http = statistics.median(r.stream_mbps for r in identity) / (mb / merge_median)
    print(
        f"  ratio uncompressed stream / gzip -dc: {ratio:.2f}x median/median "
        f"(best/best {ratio_best:.2f}x; end to end, first byte included, {ratio_e2e:.2f}x)"
        f"   target ≥ {RATIO_TARGET}x  {verdict(results['stream'])}"
    )
    print(
        f"  uncompressed stream / in-process merged_ndjson: {over_http:.2f}x "
        "(what HTTP, gunicorn and the httpx reader cost on top of the merge)"
    )

    all_runs = [r for rs in runs.values() for r in rs]
    growth = max(r.growth for r in [first, *all_runs])
    allowed = built.gzip_bytes + RSS_SLACK
    results["rss"] = growth <= allowed
    print(
        f"\ngunicorn worker memory: RSS before a stream "
        f"{statistics.median(r.rss_before for r in all_runs) / 1e6:.0f} MB, peak growth "
        f"(VmHWM − VmRSS before) max {growth / 1e6:.0f} MB, median "
        f"{statistics.median(r.growth for r in all_runs) / 1e6:.0f} MB over "
        f"{len(all_runs)} streams (the first stream of the fresh worker: "
        f"{first.growth / 1e6:.0f} MB)   target ≤ {built.gzip_bytes / 1e6:.0f} MB "
        "compressed "
        f"+ 64 MB = {allowed / 1e6:.0f} MB  {verdict(results['rss'])}"
    )

    if not args.skip_browser:
        print("\nChromium, navigation start → ... (ms), warm cache", flush=True)
        found = browser_runs(base, cookie, replay_id, args.repeat)
        playing = [p[0] for p in found["progressive"]]
        dom = [p[1] for p in found["progressive"]]
        created = [p[2] for p in found["progressive"]]
        first = statistics.median(playing)
        results["first frame"] = first <= FIRST_FRAME_TARGET_MS
        print(
            f"  progressive (/replays/<id>/): player created "
            f"{statistics.median(created):6.0f}, iframe holds the DOM "
            f"{statistics.median(dom):6.0f}, first frame (oakdash:replay-playing) "
            f"{first:6.0f} ({min(playing):.0f}–{max(playing):.0f})   "
            f"target ≤ {FIRST_FRAME_TARGET_MS:.0f}  {verdict(results['first frame'])}"
        )
        navs = found["nav"]
        if navs and all("fetch" in n for n in navs):

            def nmed(key: str, ns: list[dict] = navs) -> float:
                return statistics.median(n[key] for n in ns)

            print(
                f"    where it goes: page HTML first byte {nmed('html'):6.0f}, "
                f"DOMContentLoaded {nmed('dcl'):6.0f}, events.ndjson requested "
                f"{nmed('fetch'):6.0f}, its headers {nmed('headers'):6.0f} "
                f"(first byte: {nmed('headers') - nmed('fetch'):.0f} ms after the request)"
            )
        whole = found["whole"]

        def med(key: str, wh: list[dict] = whole) -> float:
            return statistics.median(w[key] for w in wh)

        print(
            f"  whole array first: fetched {med('fetched'):6.0f}, parsed "
            f"{med('parsed'):6.0f}, player created {med('created'):6.0f}, iframe holds "
            f"the DOM {med('dom'):6.0f}, first frame {med('frame'):6.0f} "
            f"({min(w['frame'] for w in whole):.0f}–{max(w['frame'] for w in whole):.0f})"
            f"   ({whole[0]['events']:,} events; {med('frame') / first:.0f}x later)"
        )


if __name__ == "__main__":
    raise SystemExit(main())
