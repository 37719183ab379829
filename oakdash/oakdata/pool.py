"""`Pool`: the process-wide connection pool and the one request pipeline (`OakDataAPI` adds the
per-user facade, `client.py`; this module knows nothing of it).

One `httpx.Client` per process, created lazily on first use (thread-safe), shared by every
user's `OakDataClient` facade and by the replay chunk downloader. The client carries no auth
headers: the key is added per request, so a signed chunk URL fetched through `api.http` never
receives anyone's Authorization or x-api-key.

Every upstream outcome — status, timeout, refused connection, unparseable body — becomes a typed
error here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.cookiejar import CookieJar, CookiePolicy
from typing import Self, TypeVar, cast

import httpx
from pydantic import BaseModel, ValidationError

from .decoding import ACCEPT_ENCODING, BodyDecoder, too_large
from .errors import Unavailable, error_for_status
from .keys import mask_key
from .sensitive import sensitive_variables

logger = logging.getLogger("oakdash.oakdata")

M = TypeVar("M", bound=BaseModel)
ResponseHook = Callable[[str, "int | None", float], None]

# Safe to repeat: the request never reached the server (or a kept-alive connection was closed by
# it before answering), and every endpoint is a read-only GET. A read timeout is NOT retried: the
# server may still be working on it, and a second wait would double the cost of a hung API.
_RETRYABLE_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError)
_RETRYABLE_STATUSES = frozenset({502, 503, 504})
MAX_RETRIES = 1

# The largest API body we will hold in memory (a 500-row event page is a few MB at most).
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


class _KeepNothing(CookiePolicy):
    """Accept no cookie and send none: the pool is shared by every user of the process."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = True

    def set_ok(self, cookie, request) -> bool:
        return False

    def return_ok(self, cookie, request) -> bool:
        return False

    def domain_return_ok(self, domain, request) -> bool:
        return False

    def path_return_ok(self, path, request) -> bool:
        return False


def cookie_jar_that_keeps_nothing() -> CookieJar:
    return CookieJar(policy=_KeepNothing())


