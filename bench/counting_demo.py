"""The demo OakData API in a process of its own, counting every call it answers (for bench/load.py).

    .venv/bin/python bench/counting_demo.py --port 0 [--replay-mb 20]

Prints one JSON line once it serves: {"url": ..., "replay": {"acme": id}}. Every request is
recorded as (arrival time.time(), project slug, path, status, seconds); `GET /_bench/calls`
answers them as JSON. The project comes from the bearer key (or, for signed chunk URLs, the
storage path): no key is ever recorded. The demo's own data is built before the line is printed,
so no benchmark request waits for it.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Counter:
    """WSGI middleware: the demo app, plus a record of each call it answered."""

    def __init__(self, app: Any, projects: dict[str, str]) -> None:
        self.app = app
        self.projects = projects  # bearer key -> slug
        self.calls: list[tuple[float, str, str, int, float]] = []
        self.lock = threading.Lock()

    def project_of(self, environ: dict[str, Any]) -> str:
        bearer = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if bearer:
            return self.projects.get(bearer, "?")
        parts = environ.get("PATH_INFO", "").split("/")  # /storage/<project>/<replay>/<n>…
        return parts[2] if len(parts) > 2 and parts[1] == "storage" else "?"

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_bench/calls":
            with self.lock:
                body = json.dumps(self.calls).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        arrived, started = time.time(), time.perf_counter()
        status: list[int] = []

        def capture(line: str, headers: list, exc_info: object = None) -> Callable:
            status.append(int(line.split()[0]))
            return start_response(line, headers, exc_info)

        body = b"".join(self.app(environ, capture))  # demo answers are built in memory anyway
        with self.lock:
            self.calls.append(
                (
                    arrived,
                    self.project_of(environ),
                    path.removeprefix("/api/v1"),
                    status[0] if status else 0,
                    time.perf_counter() - started,
                )
            )
        return [body]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--replay-mb", type=float, default=0, help="add a replay of this many MB to acme"
    )
    args = parser.parse_args()

    from oakdash.demo import make_app
    from oakdash.demo.projects import DEMO_PROJECTS
    from oakdash.demo.server import make_server

    app = make_app()
    replays = {}
    if args.replay_mb:
        from bench.replay_build import build_replay

        built = build_replay(target_bytes=int(args.replay_mb * 1e6), chunks=20, compresslevel=6)
        replays["acme"] = app.add_replay("acme", None, built.chunks)
    app.warm()  # every project's data now, not in the first benchmark request
    counter = Counter(app, {p.secret_key: p.key for p in DEMO_PROJECTS})
    server = make_server(counter, "127.0.0.1", args.port, quiet=True)
    print(json.dumps({"url": server.url, "replay": replays}), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
