"""`manage.py demo_api --port 8765 [--host 127.0.0.1]`: serve the demo OakData API over HTTP."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand

from oakdash.demo import make_app
from oakdash.demo.projects import DEMO_PROJECTS
from oakdash.demo.server import make_server


class Command(BaseCommand):
    help = "Serve the demo OakData API (generated data, signed replay chunks) over threaded HTTP."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)"
        )
        parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
        parser.add_argument(
            "--seed",
            type=int,
            default=int(os.environ.get("OAKDASH_DEMO_SEED", "1")),
            help="data seed",
        )
        parser.add_argument(
            "--chunk-ttl",
            type=float,
            default=float(os.environ.get("OAKDASH_DEMO_CHUNK_TTL", "1800")),
            help="lifetime of signed chunk URLs, seconds (default 1800)",
        )
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args: Any, **options: Any) -> None:
        app = make_app(seed=options["seed"], chunk_ttl=options["chunk_ttl"])
        server = make_server(app, options["host"], options["port"], quiet=options["quiet"])
        app.warm_in_background()
        self.stdout.write(f"Demo OakData API at {server.url}/api/v1  (seed {options['seed']})")
        self.stdout.write(f"Set OAKDATA_API_URL={server.url}/api/v1 to use it from the dashboard.")
        for project in DEMO_PROJECTS:
            self.stdout.write(
                f"  {project.name}: secret key {project.secret_key}"
                f"  public key {project.public_key}"
            )
        self.stdout.write(
            "Generating the data in the background (a second or two); Ctrl-C to stop."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
