"""Contract tests: the demo backend over real HTTP, checked against docs/oakdata-api.md.

Runs without Django: `.venv/bin/pytest tests/contract -p no:django -q`.

Fixtures:
* `demo` — one demo app (seed 1, a frozen clock) served on 127.0.0.1 on a free port for the session.
* `acme` / `globex` — httpx clients for `demo` with each project's secret key.
* `http` — a plain httpx client (no key, no base URL).
* `start_demo(seed=1, chunk_ttl=1800.0, clock=None)` — another app on its own port (stopped after
  the test), for tests that move the clock or shorten the chunk TTL.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from oakdash.demo import make_app  # noqa: E402
from oakdash.demo.app import DemoApp  # noqa: E402
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY  # noqa: E402
from oakdash.demo.server import DemoServer, serve  # noqa: E402


class Clock:
    """A settable clock for the app (seconds since the epoch)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Demo:
    app: DemoApp
    server: DemoServer
    clock: Clock

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api(self) -> str:
        return self.server.url + "/api/v1"

    def client(self, key: str | None = None, header: str = "bearer") -> httpx.Client:
        headers = {}
        if key is not None:
            headers = (
                {"Authorization": f"Bearer {key}"} if header == "bearer" else {"x-api-key": key}
            )
        # verify=False: plain HTTP on loopback, and it spares loading the CA bundle per client.
        return httpx.Client(base_url=self.api, headers=headers, timeout=60.0, verify=False)  # noqa: S501


def frozen_now() -> float:
    # 20 s into the current minute: the frozen clock never sits on a minute boundary.
    return math.floor(time.time() / 60) * 60 + 20.0


@pytest.fixture(scope="session")
def demo() -> Iterator[Demo]:
    clock = Clock(frozen_now())
    app = make_app(seed=1, clock=clock)
    app.warm()  # generate both projects up front, not inside the first test's timeout
    server = serve(app, "127.0.0.1", 0)
    try:
        yield Demo(app, server, clock)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def acme(demo: Demo) -> Iterator[httpx.Client]:
    with demo.client(ACME_SECRET_KEY) as client:
        yield client


@pytest.fixture(scope="session")
def globex(demo: Demo) -> Iterator[httpx.Client]:
    with demo.client(GLOBEX_SECRET_KEY) as client:
        yield client


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """A plain client (no key) for absolute URLs: chunk downloads, odd headers and paths."""
    with httpx.Client(timeout=60.0, verify=False) as client:  # noqa: S501 - loopback, plain HTTP
        yield client


@pytest.fixture()
def start_demo() -> Iterator[Callable[..., Demo]]:
    started: list[Demo] = []

    def start(seed: int = 1, chunk_ttl: float = 1800.0, clock: Clock | None = None) -> Demo:
        clock = clock or Clock(frozen_now())
        app = make_app(seed=seed, chunk_ttl=chunk_ttl, clock=clock)
        demo = Demo(app, serve(app, "127.0.0.1", 0), clock)
        started.append(demo)
        return demo

    yield start
    for demo in started:
        demo.server.stop()
