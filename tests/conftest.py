"""The cast every test can use: a user per demo project, one with no key, and a browser.

user_a reads project A (Acme Shop, /p/acme-shop/), user_b reads project B (Globex Docs,
/p/globex-docs/), user_nokey has no key. Their test clients (client_a, client_b) send dashboard
paths written without a project (``/sessions/``) to their own project's
(``/p/acme-shop/sessions/``), which is where the redirect from the unscoped address leads: the
redirect has its own tests (tests/integration/test_project_urls.py).

`--backend` picks what the Django test process and the dashboard processes it starts run on:
`sqlite-locmem` (the default: SQLite in memory, the in-process cache) or `postgres-redis`
(private PostgreSQL and Redis servers started for the run, `tests/services.py`). A server that
is missing fails the run; nothing is skipped. The `postgres` and `redis` fixtures give tests that
need those servers whatever the backend (two dashboard "hosts" sharing one Redis) the same ones.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator

import pytest

from tests import services
from tests.urls import ACME, GLOBEX, scoped

# Playwright's sync API keeps an event loop in the test thread; Django's async-safety check
# would then refuse ORM calls made by fixtures in that same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("OAKDASH_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery staple"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=services.BACKENDS,
        default=os.environ.get("OAKDASH_TEST_BACKEND", services.BACKENDS[0]),
        help="database + cache the tests run on (default: sqlite-locmem)",
    )


def pytest_configure(config: pytest.Config) -> None:
    backend = config.getoption("--backend")
    services.use_backend(backend)
    config.add_cleanup(services.shared().stop)  # also on failure and Ctrl-C
    if backend == "postgres-redis":
        _switch_django_to(services.shared())


def _switch_django_to(shared: services.Services) -> None:
    """Point this process's Django at the private PostgreSQL and Redis (before any connection)."""
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connections

    from oakdash.settings import cache_from_url, database_from_url

    try:
        postgres, redis = shared.postgres(), shared.redis()
    except services.ServiceMissing as err:
        raise pytest.UsageError(f"--backend=postgres-redis: {err}") from None
    settings.DATABASES = {"default": database_from_url(postgres.url("oakdash"))}
    settings.CACHES = {"default": cache_from_url(redis.url(0))}
    from asgiref.local import Local

    for handler in (connections, caches):  # forget what they may have read or opened already
        handler.close_all()
        handler.__dict__.pop("settings", None)
        handler._settings = None
        handler._connections = Local(handler.thread_critical)
    assert connections["default"].vendor == "postgresql"


@pytest.fixture(scope="session")
def postgres() -> services.Postgres:
    """The run's private PostgreSQL (started on first use)."""
    return services.shared().postgres()


@pytest.fixture(scope="session")
def redis() -> services.Redis:
    """The run's private Redis (started on first use)."""
    return services.shared().redis()


@pytest.fixture
def clean_demo() -> Iterator[None]:
    """A healthy demo API and empty caches (autouse in the Django test folders' conftest)."""
    from django.core.cache import cache

    from oakdash.demo import get_demo_app

    get_demo_app().faults.clear()
    cache.clear()
    yield
    get_demo_app().faults.clear()
    cache.clear()


@pytest.fixture
def still_demo_clock(monkeypatch):
    """Pin the demo's clock: its data moves on every minute, and a test compares two reads.

    Also builds the data now, not inside a request that has a read timeout.
    """
    from oakdash.demo import get_demo_app

    app, now = get_demo_app(), time.time()
    monkeypatch.setattr(app, "clock", lambda: now)
    app.warm()
    return now


def acme():
    """Alice's view of the demo's Acme Shop through the dashboard's own API object: what the
    pages under test were given."""
    from oakdash.demo.projects import ACME_SECRET_KEY
    from oakdash.upstream import get_api

    return get_api().for_key(ACME_SECRET_KEY)


@pytest.fixture
def upstream_calls(monkeypatch):
    """Paths of every upstream request the dashboard makes during the test."""
    from oakdash.upstream import get_api

    calls: list[str] = []
    monkeypatch.setattr(get_api(), "on_response", lambda path, status, elapsed: calls.append(path))
    return calls


def _make_user(django_user_model, username: str, key: str | None, project: str = ""):
    from oakdash.accounts import keystore

    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    if key:
        keystore.store_key(user, key, verified=True, name=project)
    return user


@pytest.fixture
def user_a(db, django_user_model):
    from oakdash.demo.projects import ACME_SECRET_KEY

    return _make_user(django_user_model, "alice", ACME_SECRET_KEY, "Acme Shop")


