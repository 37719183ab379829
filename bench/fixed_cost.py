"""What every dashboard page costs before it does anything of its own: the fixed per-request cost.

    .venv/bin/python bench/fixed_cost.py                          # SQLite + locmem, ~30 s
    .venv/bin/python bench/fixed_cost.py --backend postgres-redis # private PostgreSQL + Redis
    .venv/bin/python bench/fixed_cost.py --profile                # + where the time goes

The dashboard's WSGI application is called in this process with a browser-like request (session
cookie, CSRF cookie, time-zone cookie, Fetch Metadata headers): no HTTP client, no server, so the
figures are the application's own. Rows:

* `/healthz` — the middleware stack with no session, user or template: the floor;
* `/p/<slug>/bench/empty/` — `bench/empty_page.py`, a page of the viewer's project:
  `@dashboard_page` (session, user, the viewer's keys and projects read, one key decrypted), every
  middleware, the context processors and base.html, with no content and no
  upstream call. **This is the fixed cost** (target ≤ 4 ms);
* `/p/<slug>/live/widget/?compact=1` — the nav's live count every open tab polls every 5 s, its
  upstream answer cached (the cache entry lives for the whole run: no upstream call is timed).

Each row says how many SQL queries one such request makes (on PostgreSQL, the first one of a
request is preceded by Django's connection health check, one more round trip).
Then the pieces one at a time (each called directly, same process): reading the session, loading
the user, the viewer's keys and projects (cached and from the database), decrypting the key,
base.html with the context processors.

`--backend postgres-redis` starts private servers through tests/services.py (as the tests do);
their CPU is not in the figures (another process), their round trips are in the wall times.
Not a timed test: it prints figures; on a busy machine compare CPU, not wall, times.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routes import url  # noqa: E402 - after sys.path

FIXED_TARGET_MS = 4.0


def configure(tmp: Path, backend: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "oakdash.settings",
            "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE": "0",
            "DJANGO_LOG_LEVEL": "ERROR",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "OAKDATA_API_URL": "demo",
            "OAKDASH_LIVE_CACHE_SECONDS": "3600",  # one upstream call, before the timing
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "CACHE_URL": "locmem://",
            "DJANGO_STATIC_ROOT": str(tmp / "static"),
        }
    )
    if backend == "postgres-redis":
        from tests import services

        services.use_backend(backend)
        os.environ.update(services.backend_environment())
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.ROOT_URLCONF = "bench.empty_page"
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)


def browser_cookies() -> tuple[str, object, str]:
    """A user holding the demo key, logged in: the Cookie header a browser would send, the user,
    their project's slug."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from oakdash.accounts import keystore
    from oakdash.demo.projects import ACME_SECRET_KEY

    user = get_user_model().objects.create_user("alice")
    slug = keystore.store_key(user, ACME_SECRET_KEY, verified=True, name="Acme Shop").project.slug
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    return f"sessionid={session}; csrftoken={'c' * 32}; oakdash_tz=Europe/Berlin", user, slug


def environ_for(path: str, cookie: str) -> dict:
    from io import BytesIO

    route, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "HTTP_ACCEPT": "text/html,application/xhtml+xml",
        "HTTP_USER_AGENT": "Mozilla/5.0 (bench)",
        "HTTP_SEC_FETCH_DEST": "document",
        "HTTP_SEC_FETCH_MODE": "navigate",
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "wsgi.input": BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def request_once(app: Callable, path: str, cookie: str) -> tuple[int, int]:
    status: list[int] = []
    result = app(environ_for(path, cookie), lambda line, headers, exc=None: status.append(line))
    try:
        size = len(b"".join(result))
    finally:
        result.close()  # request_finished: part of what a request costs
    return int(status[0].split()[0]), size


def timed(fn: Callable[[], object], n: int) -> tuple[list[float], list[float]]:
    """CPU (this thread) and wall seconds of each of `n` calls."""
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.thread_time(), time.perf_counter()
        fn()
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall


def q(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100)[pct - 1] if len(values) > 1 else values[0]


def row(label: str, cpu: list[float], wall: list[float], note: str = "") -> None:
    print(
        f"{label:<34}{statistics.median(cpu) * 1000:8.2f}{q(cpu, 90) * 1000:8.2f}"
        f"{statistics.median(wall) * 1000:9.2f}{q(wall, 90) * 1000:8.2f}  {note}"
    )


