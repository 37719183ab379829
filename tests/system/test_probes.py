"""/healthz and /readyz as a load balancer sees them, with the database or the cache down.

/healthz says the process serves: it never touches the database, the cache or OakData, so an
outage of any of them never makes a balancer drop healthy workers. /readyz says which one failed.
"""

from __future__ import annotations

import time

import pytest

from tests.services import free_port
from tests.support.processes import dashboard_env, dashboard_process

pytestmark = pytest.mark.deployment  # names its own database and cache: once is enough

DEAD_API = f"http://127.0.0.1:{free_port()}/api/v1"  # nothing listens: any call would fail


def _probe(dash, path: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    answer = dash.client().get(path)
    return answer.status_code, answer.json(), time.monotonic() - started


def test_with_the_cache_down_healthz_is_ok_and_readyz_names_the_cache(tmp_path):
    env = dashboard_env(
        tmp_path,
        DEAD_API,
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        CACHE_URL=f"redis://127.0.0.1:{free_port()}/0",  # refused
    )
    with dashboard_process(tmp_path, DEAD_API, env=env, prepared=True) as dash:
        status, body, seconds = _probe(dash, "/healthz")
        assert (status, body) == (200, {"status": "ok"}) and seconds < 1
        status, body, _ = _probe(dash, "/readyz")
        assert status == 503
        assert body == {
            "status": "unavailable",
            "failed": ["cache"],
            "database": "ok",
            "cache": "unavailable",
        }


def test_with_the_database_down_healthz_is_ok_and_readyz_names_the_database(tmp_path):
    env = dashboard_env(
        tmp_path,
        DEAD_API,
        DATABASE_URL=f"postgres://oakdash@127.0.0.1:{free_port()}/oakdash",  # refused
        CACHE_URL="locmem://",
    )
    with dashboard_process(tmp_path, DEAD_API, env=env, prepared=True) as dash:
        status, body, seconds = _probe(dash, "/healthz")
        assert (status, body) == (200, {"status": "ok"}) and seconds < 1
        status, body, _ = _probe(dash, "/readyz")
        assert (status, body["failed"], body["cache"]) == (503, ["database"], "ok")
        assert "127.0.0.1" not in str(body), "how it failed stays in the server's log"
        assert "readyz: the database did not answer" in dash.log_text()
