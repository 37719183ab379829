"""The HTTP client for chunk downloads: its own pool, and every connection vetted (SSRF).

    client = storage_client(ChunkHostPolicy.from_lists(hosts, networks))   # network
    client = storage_client(policy, transport=httpx.WSGITransport(app=demo))  # in-process demo

Not the API's pool: storage is another service, with its own keep-alive connections, and no
request through this client can carry anything of the API's (no default headers, no auth, no
cookie jar, no proxy from the environment: a proxy would connect on our behalf to addresses we
never see).

Two gates, both raising `httpx.ConnectError` with the same text whatever the reason, so an
error cannot tell a refused address from a closed port:

* `GuardedTransport`, before anything is sent: the host's name against the allowlist, an IP
  literal's address against the address rule;
* `GuardedNetworkBackend`, an httpcore network backend, at connect time: it resolves the name
  itself, refuses the host if any of its addresses is refused, and connects to the vetted
  address (TLS still checks the certificate against the name), so a second, different DNS
  answer (rebinding) is never connected to.

Redirects are never followed (`follow_redirects=False`), so a chunk is fetched only from the
URL the API named.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpcore
import httpx

from .policy import ChunkHostPolicy

log = logging.getLogger("oakdash.replay.storage")

# The one text of every refusal, whatever the reason (the reason goes to the log).
REFUSED = "the connection to storage was refused"


class GuardedNetworkBackend(httpcore.SyncBackend):
    """httpcore's blocking backend, resolving and vetting addresses before it connects."""

    def __init__(self, policy: ChunkHostPolicy, resolve: Any = socket.getaddrinfo) -> None:
        self.policy = policy
        self._resolve = resolve

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = self._vetted(host, port)
        failure: Exception | None = None
        for address in addresses:  # in the resolver's order, as create_connection would
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:
                failure = exc
        raise httpcore.ConnectError(REFUSED) from failure

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError(REFUSED)

    def _vetted(self, host: str, port: int) -> list[str]:
        try:
            infos = self._resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            log.warning("replay storage: %s does not resolve", host)
            raise httpcore.ConnectError(REFUSED) from None
        addresses: list[str] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            text = sockaddr[0]
            try:
                ip = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                ip = None
            if ip is None or not self.policy.address_allowed(ip):
                log.warning(
                    "replay storage: refused %s: it resolves to %s, which is not a public "
                    "address (allow it with OAKDASH_REPLAY_CHUNK_NETWORKS if it is your storage)",
                    host,
                    text,
                )
                raise httpcore.ConnectError(REFUSED)
            if text not in addresses:
                addresses.append(text)
        if not addresses:
            raise httpcore.ConnectError(REFUSED)
        return addresses


class GuardedTransport(httpx.BaseTransport):
    """Refuses a request whose host the policy refuses by name (or IP literal), then delegates."""

    def __init__(self, inner: httpx.BaseTransport, policy: ChunkHostPolicy) -> None:
        self.inner = inner
        self.policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.policy.url_allowed(request.url):
            log.warning(
                "replay storage: refused a chunk URL on host %s (not allowed by "
                "OAKDASH_REPLAY_CHUNK_HOSTS / OAKDASH_REPLAY_CHUNK_NETWORKS)",
                request.url.host,
            )
            raise httpx.ConnectError(REFUSED, request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class StorageClient(httpx.Client):
    """An `httpx.Client` for chunk downloads; `.policy` lets callers check URLs before sending."""

    policy: ChunkHostPolicy


def network_transport(
    policy: ChunkHostPolicy, *, limits: httpx.Limits, http2: bool = False
) -> httpx.HTTPTransport:
    """httpx's own transport (TLS, HTTP/1.1 or 2, keep-alive) over `GuardedNetworkBackend`."""
    transport = httpx.HTTPTransport(trust_env=False, http2=http2, limits=limits)
    # httpx (pinned) takes no network backend, so its pool is rebuilt with ours: the same
    # arguments HTTPTransport passes, plus the backend. tests/security/test_chunk_ssrf.py checks
    # that no connection reaches a refused address.
    ssl_context = httpx.create_ssl_context(trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=http2,
        network_backend=GuardedNetworkBackend(policy),
    )
    return transport


def pool_limits(concurrency: int) -> httpx.Limits:
    """A pool for streams of `concurrency` downloads each: a few streams at once never wait for
    a connection, and one stream's connections all stay open for the next (no new handshakes)."""
    return httpx.Limits(
        max_connections=max(64, 4 * concurrency),
        max_keepalive_connections=max(32, 2 * concurrency),
        keepalive_expiry=30.0,
    )


DEFAULT_STORAGE_LIMITS = pool_limits(32)


def storage_client(
    policy: ChunkHostPolicy,
    *,
    transport: httpx.BaseTransport | None = None,
    limits: httpx.Limits = DEFAULT_STORAGE_LIMITS,
    http2: bool = False,
    timeout: float = 10.0,
) -> StorageClient:
    """A client whose every request passes `policy`: over the network, or over `transport`."""
    inner = transport or network_transport(policy, limits=limits, http2=http2)
    client = StorageClient(
        transport=GuardedTransport(inner, policy),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": "oakdash"},
        # A jar that keeps nothing: a cookie one storage response sets is never sent again.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )
    client.policy = policy
    return client


__all__ = [
    "DEFAULT_STORAGE_LIMITS",
    "REFUSED",
    "GuardedNetworkBackend",
    "GuardedTransport",
    "StorageClient",
    "network_transport",
    "pool_limits",
    "storage_client",
]