def pieces(cookie: str, user: object, slug: str, n: int) -> None:
    """The fixed cost's parts, each called on its own."""
    from django.conf import settings
    from django.contrib import auth
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.template.loader import get_template
    from django.test import RequestFactory

    from oakdash.accounts import crypto, key_cache, user_cache

    session_key = cookie.split(";")[0].split("=", 1)[1]
    factory = RequestFactory()

    def load_session() -> None:
        SessionStore(session_key).load()

    def load_user() -> None:
        request = factory.get("/")
        request.session = SessionStore(session_key)
        auth.get_user(request)

    def cached_user() -> None:
        request = factory.get("/")
        request.session = SessionStore(session_key)
        user_cache.get_user(request)

    ttl = settings.OAKDASH_USER_CACHE_SECONDS
    (record,) = key_cache.memberships(user)

    def keys_cached() -> None:
        key_cache.memberships(user)

    def keys_from_database() -> None:
        settings.OAKDASH_USER_CACHE_SECONDS = 0
        key_cache.memberships(user)
        settings.OAKDASH_USER_CACHE_SECONDS = ttl

    def decrypt() -> None:
        record.reveal()

    plaintext = record.reveal()

    def fingerprint() -> None:
        crypto.fingerprint(plaintext)

    path = url("empty", slug)
    base = get_template("base.html")
    request = factory.get(path)
    request.user = user
    request.session = SessionStore(session_key)
    request.htmx = False
    from django.urls import resolve

    request.resolver_match = resolve(path)

    def base_template() -> None:
        request.session = SessionStore(session_key)  # messages read the session
        base.render({}, request)

    print("\npieces, each on its own")
    for label, fn in [
        ("session read (cached_db)", load_session),
        ("session + user from the database", load_user),
        ("session + user from the cache", cached_user),
        ("keys + projects from the cache", keys_cached),
        ("keys + projects from the database", keys_from_database),
        ("key decrypt (Fernet)", decrypt),
        ("key fingerprint (HMAC)", fingerprint),
        ("base.html + context processors", base_template),
    ]:
        for _ in range(20):
            fn()
        row(label, *timed(fn, n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per row")
    parser.add_argument(
        "--backend", choices=["sqlite-locmem", "postgres-redis"], default="sqlite-locmem"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the empty page")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        configure(Path(tmp), args.backend)
        from django.conf import settings
        from django.core.wsgi import get_wsgi_application
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cookie, user, slug = browser_cookies()
        empty = url("empty", slug)
        app = get_wsgi_application()
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"backend {args.backend}; {os.cpu_count()} CPUs, load average {load}")
        print(f"{'request':<34}{'cpu ms':>8}{'p90':>8}{'wall ms':>9}{'p90':>8}")
        user_ttl = settings.OAKDASH_USER_CACHE_SECONDS
        for path, note, ttl in [
            ("/healthz", "middleware, no session", user_ttl),
            (empty, f"the fixed cost (target cpu ≤ {FIXED_TARGET_MS:g} ms)", user_ttl),
            (empty, "the same, user and keys from the database", 0),
            (url("nav count", slug), "nav live count, upstream cached", user_ttl),
        ]:
            settings.OAKDASH_USER_CACHE_SECONDS = ttl  # read on every request
            for _ in range(50):  # warm up: imports, template compilation, connections
                status, _size = request_once(app, path, cookie)
            assert status == 200, f"{path} answered {status}"
            with CaptureQueriesContext(connection) as queries:
                request_once(app, path, cookie)
            note += f"; {len(queries)} SQL quer{'y' if len(queries) == 1 else 'ies'}"
            row(path, *timed(lambda p=path: request_once(app, p, cookie), args.requests), note)
        settings.OAKDASH_USER_CACHE_SECONDS = user_ttl
        pieces(cookie, user, slug, args.requests)
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(
                lambda: [request_once(app, empty, cookie) for _ in range(args.requests)]
            )
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue())
        if args.backend == "postgres-redis":
            from tests import services

            services.shared().stop()


if __name__ == "__main__":
    main()
