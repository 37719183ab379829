"""How the demo's object storage answers chunk downloads: like plain HTTP, like S3 or like GCS.

    StorageBehaviour(mode="plain")     # default: the stored .gz bytes, JSON errors (as before)
    StorageBehaviour(mode="s3")        # XML errors, SlowDown/InternalError now and then, some
                                       # objects labelled Content-Encoding: gzip
    StorageBehaviour(mode="gcs")       # objects stored with Content-Encoding: gzip, served
                                       # decoded to clients that do not accept gzip (decompressive
                                       # transcoding), XML errors, 400 ExpiredToken on expiry
    StorageBehaviour(latency=0.05, bandwidth=6_250_000)   # 50 ms per request, 50 Mbit/s each

What each mode does is what the real store does (docs/DECISIONS.md, "Replay robustness"):

* S3 serves the stored bytes whatever the request accepts; an object uploaded with
  `Content-Encoding: gzip` metadata comes back with that header. Under load it answers
  `503 SlowDown` (or `500 InternalError`) with an XML body and expects a retry; an expired
  presigned URL is `403 AccessDenied` "Request has expired", a wrong signature
  `403 SignatureDoesNotMatch`, a missing object `404 NoSuchKey`.
* GCS decompresses an object stored with `Content-Encoding: gzip` for a client whose request
  does not accept gzip (no Content-Length then, `Warning: 214 UploadServer gunzipped`), and
  serves it as stored to one that does. An expired V4 signed URL is `400 ExpiredToken`.

The S3 failures follow a schedule that is a function of (seed, object, how many times that
object was asked for), never two in a row for one object: deterministic whatever order the
downloads run in, and a client that retries once always gets the chunk.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

MODES = ("plain", "s3", "gcs")
_PIECE = 16 * 1024  # bytes per write when the bandwidth is capped

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class StorageBehaviour:
    """mode: plain, s3 or gcs; latency: seconds before each chunk request is answered;
    bandwidth: bytes a second per response (0: as fast as the socket goes); seed: S3 schedule."""

    mode: str = "plain"
    latency: float = 0.0
    bandwidth: float = 0.0
    seed: int = 1

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"storage mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.latency < 0 or self.bandwidth < 0:
            raise ValueError("storage latency and bandwidth must not be negative")

    @classmethod
    def from_env(cls, seed: int = 1) -> StorageBehaviour:
        """OAKDASH_DEMO_STORAGE_MODE, _LATENCY_MS and _BANDWIDTH_MBIT (the embedded demo)."""
        return cls(
            mode=os.environ.get("OAKDASH_DEMO_STORAGE_MODE", "plain").strip() or "plain",
            latency=float(os.environ.get("OAKDASH_DEMO_STORAGE_LATENCY_MS", "0") or 0) / 1000,
            bandwidth=float(os.environ.get("OAKDASH_DEMO_STORAGE_BANDWIDTH_MBIT", "0") or 0)
            * 125_000,
            seed=seed,
        )


# Failure kinds: (HTTP status, S3/GCS error code, message).
EXPIRED = "expired"
DENIED = "denied"
NOT_FOUND = "not_found"
METHOD = "method"


_PLAIN_STATUS = {
    EXPIRED: "403 Forbidden",
    DENIED: "403 Forbidden",
    NOT_FOUND: "404 Not Found",
    METHOD: "405 Method Not Allowed",
}
# (mode, failure) -> status, error code, message, extra XML: what S3 and GCS answer.
_XML_ERRORS = {
    ("s3", EXPIRED): ("403 Forbidden", "AccessDenied", "Request has expired", ""),
    ("s3", DENIED): (
        "403 Forbidden",
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        "",
    ),
    ("s3", NOT_FOUND): ("404 Not Found", "NoSuchKey", "The specified key does not exist.", ""),
    ("s3", METHOD): ("405 Method Not Allowed", "MethodNotAllowed", "Not allowed.", ""),
    # GCS: an expired V4 signed URL is a 400, not a 403.
    ("gcs", EXPIRED): (
        "400 Bad Request",
        "ExpiredToken",
        "Invalid argument.",
        "<Details>The provided token has expired.</Details>",
    ),
    ("gcs", DENIED): (
        "403 Forbidden",
        "SignatureDoesNotMatch",
        "Access denied.",
        "<Details>The request signature we calculated does not match.</Details>",
    ),
    ("gcs", NOT_FOUND): ("404 Not Found", "NoSuchKey", "The specified key does not exist.", ""),
    ("gcs", METHOD): ("405 Method Not Allowed", "MethodNotAllowed", "Not allowed.", ""),
}


def _xml_error(code: str, message: str, extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message>{extra}</Error>"
    ).encode()


class DemoStorage:
    """Answers one storage request, given what the app found (a chunk, or why there is none)."""

    def __init__(self, behaviour: StorageBehaviour) -> None:
        self.behaviour = behaviour
        self._asked: dict[str, int] = {}  # object path -> requests for it so far (S3 schedule)
        self._failed_last: set[str] = set()
        self._lock = threading.Lock()

    # --- the answers -----------------------------------------------------------------------

    def refuse(
        self, start_response: StartResponse, kind: str, plain_message: str, path: str
    ) -> list[bytes]:
        """An error answer, in the mode's own words."""
        self._wait()
        mode = self.behaviour.mode
        if mode == "plain":
            status = _PLAIN_STATUS[kind]
            body = json.dumps({"error": plain_message}).encode()
            content_type = "application/json; charset=utf-8"
        else:
            status, code, message, extra = _XML_ERRORS[mode, kind]
            if kind == NOT_FOUND and mode == "s3":
                extra = f"<Key>{path.split('/storage/', 1)[-1]}</Key>"
            body = _xml_error(code, message, extra + "<RequestId>DEMO</RequestId>")
            content_type = "application/xml"
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def serve(
        self, environ: dict[str, Any], start_response: StartResponse, path: str, blob: bytes
    ) -> Iterable[bytes]:
        """The chunk `blob` (gzip bytes), as the mode's store would hand it over."""
        self._wait()
        mode = self.behaviour.mode
        if mode == "s3":
            failure = self._scheduled_failure(path)
            if failure is not None:
                status, code, message = failure
                body = _xml_error(code, message, "<RequestId>DEMO</RequestId>")
                start_response(
                    status,
                    [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
                )
                return [body]
        headers = [("Cache-Control", "private, max-age=60"), ("ETag", _etag(blob))]
        body = blob
        if mode == "plain":
            headers.append(("Content-Type", "application/gzip"))
        elif mode == "s3":
            if self._labelled_gzip(path):
                headers += [("Content-Type", "application/x-ndjson"), ("Content-Encoding", "gzip")]
            else:
                headers.append(("Content-Type", "application/gzip"))
            headers.append(("x-amz-request-id", "DEMO"))
        else:  # gcs: stored as NDJSON with Content-Encoding: gzip metadata
            headers += [
                ("Content-Type", "application/x-ndjson"),
                ("X-Goog-Stored-Content-Encoding", "gzip"),
                ("X-Goog-Stored-Content-Length", str(len(blob))),
            ]
            if _accepts_gzip(environ):
                headers.append(("Content-Encoding", "gzip"))
            else:
                body = gzip.decompress(blob)  # decompressive transcoding
                headers.append(("Warning", "214 UploadServer gunzipped"))
                start_response("200 OK", headers)  # no Content-Length, as GCS does then
                return iter(self._paced(body))  # an iterator: no server adds a length either
        start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
        return self._paced(body)

    # --- behaviour ---------------------------------------------------------------------------

    def _hash(self, *parts: object) -> int:
        text = "|".join(str(p) for p in (self.behaviour.seed, *parts))
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")

    def _labelled_gzip(self, path: str) -> bool:
        """S3: about half the objects were uploaded with Content-Encoding: gzip metadata."""
        return self._hash("content-encoding", path) % 2 == 0

    def _scheduled_failure(self, path: str) -> tuple[str, str, str] | None:
        """S3 under load: about one request in five fails, never twice in a row per object."""
        with self._lock:
            n = self._asked.get(path, 0)
            self._asked[path] = n + 1
            if path in self._failed_last:
                self._failed_last.discard(path)
                return None
            h = self._hash("fail", path, n)
            if h % 5:
                return None
            self._failed_last.add(path)
        if (h // 5) % 3 == 0:
            return (
                "500 Internal Server Error",
                "InternalError",
                "We encountered an internal error. Please try again.",
            )
        return "503 Slow Down", "SlowDown", "Please reduce your request rate."

    def _wait(self) -> None:
        if self.behaviour.latency:
            time.sleep(self.behaviour.latency)

    def _paced(self, body: bytes) -> Iterable[bytes]:
        if not self.behaviour.bandwidth:
            return [body]  # the stored bytes object itself: no copy
        return _throttled(body, self.behaviour.bandwidth)


def _throttled(body: bytes, rate: float) -> Iterator[bytes]:
    """`body` in pieces, no faster than `rate` bytes a second."""
    started = time.monotonic()
    view = memoryview(body)
    for at in range(0, len(body), _PIECE):
        due = started + at / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield bytes(view[at : at + _PIECE])
    rest = started + len(body) / rate - time.monotonic()
    if rest > 0:
        time.sleep(rest)


def _accepts_gzip(environ: dict[str, Any]) -> bool:
    accepted = environ.get("HTTP_ACCEPT_ENCODING", "")
    for part in accepted.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*") and params.replace(" ", "") != "q=0":
            return True
    return False


def _etag(blob: bytes) -> str:
    return '"' + hashlib.md5(blob, usedforsecurity=False).hexdigest() + '"'


__all__ = ["MODES", "DemoStorage", "StorageBehaviour"]
