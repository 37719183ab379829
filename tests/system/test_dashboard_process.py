"""The dashboard as operators run it: gunicorn in its own process, upstream over real HTTP."""

from __future__ import annotations

import json

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY
from tests.support.processes import Reply, User, dashboard_process, scripted_upstream

# The test helpers themselves: the same on any database and cache.
pytestmark = pytest.mark.backend_neutral


def test_a_logged_in_user_sees_what_the_upstream_answers_over_real_http(tmp_path):
    with scripted_upstream() as upstream:
        upstream.script(
            "/api/v1/live",
            lambda environ: Reply(200, json.dumps({"active_now": 4321, "sessions": []}).encode()),
        )
        with dashboard_process(
            tmp_path, upstream.url + "/api/v1", [User("alice", ACME_SECRET_KEY)]
        ) as dash:
            client = dash.login("alice")
            page = client.get("/live/")
            assert page.status_code == 200
            assert "4,321" in page.text
            assert dash.worker_pids(), "gunicorn runs a worker process"
        calls = [(path, headers) for path, _, headers in upstream.requests]
        assert any(
            path == "/api/v1/live" and headers.get("authorization") == f"Bearer {ACME_SECRET_KEY}"
            for path, headers in calls
        )