class Pool:
    """The OakData API at `base_url`, with one pooled HTTP client for the whole process.

    Timeouts: a call (including its one retry) never takes longer than
    `connect_timeout + read_timeout` (10 s by default), however slowly the server answers.

    `on_response(path, status, elapsed_s)`, if given, is called after every upstream attempt
    (retries included) with the path as sent (no query string), the HTTP status (None when no
    response came: timeout, refused connection) and the elapsed seconds. Benchmarks use it.
    """

    def __init__(
        self,
        base_url: str,
        connect_timeout: float = 3.0,
        read_timeout: float = 7.0,
        transport: httpx.BaseTransport | None = None,
        *,
        on_response: ResponseHook | None = None,
        retry_backoff: float = 0.2,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.on_response = on_response
        self.retry_backoff = retry_backoff
        self.max_response_bytes = max_response_bytes
        self._transport = transport
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # --- the pool ----------------------------------------------------------------------------

    @property
    def total_timeout(self) -> float:
        """The most one call may take, retry included."""
        return self.connect_timeout + self.read_timeout

    def _timeout(self, within: float) -> httpx.Timeout:
        within = max(within, 0.01)
        return httpx.Timeout(
            connect=min(self.connect_timeout, within),
            read=min(self.read_timeout, within),
            # A GET has no body to write; waiting for a free pooled connection is as bad as
            # waiting to connect.
            write=min(self.connect_timeout, within),
            pool=min(self.connect_timeout, within),
        )

    @property
    def http(self) -> httpx.Client:
        """The pooled `httpx.Client`: keep-alive, explicit timeouts, no auth headers."""
        client = self._http
        if client is None:
            with self._lock:  # two threads racing on first use must not build two pools
                client = self._http
                if client is None:
                    client = self._http = httpx.Client(
                        timeout=self._timeout(self.total_timeout),
                        limits=httpx.Limits(
                            max_connections=100,
                            max_keepalive_connections=20,
                            keepalive_expiry=20.0,
                        ),
                        transport=self._transport,
                        follow_redirects=False,
                        headers={"User-Agent": "oakdash", "Accept-Encoding": ACCEPT_ENCODING},
                        # Upstream cookies would otherwise be kept and sent with every user's
                        # requests: one user's session at the API must never become another's.
                        cookies=cookie_jar_that_keeps_nothing(),
                    )
        return client

    def close(self) -> None:
        """Close the pool; the next call opens a new one."""
        with self._lock:
            client, self._http = self._http, None
        if client is not None:
            client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the request pipeline ----------------------------------------------------------------

    @sensitive_variables("key", "headers")
    def get(
        self,
        path: str,
        model: type[M],
        *,
        key: str,
        params: Mapping[str, str | int] | None = None,
        within: float | None = None,
    ) -> M:
        """GET `base_url + path` with bearer `key`, parsed as `model`, or a typed error.

        `path` must already be encoded (see `params.path_segment`). `within` shortens the call's
        total time bound below `total_timeout` (polling requests use a shorter one).
        """
        http = self.http
        headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
        budget = self.total_timeout if within is None else min(self.total_timeout, within)
        deadline = time.monotonic() + budget
        for attempt in range(MAX_RETRIES + 1):
            request = http.build_request(
                "GET",
                self.base_url + path,
                params=params,
                headers=headers,
                timeout=self._timeout(deadline - time.monotonic()),
            )
            failure: httpx.HTTPError | None = None
            try:
                status, body = self._round_trip(http, request, path, deadline)
            except _RETRYABLE_ERRORS as err:
                failure, status, body = err, None, b""
            except httpx.TimeoutException as err:
                raise Unavailable("OakData did not answer in time.") from err
            except httpx.HTTPError as err:
                raise Unavailable("Could not reach OakData.") from err

            retryable = failure is not None or status in _RETRYABLE_STATUSES
            if not retryable or attempt == MAX_RETRIES:
                break
            if deadline - time.monotonic() <= self.retry_backoff + 0.05:
                break  # no time left for a useful second try
            logger.debug("retrying GET %s after %s", path, status or type(failure).__name__)
            time.sleep(self.retry_backoff)

        if failure is not None:
            if isinstance(failure, httpx.TimeoutException):
                raise Unavailable("OakData did not answer in time.") from failure
            raise Unavailable("Could not reach OakData.") from failure
        assert status is not None
        if 200 <= status < 300:
            return _parse(body, model)
        message = _upstream_message(body)
        if message and key in message:  # upstream echoing the key back must not leak it
            message = message.replace(key, mask_key(key))
        raise error_for_status(status, message)

    def _round_trip(
        self, http: httpx.Client, request: httpx.Request, path: str, deadline: float
    ) -> tuple[int, bytes]:
        """Send once; the status and the (size-capped, deadline-bound) body. Logs and times it."""
        started = time.monotonic()
        status: int | None = None
        outcome = "?"
        try:
            response = http.send(request, stream=True)
            try:
                status = response.status_code
                body = self._read_body(response, deadline)
            finally:
                response.close()
            outcome = str(status)
            return status, body
        except Exception as err:
            outcome = type(err).__name__
            raise
        finally:
            elapsed = time.monotonic() - started
            # Method, path and outcome only: never headers (the key), never the query string.
            logger.debug("GET %s -> %s in %.1f ms", path, outcome, elapsed * 1000)
            self._notify(path, status, elapsed)

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        # Raw bytes, decoded by us under the cap: httpx would inflate every Content-Encoding
        # layer without limit (decoding.py). The read timeout applies per socket read; a server
        # dripping a byte at a time would never trip it, so the body is bound by the deadline.
        decoder = BodyDecoder(response.headers.get("content-encoding"), self.max_response_bytes)
        chunks: list[bytes] = []
        received = 0
        # (A response built in memory, e.g. by a test's MockTransport, was read on creation;
        # its stream still yields the raw bytes, as `iter_raw` would.)
        # (A sync client's stream: `cast` drops httpx's async alternative.)
        raws = cast(
            "Iterable[bytes]",
            response.stream if response.is_stream_consumed else response.iter_raw(),
        )
        for raw in raws:
            received += len(raw)
            if received > self.max_response_bytes:
                raise too_large()
            if time.monotonic() > deadline:
                raise Unavailable("OakData did not answer in time.")
            chunks += decoder.feed(raw)
        chunks += decoder.finish()
        return b"".join(chunks)

    def _notify(self, path: str, status: int | None, elapsed: float) -> None:
        if self.on_response is None:
            return
        try:
            self.on_response(path, status, elapsed)
        except Exception:  # a broken benchmark hook must not break a page
            logger.exception("on_response hook failed")


def _upstream_message(body: bytes) -> str | None:
    """The `error` text of an upstream error body `{"error": "..."}`, if there is one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deep enough to overflow the stack
        return None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return None


def _parse(body: bytes, model: type[M]) -> M:
    """The body as `model`; whatever goes wrong reading it is `Unavailable`, never a traceback."""
    try:
        return model.model_validate_json(body)
    except ValidationError as err:
        if any(e["type"] == "json_invalid" for e in err.errors(include_input=False)):
            raise Unavailable("OakData sent a response that is not JSON.") from err
        raise Unavailable("OakData sent a response in an unexpected shape.") from err
    except (ValueError, TypeError, ArithmeticError, RecursionError) as err:
        # A validator meeting a value no test imagined (tests/security/test_upstream_fuzz.py).
        raise Unavailable("OakData sent a response oakdash could not read.") from err


__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "MAX_RETRIES", "Pool", "ResponseHook"]