@pytest.fixture
def user_b(db, django_user_model):
    from oakdash.demo.projects import GLOBEX_SECRET_KEY

    return _make_user(django_user_model, "bob", GLOBEX_SECRET_KEY, "Globex Docs")


@pytest.fixture
def user_nokey(db, django_user_model):
    return _make_user(django_user_model, "nora", None)


def project_client(project: str | None = None):
    """Django's test client, sending unscoped dashboard paths into ``client.project`` (None
    leaves every path as it is)."""
    from django.test import Client

    class ProjectClient(Client):
        def generic(self, method, path, *args, **kwargs):
            return super().generic(method, scoped(path, self.project), *args, **kwargs)

    made = ProjectClient()
    made.project = project
    return made


@pytest.fixture
def client():
    """Django's test client (``project_client``): client_a and client_b set its project."""
    return project_client()


@pytest.fixture
def client_a(client, user_a):
    client.force_login(user_a)
    client.project = ACME
    return client


@pytest.fixture
def client_b(user_b):
    other = project_client(GLOBEX)
    other.force_login(user_b)
    return other


@pytest.fixture
def client_nokey(client, user_nokey):
    client.force_login(user_nokey)
    return client


# --- Browser tests: real headless Chromium through Playwright -------------------------------

# Every page of every browser context reports Content-Security-Policy violations to the test as
# they happen (htmx swaps, polling and clicks included, not only the first load): a listener
# writes each to the console with a marker, and the context's console handler collects them
# (console messages survive navigations; a Playwright binding made context.close() hang now and
# then after a reload).
CSP_MARK = "oakdash-csp-violation: "
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.warn("oakdash-csp-violation: " + e.violatedDirective + " blocked " +
    (e.blockedURI || "inline") + " at " + (e.sourceFile || e.documentURI) + ":" + e.lineNumber +
    (e.sample ? " sample " + JSON.stringify(e.sample) : ""));
});
"""


def _outside_load(report: str, own_origin: str) -> bool:
    """A refused load of another host's URL: the policy doing its job (a recorded page's fonts)."""
    blocked = report.split(" blocked ", 1)[1].split(" ", 1)[0]
    return blocked.startswith(("http://", "https://")) and not blocked.startswith(own_origin)


class WatchedBrowser:
    """The session's Chromium; each context it makes reports CSP violations into ``violations``."""

    def __init__(self, browser) -> None:
        self._browser = browser
        self.violations: list[str] = []
        self._contexts: list = []

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        origin = kwargs.get("base_url", "") or "\0"

        def collect(message) -> None:
            text = message.text
            if text.startswith(CSP_MARK) and not _outside_load(text, origin):
                self.violations.append(text[len(CSP_MARK) :])

        context.on("console", collect)
        context.add_init_script(CSP_LISTENER)
        self._contexts.append(context)
        return context

    def flush(self) -> None:
        """Let reports still on their way arrive (the event and the binding are asynchronous)."""
        for context in self._contexts:
            for page in getattr(context, "pages", [])[:1]:
                with contextlib.suppress(Exception):
                    page.wait_for_timeout(100)

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium. A missing browser fails the run: browser tests are never skipped."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def browser(chromium) -> Iterator[WatchedBrowser]:
    """Chromium for one test. The test fails if any page it opened violated the CSP."""
    watched = WatchedBrowser(chromium)
    yield watched
    watched.flush()
    for context in watched._contexts:
        with contextlib.suppress(Exception):
            context.close()
    assert watched.violations == [], "Content-Security-Policy violations:\n" + "\n".join(
        watched.violations
    )


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(user, **context_options)``: a page logged in as ``user`` (None: logged out),
    console messages kept in ``page.console_messages``. Default time zone UTC."""
    from django.test import Client

    def make(user=None, **options):
        options.setdefault("timezone_id", "UTC")
        context = browser.new_context(base_url=live_server.url, **options)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"].value
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.console_messages = []
        page.on("console", lambda message: page.console_messages.append(message))
        page.set_default_timeout(10_000)
        # A page load waits for every script and style: on a machine busy with other work it
        # has taken more than 10 s (a replay page, once); what a test waits for stays at 10 s.
        page.set_default_navigation_timeout(30_000)
        return page

    return make


@pytest.fixture
def logged_in_page(open_page, user_a):
    """A page whose browser context carries user_a's session cookie, with console errors kept."""
    return open_page(user_a)
