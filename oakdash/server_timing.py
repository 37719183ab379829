"""`Server-Timing` on every response, when OAKDASH_SERVER_TIMING is on: where a request's time went.

    Server-Timing: app;dur=23.4, upstream;dur=15.1;desc="1 call", cpu;dur=6.8

* `app` — wall time in Django, from the first middleware to the response (for a stream: to its
  headers);
* `upstream` — of that, the time spent on OakData: its own calls (retries included) and waiting
  for the call another viewer is making for the same answer (`upstream_cache`);
* `cpu` — CPU time of the thread that served it (what a busy machine cannot inflate).

`app − upstream` is the page's own cost. Browsers show the header in their developer tools;
bench/load.py reads it. Nothing in it names a user, a key or a project.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse


@dataclass
class _Tally:
    upstream_s: float = 0.0
    calls: int = 0


_current: ContextVar[_Tally | None] = ContextVar("oakdash_server_timing", default=None)


def add_upstream(seconds: float, *, call: bool = True) -> None:
    """Count `seconds` spent on OakData by the request being served (if it is being timed)."""
    tally = _current.get()
    if tally is not None:
        tally.upstream_s += seconds
        tally.calls += call


def on_response(path: str, status: int | None, elapsed_s: float) -> None:
    """The OakData client's hook (`OakDataAPI(on_response=…)`): every attempt's time."""
    add_upstream(elapsed_s)


class ServerTimingMiddleware:
    """Outermost middleware: times everything inside it. Does nothing while the setting is off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.OAKDASH_SERVER_TIMING:
            return self.get_response(request)
        tally = _Tally()
        token = _current.set(tally)
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        app_ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.thread_time() - cpu_started) * 1000
        calls = f"{tally.calls} call" + ("" if tally.calls == 1 else "s")
        response.headers["Server-Timing"] = (
            f"app;dur={app_ms:.1f}, upstream;dur={tally.upstream_s * 1000:.1f};"
            f'desc="{calls}", cpu;dur={cpu_ms:.1f}'
        )
        return response
