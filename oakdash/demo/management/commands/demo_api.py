"""`manage.py demo_api --port 8765 [--host 127.0.0.1]`: serve the demo OakData API over HTTP."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand

from oakdash.demo import make_app
from oakdash.demo.projects import DEMO_PROJECTS
from oakdash.demo.server import make_server
from oakdash.demo.storage import MODES, StorageBehaviour


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
        from_env = StorageBehaviour.from_env()
        parser.add_argument(
            "--storage-mode",
            choices=MODES,
            default=from_env.mode,
            help="how chunk storage behaves: plain (default), s3 or gcs (oakdash/demo/README.md)",
        )
        parser.add_argument(
            "--storage-latency-ms",
            type=float,
            default=from_env.latency * 1000,
            help="wait before answering each chunk request, milliseconds (default 0)",
        )
        parser.add_argument(
            "--storage-bandwidth-mbit",
            type=float,
            default=from_env.bandwidth / 125_000,
            help="cap each chunk response at this many Mbit/s (default 0: uncapped)",
        )
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args: Any, **options: Any) -> None:
        storage = StorageBehaviour(
            mode=options["storage_mode"],
            latency=options["storage_latency_ms"] / 1000,
            bandwidth=options["storage_bandwidth_mbit"] * 125_000,
            seed=options["seed"],
        )
        app = make_app(seed=options["seed"], chunk_ttl=options["chunk_ttl"], storage=storage)
        server = make_server(app, options["host"], options["port"], quiet=options["quiet"])
        app.warm_in_background()
        self.stdout.write(f"Demo OakData API at {server.url}/api/v1  (seed {options['seed']})")
        self.stdout.write(
            f"Set OAKDATA_API_URL={server.url}/api/v1 to use it from the dashboard, and "
            f"OAKDASH_REPLAY_CHUNK_NETWORKS={options['host']}/32 if that is not a public address"
            " (replay chunks are refused from private addresses otherwise)."
        )
        self.stdout.write(
            f"Storage: {storage.mode}, {options['storage_latency_ms']:g} ms per chunk request, "
            + (
                f"{options['storage_bandwidth_mbit']:g} Mbit/s per response"
                if storage.bandwidth
                else "uncapped bandwidth"
            )
        )
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
