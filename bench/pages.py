"""How much time does oakdash add on top of OakData, per page? And what does live polling cost?

    .venv/bin/python bench/pages.py                   # 30 requests per page, 30 s of polling
    .venv/bin/python bench/pages.py --requests 50 --poll-seconds 60 --clients 30

Set-up: the demo OakData API runs over real HTTP in a subprocess (`manage.py demo_api`), so its
work does not compete with the dashboard's for this process's GIL. The dashboard runs here, in
Django's threaded WSGI server, against `http://127.0.0.1:<port>/api/v1`, with a temporary SQLite
database and users holding the demo keys. A WSGI wrapper times every request on the server side
(first byte of the request to the last byte of the body, `request_finished` included) and the
client's `on_response` hook adds up the upstream time spent inside that same request.

Part 1 — pages. The cache is `dummy://`, so every request goes upstream. Per page: the median
server time, the median upstream time, and the median of (server − upstream) per request: the
dashboard's own overhead (view, template, session, key decryption). Target: ≤ 10 ms.

Part 2 — live polling. The normal in-process cache is switched back on, and `--clients` threads
poll `/live/widget/` (alternating with the nav's `?compact=1`, as an open /live/ tab does) every
`--poll-every` seconds, two thirds as two teammates of project A, one third as project B. It
prints the upstream `/live` calls per project. Target: at most one per project per polling
interval (OAKDASH_LIVE_CACHE_SECONDS, 5 s): ≤ ceil(duration / 5) + 1.

Not a timed test: it prints figures. The machine's load shows in them.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OVERHEAD_TARGET_MS = 10.0


@dataclass
class Sample:
    server_s: float
    cpu_s: float  # this request thread's CPU time: what the machine's load cannot inflate
    upstream_s: float
    upstream_calls: int
    status: int
    size: int


@dataclass
class Recorder:
    """Per-request upstream time (thread-local) and /live calls per project (global)."""

    local: threading.local = field(default_factory=threading.local)
    lock: threading.Lock = field(default_factory=threading.Lock)
    live_calls: Counter = field(default_factory=Counter)
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    record_pages: bool = True

    def on_response(self, path: str, status: int | None, elapsed_s: float) -> None:
        self.local.upstream += elapsed_s
        self.local.calls += 1
        if path == "/live":
            with self.lock:
                self.live_calls[self.local.project] += 1

    def wrap(self, app: Callable) -> Callable:
        def timed(environ: dict, start_response: Callable) -> Iterable[bytes]:
            self.local.upstream = 0.0
            self.local.calls = 0
            self.local.project = environ.get("HTTP_X_BENCH_PROJECT", "?")
            status: list[int] = []

            def capture(line: str, headers: list, exc_info: object = None) -> Callable:
                status.append(int(line.split()[0]))
                return start_response(line, headers, exc_info)

            started = time.perf_counter()
            cpu_started = time.thread_time()
            result = app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()  # request_finished: part of what a request costs
            elapsed = time.perf_counter() - started
            cpu = time.thread_time() - cpu_started
            if self.record_pages:
                label = environ.get("HTTP_X_BENCH_PAGE", environ["PATH_INFO"])
                calls = self.local.calls
                sample = Sample(elapsed, cpu, self.local.upstream, calls, status[0], len(body))
                with self.lock:
                    self.samples.setdefault(label, []).append(sample)
            return [body]

        return timed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo_api", "--port", str(port), "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}/api/v1"


def wait_for_demo(api_url: str, keys: list[str], timeout: float = 180.0) -> None:
    """Until each project answers /live (the first answer builds the demo's data: seconds)."""
    deadline = time.monotonic() + timeout
    for key in keys:
        while True:
            try:
                response = httpx.get(
                    f"{api_url}/live", headers={"Authorization": f"Bearer {key}"}, timeout=60
                )
                if response.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the demo API at {api_url} did not come up")
            time.sleep(0.2)


def setup_django(api_url: str, tmp: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "oakdash.settings",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "x" * 50),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE": "0",
            "DJANGO_LOG_LEVEL": "ERROR",
            "OAKDATA_API_URL": api_url,
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(tmp / "static"),  # the production manifest storage
            "CACHE_URL": "dummy://",  # part 1: every page request goes upstream
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    # Sessions and signed-in users from an in-process cache, as in production (any CACHE_URL):
    # only the upstream answers must miss.
    settings.CACHES["sessions"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    settings.SESSION_CACHE_ALIAS = "sessions"
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)


def make_user(username: str, key: str) -> tuple[str, str]:
    """A user holding `key`: a logged-in session cookie value, and the slug of the key's project
    (pages live under ``/p/<slug>/``; teammates holding one key share the project)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from oakdash.accounts import keystore

    user = get_user_model().objects.create_user(username=username)
    record = keystore.store_key(user, key, verified=True)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, record.project.slug


def start_dashboard(recorder: Recorder) -> tuple[object, str]:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(recorder.wrap(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def page_urls(api_url: str, key: str, slug: str) -> list[tuple[str, str]]:
    """(label, URL) for every analytics page, with a real session and visitor id from the API."""
    headers = {"Authorization": f"Bearer {key}"}
    sessions = httpx.get(f"{api_url}/sessions", params={"limit": 50}, headers=headers, timeout=60)
    sessions.raise_for_status()
    # A plain id (the hostile ones are the escaping tests' business, not a timing question).
    rows = sessions.json()["sessions"]
    first = next((s for s in rows if re.fullmatch(r"[\w.-]+", s["distinct_id"])), rows[0])
    sid, vid = first["session_id"], first["distinct_id"]
    pages = [
        ("/", "/"),
        ("/sessions/", "/sessions/"),
        ("/sessions/<id>/", f"/sessions/{quote(sid, safe='')}/"),
        ("/visitors/<id>/", f"/visitors/{quote(vid, safe='')}/"),
        ("/journey/", "/journey/"),
        ("/live/", "/live/"),
        ("/events/", "/events/"),
        ("/replays/", "/replays/"),
    ]
    return [(label, f"/p/{slug}{url}") for label, url in pages]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def bench_pages(base: str, cookie: str, pages: list[tuple[str, str]], n: int, rec: Recorder):
    with httpx.Client(base_url=base, cookies={"sessionid": cookie}, timeout=30) as client:
        for label, url in pages:
            headers = {"X-Bench-Page": label, "X-Bench-Project": "A"}
            rec.record_pages = False
            for _ in range(3):  # warm up: imports, template compilation, demo caches
                client.get(url, headers=headers)
            rec.record_pages = True
            for _ in range(n):
                client.get(url, headers=headers)

    print(f"\nPart 1 — page time, {n} requests each, every request upstream (CACHE_URL=dummy://)")
    print(
        f"{'page':<18}{'status':>8}{'KB':>7}{'calls':>6}"
        f"{'server ms':>11}{'upstream ms':>13}{'overhead ms':>13}{'p90 ovh':>9}{'cpu ms':>8}"
        "  target"
    )
    over = []
    for label, _ in pages:
        samples = rec.samples.get(label, [])
        statuses = Counter(s.status for s in samples)
        overheads = [s.server_s - s.upstream_s for s in samples]
        median_overhead = statistics.median(overheads)
        p90 = statistics.quantiles(overheads, n=10)[-1] if len(overheads) > 1 else overheads[0]
        # A redirect or an error page is not the page: its figure cannot pass.
        ok = median_overhead * 1000 <= OVERHEAD_TARGET_MS and set(statuses) == {200}
        if not ok:
            over.append(label)
        status = ",".join(str(code) for code in sorted(statuses))
        print(
            f"{label:<18}{status:>8}{statistics.median(s.size for s in samples) / 1024:7.1f}"
            f"{statistics.median(s.upstream_calls for s in samples):6.0f}"
            f"{ms(statistics.median(s.server_s for s in samples)):>11}"
            f"{ms(statistics.median(s.upstream_s for s in samples)):>13}"
            f"{ms(median_overhead):>13}{ms(p90):>9}"
            f"{ms(statistics.median(s.cpu_s for s in samples)):>8}  {'ok' if ok else 'OVER'}"
        )
    print(
        "overhead = median over requests of (server − upstream); "
        f"p90 ovh = its 90th percentile; target ≤ {OVERHEAD_TARGET_MS:g} ms\n"
        "cpu ms = median CPU time of the request's thread (parsing the upstream answer included):"
        " the overhead a busy machine cannot inflate"
    )
    return over


def bench_live(
    base: str,
    cookies: dict[str, list[str]],
    slugs: dict[str, str],
    clients: int,
    seconds: float,
    every: float,
    rec,
) -> bool:
    from django.conf import settings
    from django.test.utils import override_settings

    rec.record_pages = False
    rec.live_calls.clear()
    plan = [("A", cookies["A"][i % len(cookies["A"])]) for i in range(clients * 2 // 3)]
    plan += [("B", cookies["B"][i % len(cookies["B"])]) for i in range(clients - len(plan))]
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    start = time.monotonic() + 0.5
    stop = start + seconds

    def poll(project: str, cookie: str, index: int) -> None:
        slug = slugs[project]
        urls = [f"/p/{slug}/live/widget/", f"/p/{slug}/live/widget/?compact=1"]
        with httpx.Client(base_url=base, cookies={"sessionid": cookie}, timeout=30) as client:
            time.sleep(max(0.0, start - time.monotonic()) + random.uniform(0, every))
            n = index
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                response = client.get(urls[n % 2], headers={"X-Bench-Project": project})
                with lock:
                    latencies.append(time.perf_counter() - t0)
                    statuses[response.status_code] += 1
                n += 1
                time.sleep(max(0.0, every - (time.perf_counter() - t0)))

    locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    locmem = {"default": locmem, "sessions": settings.CACHES["sessions"]}
    with override_settings(CACHES=locmem):
        threads = [
            threading.Thread(target=poll, args=(project, cookie, i))
            for i, (project, cookie) in enumerate(plan)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        interval = settings.OAKDASH_LIVE_CACHE_SECONDS

    allowed = math.ceil(seconds / interval) + 1
    requests = sum(statuses.values())
    print(
        f"\nPart 2 — live polling: {clients} clients ({len(cookies['A'])} users of project A, "
        f"{len(cookies['B'])} of B) each polling every {every:g} s for {seconds:g} s, "
        f"normal cache ({interval:g} s)"
    )
    print(
        f"widget requests: {requests} ({requests / seconds:.0f}/s), statuses "
        f"{dict(statuses)}, latency p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {statistics.quantiles(latencies, n=20)[-1] * 1000:.1f} ms"
    )
    ok = set(statuses) == {200}  # a widget that redirects makes no upstream call either
    for project in ("A", "B"):
        calls = rec.live_calls[project]
        share = sum(1 for p, _ in plan if p == project)
        good = calls <= allowed
        ok = ok and good
        print(
            f"project {project}: {share:>2} clients, upstream /live calls {calls:>3} "
            f"= {calls / (seconds / interval):.2f} per {interval:g} s interval "
            f"(target ≤ {allowed}: one per interval) {'ok' if good else 'OVER'}"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--clients", type=int, default=30, help="concurrent live pollers")
    parser.add_argument("--poll-seconds", type=float, default=30.0, help="polling duration")
    parser.add_argument("--poll-every", type=float, default=1.0, help="seconds between polls")
    args = parser.parse_args()

    from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY

    env = dict(os.environ)
    env.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 50)
    env.update({"DJANGO_SETTINGS_MODULE": "oakdash.settings", "DJANGO_DEBUG": "0"})
    demo, api_url = start_demo(env)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"demo OakData API: {api_url} (subprocess); building its data…", flush=True)
            wait_for_demo(api_url, [ACME_SECRET_KEY, GLOBEX_SECRET_KEY])
            setup_django(api_url, Path(tmp))
            from oakdash.upstream import get_api

            rec = Recorder()
            get_api().on_response = rec.on_response
            users = {
                "A": [make_user("alice", ACME_SECRET_KEY), make_user("ada", ACME_SECRET_KEY)],
                "B": [make_user("bob", GLOBEX_SECRET_KEY)],
            }
            cookies = {p: [cookie for cookie, _ in held] for p, held in users.items()}
            slugs = {p: held[0][1] for p, held in users.items()}
            server, base = start_dashboard(rec)
            print(f"dashboard: {base} (threaded WSGI server in this process)")
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"machine: {os.cpu_count()} CPUs, load average {load} (figures include it)")
            over = bench_pages(
                base,
                cookies["A"][0],
                page_urls(api_url, ACME_SECRET_KEY, slugs["A"]),
                args.requests,
                rec,
            )
            live_ok = bench_live(
                base, cookies, slugs, args.clients, args.poll_seconds, args.poll_every, rec
            )
            server.shutdown()
            get_api().close()
    finally:
        demo.terminate()
        demo.wait(timeout=10)
    print()
    print("pages over the overhead target: " + (", ".join(over) if over else "none"))
    print("live polling: " + ("within target" if live_ok else "OVER target"))


if __name__ == "__main__":
    main()
