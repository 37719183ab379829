"""Fault injection for tests: make the demo API fail, or slow down, on purpose.

    app.faults.add("/api/v1/live", status=503)                 # every /live call fails
    app.faults.add("/storage/", status=500, times=1)            # the next chunk download fails
    app.faults.add("/api/v1/", status=None, delay=2.0)          # everything is 2 s slower
    app.faults.clear()

Rules match on the request path prefix (PATH_INFO, before auth); the most recently added matching
rule wins. `times` counts down per matching request (None = forever). Thread-safe.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    path_prefix: str
    status: int | None = 503  # None: no error response, only the delay
    body: bytes = b'{"error": "injected fault"}'
    delay: float = 0.0
    times: int | None = None
    content_type: str = "application/json"


class Faults:
    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        path_prefix: str,
        status: int | None = 503,
        body: bytes = b'{"error": "injected fault"}',
        delay: float = 0.0,
        times: int | None = None,
        content_type: str = "application/json",
    ) -> Fault:
        fault = Fault(path_prefix, status, body, delay, times, content_type)
        with self._lock:
            self._rules.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._rules:
                self._rules.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, path: str) -> Fault | None:
        """The fault to apply to a request for `path`, using up one of its `times`."""
        with self._lock:
            for fault in reversed(self._rules):
                if not path.startswith(fault.path_prefix):
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
        return None
