"""`DemoApp.faults`: injected errors and delays, per path prefix."""

from __future__ import annotations

import time

from oakdash.demo.projects import ACME_SECRET_KEY


def test_faults(start_demo, http):
    demo = start_demo()
    with demo.client(ACME_SECRET_KEY) as client:
        assert client.get("/live").status_code == 200
        demo.app.faults.add("/api/v1/live", status=503, times=2)
        assert client.get("/live").status_code == 503
        assert client.get("/live").json() == {"error": "injected fault"}
        assert client.get("/live").status_code == 200
        assert client.get("/overview").status_code == 200

        demo.app.faults.add(
            "/api/v1/", status=500, body=b"<html>oops</html>", content_type="text/html"
        )
        response = client.get("/sessions")
        assert response.status_code == 500 and response.text == "<html>oops</html>"
        demo.app.faults.clear()
        assert client.get("/sessions").status_code == 200

        demo.app.faults.add("/api/v1/live", status=None, delay=0.3, times=1)
        started = time.perf_counter()
        assert client.get("/live").status_code == 200
        assert time.perf_counter() - started >= 0.3

        replay = client.get("/replays", params={"limit": 1}).json()["replays"][0]
        url = client.get(f"/replays/{replay['id']}").json()["chunk_urls"][0]["url"]
        demo.app.faults.add("/storage/", status=502, times=1)
        assert http.get(url).status_code == 502
        assert http.get(url).status_code == 200
