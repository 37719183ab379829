"""Warm endpoints are quick (CPU time per request, so a busy machine does not make this flaky)."""

from __future__ import annotations

import io
import sys
import time
from urllib.parse import quote

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY

PATHS = [
    "/api/v1/overview",
    "/api/v1/overview?range=90d",
    "/api/v1/sessions?limit=200",
    "/api/v1/journey",
    "/api/v1/live",
    "/api/v1/events?limit=500",
    "/api/v1/events?offset=150000&limit=500",
    "/api/v1/replays?limit=200",
    "/api/v1/visitors/" + quote("a/b", safe=""),
]


def call(app, path_and_query: str) -> int:
    path, _, query = path_and_query.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.replace("%2F", "/"),
        "QUERY_STRING": query,
        "HTTP_AUTHORIZATION": f"Bearer {ACME_SECRET_KEY}",
        "HTTP_HOST": "demo.test",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    status = []
    body = b"".join(app(environ, lambda s, h, *a: status.append(s)))
    assert status[0].startswith("200"), (path_and_query, status, body[:200])
    return len(body)


@pytest.mark.parametrize("path", PATHS)
def test_warm_requests_are_quick(demo, path):
    call(demo.app, path)  # warm (and cached for this minute)
    costs = []
    for _ in range(5):
        started = time.process_time()
        call(demo.app, path)
        costs.append(time.process_time() - started)
    assert sorted(costs)[2] < 0.030, f"{path}: median {sorted(costs)[2] * 1000:.1f} ms CPU"


def test_first_request_generates_quickly(start_demo):
    demo = start_demo(seed=987_654)  # a seed nobody has generated yet in this process
    started = time.process_time()
    call(demo.app, "/api/v1/overview")
    first = time.process_time() - started
    started = time.process_time()
    call(demo.app, "/api/v1/events")
    full = time.process_time() - started
    assert first < 1.0, f"first /overview took {first:.2f} s CPU"
    assert full < 2.5, f"generating 90 days took {full:.2f} s CPU"
