"""Private PostgreSQL, Redis and nginx for tests and benchmarks, on free loopback ports.

    services = shared()                     # one set per process, started on first use
    pg = services.postgres()                # initdb + postgres in a temporary folder
    pg.create_database()                    # postgres://postgres@127.0.0.1:PORT/proc_1a2b…
    services.redis().url(db=3)              # redis://127.0.0.1:PORT/3 (no persistence)
    with nginx(conf_text, prefix) as port:  # nginx with a given main configuration
        ...
    services.stop()                         # everything, the folder too (also at exit)

Nothing here is a mock: these are Debian's servers (`./scripts/test` installs them when missing).
A missing binary raises `ServiceMissing`, which the test run reports as a failure, never a skip.
PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user the Debian
package creates. Each server gets its own process group and, through PR_SET_PDEATHSIG, dies with
the process that started it even if that one is killed without a chance to clean up.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_TIMEOUT = 60.0


class ServiceMissing(RuntimeError):
    """A server the tests need is not installed (or would not start)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_binary(name: str, package: str, *globs: str) -> str:
    """`name` on PATH, /usr/sbin or the given globs (newest version last); else ServiceMissing."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found:
        return found
    for pattern in globs:
        matches = sorted(glob.glob(pattern), key=_version_key)
        if matches:
            return matches[-1]
    raise ServiceMissing(
        f"{name} not found: install Debian's {package} (./scripts/test does when run as root)."
    )


def _version_key(path: str) -> list[int]:
    return [int(part) for part in path.split("/") if part.isdigit()]


def _die_with_parent() -> None:
    # Runs in the child between fork and exec (after any change of user): SIGKILL when the
    # thread that started it goes away, so a killed test run leaves no server behind.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], log: Path, user: str | None = None) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            user=user,
            group=None if user is None else pwd.getpwnam(user).pw_gid,
            extra_groups=None if user is None else [],
            start_new_session=True,
            preexec_fn=_die_with_parent,  # one ctypes call: safe between fork and exec
        )


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _wait_until(ready, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        with contextlib.suppress(Exception):
            if ready():
                return
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise ServiceMissing(f"{what} did not start:\n{tail}")
        time.sleep(0.1)


# --- PostgreSQL ---------------------------------------------------------------------------------


@dataclass
class Postgres:
    """A throwaway cluster: superuser `postgres`, trust authentication, loopback TCP only."""

    process: subprocess.Popen
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = name or f"proc_{secrets.token_hex(6)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT)  # "fast" shutdown: roll back and exit


def start_postgres(folder: Path) -> Postgres:
    initdb = find_binary("initdb", "postgresql", "/usr/lib/postgresql/*/bin/initdb")
    postgres = find_binary("postgres", "postgresql", "/usr/lib/postgresql/*/bin/postgres")
    user = "postgres" if os.geteuid() == 0 else None
    data = folder / "postgres"
    data.mkdir()
    log = folder / "postgres.log"
    if user is not None:
        os.chown(data, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
    done = subprocess.run(
        [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
        user=user,
        group=None if user is None else pwd.getpwnam(user).pw_gid,
        extra_groups=None if user is None else [],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ServiceMissing(f"initdb failed ({done.returncode}):\n{done.stderr[-3000:]}")
    port = free_port()
    # Durability is worth nothing in a throwaway cluster; speed is.
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": "",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "300",
    }
    args = [postgres, "-D", str(data)]
    for name, value in settings.items():
        args += ["-c", f"{name}={value}"]
    process = _spawn(args, log, user)
    server = Postgres(process, port)

    def ready() -> bool:
        import psycopg

        with psycopg.connect(server.url(), connect_timeout=2):
            return True

    _wait_until(ready, process, log, "PostgreSQL")
    return server


# --- Redis --------------------------------------------------------------------------------------


@dataclass
class Redis:
    """A throwaway Redis: no persistence, loopback only, many numbered databases."""

    process: subprocess.Popen
    port: int
    _next_db: int = 1  # 0 is the in-process test cache's
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def fresh_url(self) -> str:
        """The URL of a database no one has used yet (one per dashboard process set)."""
        with self._lock:
            db, self._next_db = self._next_db, self._next_db + 1
        return self.url(db)

    def stop(self) -> None:
        _stop(self.process)


def start_redis(folder: Path) -> Redis:
    binary = find_binary("redis-server", "redis-server")
    port = free_port()
    log = folder / "redis.log"
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
    args += ["no", "--dir", str(folder), "--databases", "1024", "--daemonize", "no"]
    process = _spawn(args, log)
    server = Redis(process, port)

    def ready() -> bool:
        import redis

        return bool(redis.Redis.from_url(server.url(), socket_timeout=2).ping())

    _wait_until(ready, process, log, "Redis")
    return server


# --- nginx --------------------------------------------------------------------------------------


def nginx_binary() -> str:
    return find_binary("nginx", "nginx")


@contextlib.contextmanager
def nginx(main_conf: str, prefix: Path, ready_port: int) -> Iterator[subprocess.Popen]:
    """nginx in the foreground with `main_conf` (a whole nginx.conf), until the block ends.

    `prefix` holds its pid file, logs and temporary files; it must be readable by the worker
    user when run as root. Returns once `ready_port` accepts connections.
    """
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf)
    log = prefix / "nginx.log"
    check = subprocess.run(
        [nginx_binary(), "-t", "-q", "-p", str(prefix), "-e", str(log), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
    process = _spawn([nginx_binary(), "-p", str(prefix), "-e", str(log), "-c", str(conf)], log)

    def ready() -> bool:
        with socket.create_connection(("127.0.0.1", ready_port), timeout=1):
            return True

    try:
        _wait_until(ready, process, log, "nginx")
        yield process
    finally:
        _stop(process, signal.SIGQUIT)  # graceful: finish open requests, then exit


# --- one set per process ------------------------------------------------------------------------


class Services:
    """PostgreSQL and Redis started on first use, in one temporary folder, stopped together."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._postgres: Postgres | None = None
        self._redis: Redis | None = None
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="oakdash-services-"))
            self._folder.chmod(0o755)  # the postgres user must reach its data folder
        return self._folder

    def postgres(self) -> Postgres:
        with self._lock:
            if self._postgres is None:
                self._postgres = start_postgres(self.folder)
            return self._postgres

    def redis(self) -> Redis:
        with self._lock:
            if self._redis is None:
                self._redis = start_redis(self.folder)
            return self._redis

    def stop(self) -> None:
        with self._lock:
            for server in (self._postgres, self._redis):
                if server is not None:
                    server.stop()
            self._postgres = self._redis = None
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None


_shared = Services()
atexit.register(_shared.stop)


def shared() -> Services:
    """This process's services (stopped at exit at the latest)."""
    return _shared


# --- which backend the dashboard processes of a test run use ------------------------------------

BACKENDS = ("sqlite-locmem", "postgres-redis")
_backend = BACKENDS[0]


def use_backend(name: str) -> None:
    """Chosen once per test run (`pytest --backend=…`); `dashboard_env` follows it."""
    global _backend
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}: one of {', '.join(BACKENDS)}")
    _backend = name


def current_backend() -> str:
    return _backend


def backend_environment(backend: str | None = None) -> dict[str, str]:
    """DATABASE_URL and CACHE_URL of a new, empty database and cache on `backend` ({} = SQLite)."""
    if (backend or _backend) == "sqlite-locmem":
        return {}
    return {
        "DATABASE_URL": shared().postgres().create_database(),
        "CACHE_URL": shared().redis().fresh_url(),
    }
