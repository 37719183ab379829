"""A WSGI wrapper that remembers what every request to the demo API carried (path, credentials)."""

from __future__ import annotations

import threading


class RecordingApp:
    def __init__(self, app) -> None:
        self.app = app
        self.requests: list[dict[str, str | None]] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        seen = {
            "path": environ.get("PATH_INFO", ""),
            "authorization": environ.get("HTTP_AUTHORIZATION"),
            "x-api-key": environ.get("HTTP_X_API_KEY"),
            "cookie": environ.get("HTTP_COOKIE"),
        }
        with self._lock:
            self.requests.append(seen)
        return self.app(environ, start_response)

    def take(self) -> list[dict[str, str | None]]:
        """The requests seen since the last take(), oldest first."""
        with self._lock:
            seen, self.requests = self.requests, []
        return seen
