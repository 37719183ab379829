"""Real processes for tests and benchmarks: the dashboard under gunicorn, a scriptable upstream.

    with dashboard_process(tmp_path, api_url=upstream.url + "/api/v1",
                           users=[User("alice", ACME_SECRET_KEY)]) as dash:
        client = dash.login("alice")          # an httpx.Client holding alice's session cookie
        client.get("/live/")
        dash.worker_pids()                    # to read /proc/<pid>/status (RSS, CPU)

    with scripted_upstream() as upstream:    # the demo API over real HTTP, with overrides
        upstream.script("/api/v1/journey", lambda environ: Reply(200, body, headers))

Everything listens on 127.0.0.1 only. Processes get their own process group and are killed as
one on exit, even when the test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests import services
from tests.services import free_port
from tests.urls import scoped

ROOT = Path(__file__).resolve().parents[2]


# --- /proc readings ---------------------------------------------------------------------------


def proc_status(pid: int, field_name: str) -> int:
    """A byte figure from /proc/<pid>/status, e.g. VmRSS or VmHWM."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field_name)


def reset_peak(pid: int) -> None:
    """Make VmHWM equal VmRSS, so the next reading of VmHWM is the peak from now on."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except FileNotFoundError:
        return []


def stop_process(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM the process group, then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# --- the dashboard under gunicorn ----------------------------------------------------------------


@dataclass(frozen=True)
class User:
    username: str
    key: str | None = None  # stored with `setkey --no-verify` when given
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    staff: bool = False


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run `manage.py ARGS` with `env`; its standard output (raises on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        text=True,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        tail = done.stderr[-3000:]
        raise RuntimeError(f"manage.py {args[0]} failed ({done.returncode}):\n{tail}")
    return done.stdout


def dashboard_env(tmp: Path, api_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a production-like dashboard process with its own database and cache.

    A SQLite file and the in-process cache, or, when the run's backend is postgres-redis
    (`tests/services.py`), a new PostgreSQL database and Redis database of its own.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "OAKDATA_", "OAKDASH_", "DATABASE_", "CACHE_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "oakdash.settings",
            "DJANGO_SECRET_KEY": "proc-" + secrets.token_urlsafe(48),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "OAKDATA_API_URL": api_url,
            "DATABASE_URL": f"sqlite:///{tmp / 'dashboard.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(tmp / "static"),
        }
    )
    if "DATABASE_URL" not in overrides:
        env.update(services.backend_environment())
    env.update(overrides)
    return env


# Creates users and stores their keys in one process: each manage.py start costs a second or two.
_CREATE_USERS = """
import json, sys
from django.contrib.auth import get_user_model
from oakdash.accounts import keystore
for user in json.load(sys.stdin):
    created = get_user_model().objects.create_user(
        user["username"], password=user["password"], is_staff=user["staff"]
    )
    if user["key"]:
        keystore.store_key(created, keystore.normalise(user["key"]), verified=False)
