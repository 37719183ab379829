"""Serve a WSGI app (the demo API) over threaded HTTP with the standard library, no Django.

    server = serve(make_app(), "127.0.0.1", 0)      # port 0: a free port; runs in a thread
    print(server.url)                                # http://127.0.0.1:54321
    ...
    server.stop()

`manage.py demo_api` uses `make_server(...).serve_forever()` in the foreground instead.
"""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as _make_server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _LoggingHandler(WSGIRequestHandler):
    pass


class DemoServer(ThreadingMixIn, WSGIServer):
    """A WSGI server with a thread per request (a replay stream holds its request for long)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving (if started by `serve`) and close the socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def make_server(
    app: Any, host: str = "127.0.0.1", port: int = 8765, *, quiet: bool = True
) -> DemoServer:
    """A bound, not yet serving, threaded server for `app`."""
    handler = _QuietHandler if quiet else _LoggingHandler
    server = _make_server(host, port, app, server_class=DemoServer, handler_class=handler)
    assert isinstance(server, DemoServer)
    return server


def serve(app: Any, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True) -> DemoServer:
    """Serve `app` in a background daemon thread; returns the running server (`.url`, `.stop()`)."""
    server = make_server(app, host, port, quiet=quiet)
    thread = threading.Thread(
        target=server.serve_forever, name=f"demo-api:{server.url}", daemon=True
    )
    server._thread = thread
    thread.start()
    return server
