"""Load: a team browsing oakdash on two hosts — latency, errors, upstream calls, CPU, own cost.

    .venv/bin/python bench/load.py                            # 100 members, 60 s: ~2.5 minutes
    .venv/bin/python bench/load.py --users 30 --seconds 20    # a quick look

Set-up, everything on 127.0.0.1 in a temporary folder, stopped at the end:

* private PostgreSQL and Redis (`tests/services.py`, as the tests start them);
* the demo OakData API in a process of its own (`bench/counting_demo.py`), counting every call per
  project, with one extra `--replay-mb` MB replay for the replay watchers;
* `--hosts` (2) gunicorn processes, each with deploy/gunicorn.conf.py and its workers × threads
  (`tests/support/processes.py`), one database and one Redis between them, `Server-Timing` on;
* `--users` (100) team members, half on each demo project, already signed in (sessions made in
  the database, as a login would; nobody types a password during the run).

Each member keeps one tab open, so its nav count polls `/live/widget/?compact=1` every 5 s, and
browses the way people do: a page, `--think` seconds of reading, the next — the overview and its
range switches (htmx), sessions, a session, its visitor, the journey, the events firehose and its
next page (htmx), the live page (its widget polling every 5 s while it stays open), replays.
`--streams` (5) of them watch replays instead: the player page, its whole event stream, a pause.
Every request goes to a random host, as a load balancer without stickiness sends them.

Printed per page type: requests, p50/p95/p99 latency (client side, body read), errors, and from
the response's Server-Timing the median own cost (time in Django minus time on OakData) and CPU;
then upstream calls per project and endpoint as the demo API counted them, /live calls per
project and 5-s interval, and CPU per request for gunicorn, PostgreSQL, Redis and the demo API.
Targets: p95 ≤ 200 ms on every page but the stream, no error, one /live call per project per
interval. Not a timed test: the machine's load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import re
import resource
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routes import ROUTES, url  # noqa: E402 - after sys.path
from tests import services  # noqa: E402
from tests.support import processes  # noqa: E402

DEPLOY_CONF = ROOT / "deploy" / "gunicorn.conf.py"
P95_TARGET_MS = 200.0
POLL_SECONDS = 5.0  # the widget's and the nav count's hx-trigger="every 5s"

# --- the team -------------------------------------------------------------------------------------

# One PBKDF2 hash for the whole team, users and keys in bulk, sessions as a login makes them
# (cached_db: database and Redis). A 100-member team through the login form would spend ~30 s of
# CPU on password hashing before the benchmark starts.
_CREATE_TEAM = """
import json, sys
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.cached_db import SessionStore
from oakdash.accounts import keystore
spec = json.load(sys.stdin)
password = make_password(spec["password"])
signed_in = []
for person in spec["people"]:
    user = get_user_model().objects.create(username=person["username"], password=password)
    # The first member of a key creates its project (named as the demo names it), the others
    # join it: store_key puts keys with one fingerprint into one project.
    record = keystore.store_key(user, person["key"], verified=True, name=person["project"])
    session = SessionStore()
    session[auth.SESSION_KEY] = str(user.pk)
    session[auth.BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[auth.HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    signed_in.append([session.session_key, record.project.slug])
print(json.dumps(signed_in))
"""


@dataclass(frozen=True)
class Member:
    username: str
    project: str  # the demo project's own key ("acme"), as the counting demo API names it
    slug: str  # the dashboard's slug of that project: its pages are under /p/<slug>/
    session: str  # the sessionid cookie


def create_team(env: dict[str, str], users: int) -> list[Member]:
    from oakdash.demo.projects import DEMO_PROJECTS

    people = [
        {
            "username": f"member{n:03d}",
            "key": DEMO_PROJECTS[n % 2].secret_key,
            "project": DEMO_PROJECTS[n % 2].name,
        }
        for n in range(users)
    ]
    spec = {"password": "load-bench-password-1", "people": people}
    out = processes.manage(env, "shell", "-c", _CREATE_TEAM, stdin=json.dumps(spec))
    signed_in = json.loads(out.strip().splitlines()[-1])  # the shell may say more before it
    return [
        Member(p["username"], DEMO_PROJECTS[n % 2].key, slug, cookie)
        for n, (p, (cookie, slug)) in enumerate(zip(people, signed_in, strict=True))
    ]


@dataclass
class Targets:
    """Real ids per project, as the demo API lists them (plain ones: escaping is not timed here)."""

    sessions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (session, visitor)
    replay: str = ""  # the added replay of acme


def find_targets(api_url: str, replay: str) -> Targets:
    from oakdash.demo.projects import DEMO_PROJECTS

    targets = Targets(replay=replay)
    for project in DEMO_PROJECTS:
        answer = httpx.get(
            f"{api_url}/sessions",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {project.secret_key}"},
            timeout=60,
        )
        answer.raise_for_status()
        plain = re.compile(r"[\w.-]+")
        targets.sessions[project.key] = [
            (s["session_id"], s["distinct_id"])
            for s in answer.json()["sessions"]
            if plain.fullmatch(s["session_id"]) and plain.fullmatch(s["distinct_id"] or "")
        ]
    return targets


# --- what the members do --------------------------------------------------------------------------


@dataclass
class Sample:
    page: str
    status: int  # 0: no answer (transport error, timeout)
    seconds: float
    size: int
    app_ms: float | None = None  # Server-Timing
    upstream_ms: float | None = None
    cpu_ms: float | None = None
    first_byte: float | None = None  # streams


_TIMING = re.compile(r"(\w+);dur=([\d.]+)")

PAGE = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "same-origin"}
FETCH = {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"}


@dataclass
class Run:
    hosts: list[str]
    targets: Targets
    stop_at: float
    think: tuple[float, float]
    samples: list[Sample] = field(default_factory=list)

    async def get(
        self, client: httpx.AsyncClient, page: str, path: str, *, htmx_from: str = ""
    ) -> Sample:
        """One request to a random host, read to the end, recorded under `page`."""
        headers = dict(PAGE)
        if htmx_from:  # an htmx request made by the page at `htmx_from`
            headers = {**FETCH, "HX-Request": "true", "HX-Current-URL": htmx_from}
        started = time.perf_counter()
        try:
            response = await client.get(random.choice(self.hosts) + path, headers=headers)
            sample = Sample(page, response.status_code, 0.0, len(response.content))
            timing = dict(_TIMING.findall(response.headers.get("server-timing", "")))
            sample.app_ms = float(timing["app"]) if "app" in timing else None
            sample.upstream_ms = float(timing["upstream"]) if "upstream" in timing else None
            sample.cpu_ms = float(timing["cpu"]) if "cpu" in timing else None
        except httpx.HTTPError:
            sample = Sample(page, 0, 0.0, 0)
        sample.seconds = time.perf_counter() - started
        self.samples.append(sample)
        return sample

    async def pause(self, low: float | None = None, high: float | None = None) -> None:
        """Reading the page; cut short when the run ends (requests then in flight still count)."""
        wanted = random.uniform(low or self.think[0], high or self.think[1])
        await asyncio.sleep(max(0.0, min(wanted, self.stop_at - time.monotonic())))

    def running(self) -> bool:
        return time.monotonic() < self.stop_at

    async def poll(
        self, client: httpx.AsyncClient, page: str, path: str, until: float, opened_on: str
    ) -> None:
        """An htmx poller on the page `opened_on`: `path` every 5 s until `until` (the page
        closes) or the run ends."""
        await asyncio.sleep(random.uniform(0, POLL_SECONDS))
        while self.running() and time.monotonic() < until:
            await self.get(client, page, path, htmx_from=opened_on)
            await asyncio.sleep(max(0.0, min(POLL_SECONDS, self.stop_at - time.monotonic())))

    async def member(self, m: Member) -> None:
        """One person: a tab with the nav count polling, and a page now and then."""
        async with _client(m) as client:
            p = m.slug
            await self.pause(0, self.think[1])  # people do not all arrive at the same second
            home = url("overview", p)
            await self.get(client, "overview", home)
            nav = asyncio.create_task(
                self.poll(client, "nav count", url("nav count", p), math.inf, home)
            )
            ids = self.targets.sessions[m.project]
            while self.running():
                await self.pause()
                if not self.running():
                    break
                choice = random.choices(
                    ["overview", "sessions", "session", "journey", "events", "live", "replays"],
                    weights=[20, 20, 20, 10, 10, 10, 5],
                )[0]
                if choice == "overview":
                    page = url("overview", p)
                    await self.get(client, "overview", page)
                    for _ in range(random.choice([0, 1, 1, 2])):  # switching the range
                        await self.pause(1, 3)
                        r = random.choice(["24h", "7d", "30d", "90d"])
                        await self.get(
                            client,
                            "overview range",
                            url("overview", p, query=f"range={r}"),
                            htmx_from=page,
                        )
                elif choice == "sessions":
                    await self.get(client, "sessions", url("sessions", p))
                elif choice == "session":  # a session from the list, then often its visitor
                    session_id, visitor = random.choice(ids)
                    await self.get(client, "session", url("session", p, session_id))
                    if random.random() < 0.5:
                        await self.pause(2, 5)
                        await self.get(client, "visitor", url("visitor", p, visitor))
                elif choice == "journey":
                    await self.get(client, "journey", url("journey", p))
                elif choice == "events":
                    page = url("events", p)
                    await self.get(client, "events", page)
                    if random.random() < 0.4:  # the next page of the firehose
                        await self.pause(2, 5)
                        await self.get(
                            client,
                            "events next",
                            url("events", p, query="offset=50&limit=50"),
                            htmx_from=page,
                        )
                elif choice == "live":  # the live page stays open a while, its widget polling
                    page = url("live", p)
                    await self.get(client, "live", page)
                    stay = time.monotonic() + random.uniform(10, 25)
                    await self.poll(client, "live widget", url("live widget", p), stay, page)
                else:
                    await self.get(client, "replays", url("replays", p))
            nav.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await nav

    async def watcher(self, m: Member) -> None:
        """One person watching replays: the player page, its whole stream, a while watching."""
        async with _client(m) as client:
            replay = self.targets.replay
            await self.pause(0, self.think[1])
            while self.running():
                await self.get(client, "replay", url("replay", m.slug, replay))
                await self.stream(client, url("replay stream", m.slug, replay))
                await self.pause(2, 6)

    async def stream(self, client: httpx.AsyncClient, path: str) -> None:
        started = time.perf_counter()
        sample = Sample("replay stream", 0, 0.0, 0)
        try:
            request = client.build_request("GET", random.choice(self.hosts) + path, headers=FETCH)
            response = await client.send(request, stream=True)
            try:
                async for raw in response.aiter_raw(65536):
                    if sample.first_byte is None:
                        sample.first_byte = time.perf_counter() - started
                    sample.size += len(raw)
                sample.status = response.status_code
            finally:
                await response.aclose()
        except httpx.HTTPError:
            sample.status = 0
        sample.seconds = time.perf_counter() - started
        self.samples.append(sample)


def _client(m: Member) -> httpx.AsyncClient:
    # Idle connections are dropped before gunicorn's 5-s keep-alive would close them under us.
    return httpx.AsyncClient(
        cookies={"sessionid": m.session, "oakdash_tz": "Europe/Berlin"},
        headers={"User-Agent": "oakdash-load/1", "Accept": "text/html,*/*"},
        timeout=30,
        limits=httpx.Limits(keepalive_expiry=4.0),
    )


async def drive(run: Run, team: list[Member], streams: int) -> None:
    acme = [m for m in team if m.project == "acme"]
    watchers = set(acme[:streams]) if run.targets.replay else set()
    tasks = [run.watcher(m) if m in watchers else run.member(m) for m in team]
    await asyncio.gather(*tasks)


# --- CPU ---------------------------------------------------------------------------------------


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children and its live descendants."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK") + sum(tree_cpu(c) for c in processes.children(pid))


# --- the report ----------------------------------------------------------------------------------


def pct(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else math.nan
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def report(run: Run, seconds: float, calls: list, cpu: dict[str, float], load: tuple) -> bool:
    by_page: dict[str, list[Sample]] = defaultdict(list)
    for s in run.samples:
        by_page[s.page].append(s)
    total = len(run.samples)
    ok = True
    print(
        f"\n{'page':<15}{'requests':>9}{'errors':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'own ms':>8}{'cpu ms':>8}{'up ms':>7}{'app p95':>8}  target"
    )
    for page in [*(r for r in ROUTES if r != "empty"), "overview range", "events next"]:
        samples = by_page.get(page)
        if not samples:
            continue
        good = [s for s in samples if s.status == 200]
        errors = len(samples) - len(good)
        lat = [s.seconds * 1000 for s in good] or [math.nan]
        own = [s.app_ms - s.upstream_ms for s in good if s.app_ms is not None]
        cpus = [s.cpu_ms for s in good if s.cpu_ms is not None]
        ups = [s.upstream_ms for s in good if s.upstream_ms is not None]
        stream = page == "replay stream"
        within = errors == 0 and (stream or pct(lat, 95) <= P95_TARGET_MS)
        ok = ok and within
        print(
            f"{page:<15}{len(samples):>9}{errors:>7}{pct(lat, 50):>8.0f}{pct(lat, 95):>8.0f}"
            f"{pct(lat, 99):>8.0f}{_med(own):>8.1f}{_med(cpus):>8.1f}{_med(ups):>7.1f}"
            f"{pct([s.app_ms for s in good if s.app_ms is not None], 95):>8.0f}"
            f"  {'(stream)' if stream else 'ok' if within else 'MISS'}"
        )
        statuses = Counter(s.status for s in samples if s.status != 200)
        if statuses:
            print(f"{'':<15}not 200: {dict(statuses)} (0 = no answer)")
    streams = [s for s in by_page.get("replay stream", []) if s.status == 200]
    if streams:
        mb = statistics.median(s.size for s in streams) / 1e6
        print(
            f"replay streams: {len(streams)} complete, {mb:.1f} MB each on the wire, first byte "
            f"p50 {_med([s.first_byte * 1000 for s in streams]):.0f} ms, whole stream p50 "
            f"{_med([s.seconds for s in streams]):.2f} s"
        )
    print(
        "latency: client side, request sent → body read; own = Server-Timing app − upstream "
        "(median), cpu = the serving thread's CPU (median), up = time on OakData (median), "
        "app p95 = time in Django (95th percentile)"
    )

    # Upstream calls as the demo API counted them.
    intervals = seconds / POLL_SECONDS
    per: Counter = Counter((project, path.split("/")[1]) for _, project, path, _, _ in calls)
    projects = sorted({p for p, _ in per})
    endpoints = sorted({e for _, e in per})
    print(f"\nupstream calls in {seconds:g} s ({intervals:g} intervals of {POLL_SECONDS:g} s)")
    print(f"{'endpoint':<12}" + "".join(f"{p:>10}" for p in projects))
    for endpoint in endpoints:
        print(f"{endpoint:<12}" + "".join(f"{per[(p, endpoint)]:>10}" for p in projects))
    allowed = math.ceil(intervals) + 1
    for project in [p for p in projects if p != "?"]:
        arrivals = sorted(t for t, p, path, _, _ in calls if p == project and path == "/live")
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        good = len(arrivals) <= allowed
        ok = ok and good
        print(
            f"/live for {project}: {len(arrivals)} calls = {len(arrivals) / intervals:.2f} per "
            f"interval, shortest gap {min(gaps) if gaps else math.nan:.2f} s "
            f"(target ≤ {allowed}: one per interval) {'ok' if good else 'MISS'}"
        )

    print(f"\nCPU in the {seconds:g} s ({total} requests, {len(calls)} upstream calls)")
    for name, used in cpu.items():
        per_unit = used / max(1, len(calls) if name == "demo API" else total) * 1000
        unit = "upstream call" if name == "demo API" else "request"
        print(f"{name:<22}{used:7.1f} s  {per_unit:6.2f} ms per {unit}")
    print(f"machine: {os.cpu_count()} CPUs; load average before {load[0]}, after {load[1]}")
    return ok


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


# --- main -----------------------------------------------------------------------------------------


def start_demo(replay_mb: float) -> tuple[subprocess.Popen, str, str]:
    demo = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "counting_demo.py"), "--replay-mb", str(replay_mb)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    line = demo.stdout.readline()
    if not line:
        raise SystemExit("the demo API did not start")
    ready = json.loads(line)
    return demo, ready["url"], ready["replay"].get("acme", "")


async def warm_up(hosts: list[str], team: list[Member], targets: Targets) -> None:
    """Every page once per host and project, unrecorded: imports, templates, connections."""
    run = Run(hosts, targets, math.inf, (0, 0))
    for member in {m.project: m for m in team}.values():
        async with _client(member) as client:
            session_id, visitor = targets.sessions[member.project][0]
            for host in hosts:
                run.hosts = [host]
                for page in ["overview", "sessions", "journey", "events", "live", "replays"]:
                    for _ in range(3):
                        await run.get(client, page, url(page, member.slug))
                await run.get(client, "session", url("session", member.slug, session_id))
                await run.get(client, "visitor", url("visitor", member.slug, visitor))
                await run.get(client, "nav count", url("nav count", member.slug))
    bad = [s for s in run.samples if s.status != 200]
    if bad:
        raise SystemExit(f"warm-up failed: {[(s.page, s.status) for s in bad][:5]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100, help="team members (default 100)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration (default 60)")
    parser.add_argument("--hosts", type=int, default=2, help="gunicorn processes (default 2)")
    parser.add_argument("--streams", type=int, default=5, help="replay watchers (default 5)")
    parser.add_argument("--replay-mb", type=float, default=10.0, help="their replay's size")
    parser.add_argument(
        "--think", default="3,12", help="seconds between a member's pages, low,high (3,12)"
    )
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    conf = runpy.run_path(str(DEPLOY_CONF))  # workers × threads as deployed (GUNICORN_* honoured)
    workers, threads = conf["workers"], conf["threads"]

    services.use_backend("postgres-redis")
    shared = services.shared()
    demo, demo_url, replay = start_demo(args.replay_mb)
    api_url = demo_url + "/api/v1"
    try:
        postgres, redis = shared.postgres(), shared.redis()
        with tempfile.TemporaryDirectory() as tmp:
            env = processes.dashboard_env(
                Path(tmp),
                api_url,
                OAKDASH_SERVER_TIMING="1",
                OAKDASH_REPLAY_CHUNK_NETWORKS="127.0.0.1/32",
            )
            print(
                f"starting {args.hosts} gunicorn hosts × {workers} workers × {threads} threads "
                f"(deploy/gunicorn.conf.py), PostgreSQL, Redis, demo API at {demo_url}…",
                flush=True,
            )
            with processes.dashboard_hosts(
                Path(tmp),
                api_url,
                hosts=args.hosts,
                env=env,
                config=DEPLOY_CONF,
                workers=workers,
                threads=threads,
            ) as hosts:
                team = create_team(env, args.users)
                targets = find_targets(api_url, replay)
                urls = [h.url for h in hosts]
                asyncio.run(warm_up(urls, team, targets))
                calls_before = len(httpx.get(demo_url + "/_bench/calls", timeout=30).json())
                watched = {
                    "gunicorn (all hosts)": [h.master_pid for h in hosts],
                    "PostgreSQL": [postgres.process.pid],
                    "Redis": [redis.process.pid],
                    "demo API": [demo.pid],
                }
                cpu_before = {k: sum(tree_cpu(p) for p in v) for k, v in watched.items()}
                own_before = resource.getrusage(resource.RUSAGE_SELF)
                load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(
                    f"{len(team)} members ({args.streams} watching replays) for "
                    f"{args.seconds:g} s; load average {load_before}",
                    flush=True,
                )
                started, window_start = time.monotonic(), time.time()
                run = Run(urls, targets, started + args.seconds, think)
                asyncio.run(drive(run, team, args.streams))
                tail = time.monotonic() - started - args.seconds  # requests in flight at the end
                cpu = {k: sum(tree_cpu(p) for p in v) - cpu_before[k] for k, v in watched.items()}
                own = resource.getrusage(resource.RUSAGE_SELF)
                cpu["load generator"] = (own.ru_utime + own.ru_stime) - (
                    own_before.ru_utime + own_before.ru_stime
                )
                load_after = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                calls = httpx.get(demo_url + "/_bench/calls", timeout=30).json()[calls_before:]
                window = (window_start, window_start + args.seconds)
                calls = [c for c in calls if window[0] <= c[0] <= window[1]]
                print(f"(the last requests in flight finished {tail:.1f} s after the end)")
                ok = report(run, args.seconds, calls, cpu, (load_before, load_after))
    finally:
        processes.stop_process(demo)
        shared.stop()
    print("\nall targets met" if ok else "\nsome targets MISSED")


if __name__ == "__main__":
    main()