"""


def prepare_database(env: dict[str, str], users: Sequence[User]) -> None:
    """Migrate, collect static files and create `users` (passwords and keys on stdin, never in
    argv; keys stored unverified, as `setkey --no-verify` does)."""
    manage(env, "migrate", "--noinput", "--verbosity=0")
    manage(env, "collectstatic", "--noinput", "--verbosity=0")
    if users:
        people = [
            {"username": u.username, "password": u.password, "staff": u.staff, "key": u.key}
            for u in users
        ]
        manage(env, "shell", "-c", _CREATE_USERS, stdin=json.dumps(people))


@dataclass
class DashboardProcess:
    process: subprocess.Popen
    url: str
    log_path: Path
    users: dict[str, User]
    env: dict[str, str] = field(default_factory=dict)  # for `manage(dash.env, ...)` on its DB

    @property
    def master_pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def client(self, **kwargs: Any) -> ProjectClient:
        kwargs.setdefault("timeout", 30)
        return ProjectClient(base_url=self.url, **kwargs)

    def login(self, username: str, **kwargs: Any) -> httpx.Client:
        """A client logged in as `username` through the real login form."""
        client = self.client(**kwargs)
        form = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token, f"no CSRF token on the login page ({form.status_code})"
        answer = client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": self.users[username].password,
            },
        )
        assert answer.status_code == 302, f"login as {username} failed: {answer.status_code}"
        client.enter_current_project()
        return client


class ProjectClient(httpx.Client):
    """An httpx client that sends unscoped dashboard paths (``/sessions/``) into its ``project``
    (``/p/<slug>/sessions/``), where the old address would redirect them: what a test of a page
    measures is the page, not the redirect."""

    project: str | None = None

    def enter_current_project(self) -> None:
        """Take the project "/" leads a logged-in user to (none: no key stored)."""
        home = self.get("/").headers.get("Location", "")
        self.project = home.split("/")[2] if home.startswith("/p/") else None

    def build_request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> httpx.Request:
        if isinstance(url, str) and url.startswith("/"):
            url = scoped(url, self.project)
        return super().build_request(method, url, *args, **kwargs)


def start_gunicorn(
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int = 1,
    threads: int = 4,
    port: int | None = None,
    extra_args: Sequence[str] = (),
    ready_path: str = "/healthz",
    startup_timeout: float = 60,
    config: Path | None = None,
) -> tuple[subprocess.Popen, str]:
    """gunicorn gthread serving oakdash on 127.0.0.1; returns once `ready_path` answers 200.

    `config`: a gunicorn.conf.py (e.g. deploy/'s) read first; the options here override it.
    """
    port = port or free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                str(gunicorn),
                *([f"--config={config}"] if config else []),
                "--worker-class=gthread",
                f"--workers={workers}",
                f"--threads={threads}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=120",
                *extra_args,
                "oakdash.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + ready_path, timeout=5).status_code == 200:
                return process, url
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"gunicorn did not come up on {url}:\n{tail}")
        time.sleep(0.1)


@contextlib.contextmanager
def dashboard_process(
    tmp: Path,
    api_url: str,
    users: Sequence[User] = (),
    *,
    env: dict[str, str] | None = None,
    prepared: bool = False,
    **gunicorn_options: Any,
) -> Iterator[DashboardProcess]:
    """The dashboard in its own gunicorn process against `api_url` (see `dashboard_env`)."""
    tmp.mkdir(parents=True, exist_ok=True)
    environment = env or dashboard_env(tmp, api_url)
    if not prepared:
        prepare_database(environment, users)
    log_path = tmp / f"gunicorn-{secrets.token_hex(4)}.log"
    process, url = start_gunicorn(environment, log_path, **gunicorn_options)
    try:
        yield DashboardProcess(process, url, log_path, {u.username: u for u in users}, environment)
    finally:
        stop_process(process)


@contextlib.contextmanager
def dashboard_hosts(
    tmp: Path,
    api_url: str,
    users: Sequence[User] = (),
    *,
    hosts: int = 2,
    env: dict[str, str] | None = None,
    **gunicorn_options: Any,
) -> Iterator[list[DashboardProcess]]:
    """`hosts` gunicorn processes sharing one prepared database and one cache, as separate
    hosts behind a load balancer would (`env` must name a shared DATABASE_URL and CACHE_URL:
    PostgreSQL and Redis)."""
    tmp.mkdir(parents=True, exist_ok=True)
    environment = env or dashboard_env(tmp, api_url)
    if not environment.get("CACHE_URL", "").startswith("redis"):
        raise ValueError("hosts share nothing without a Redis CACHE_URL")
    prepare_database(environment, users)
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(
                dashboard_process(
                    tmp / f"host-{n}",
                    api_url,
                    users,
                    env=environment,
                    prepared=True,
                    **gunicorn_options,
                )
            )
            for n in range(hosts)
        ]


# --- a scriptable upstream over real HTTP ---------------------------------------------------------


@dataclass
class Reply:
    """What a scripted route answers. `body` may be an iterable (streamed, e.g. slowly)."""

    status: int = 200
    body: bytes | Any = b""
    headers: Sequence[tuple[str, str]] = (("Content-Type", "application/json"),)


Script = Callable[[dict[str, Any]], Reply]


class ScriptedUpstream:
    """A WSGI app: the demo OakData API, except for paths a test scripted.

    `script(prefix, handler)` makes requests whose PATH_INFO starts with `prefix` answered by
    `handler(environ) -> Reply` (latest script wins). `requests` records (path, query, headers),
    and `arrived` the `time.monotonic()` at which each of them came in.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.arrived: list[float] = []
        self._scripts: list[tuple[str, Script]] = []
        self._lock = threading.Lock()

    def script(self, prefix: str, handler: Script) -> None:
        with self._lock:
            self._scripts.append((prefix, handler))

    def clear(self) -> None:
        with self._lock:
            self._scripts.clear()
            self.requests.clear()
            self.arrived.clear()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        with self._lock:
            self.requests.append((path, environ.get("QUERY_STRING", ""), headers))
            self.arrived.append(time.monotonic())
            handler = next((h for p, h in reversed(self._scripts) if path.startswith(p)), None)
        if handler is None:
            return self.app(environ, start_response)
        reply = handler(environ)
        reason = {200: "OK", 404: "Not Found"}.get(reply.status, "Scripted")
        start_response(f"{reply.status} {reason}", list(reply.headers))
        return [reply.body] if isinstance(reply.body, bytes) else reply.body


@contextlib.contextmanager
def scripted_upstream(app: Any = None) -> Iterator[Any]:
    """A `ScriptedUpstream` over the demo API, served on 127.0.0.1 (`.url`, no trailing slash)."""
    from oakdash.demo import make_app
    from oakdash.demo.server import serve

    upstream = ScriptedUpstream(app if app is not None else make_app())
    server = serve(upstream, "127.0.0.1", 0)
    upstream.url = server.url
    try:
        yield upstream
    finally:
        server.stop()
