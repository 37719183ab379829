"""Issue 7.3: chunk URLs named by a hostile API must not reach the internal network (SSRF).

Refused addresses are refused before any connection (counted on listening sockets), after DNS
resolution (a name for 127.0.0.1 is refused; the address connected to is the one vetted, so a
rebinding second answer is never used), and every refused or failed connection reads the same.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from oakdash.demo import ACME_SECRET_KEY
from oakdash.replay import ChunkFetchError, ChunkHostPolicy, download_chunks, storage_client
from oakdash.replay.policy import is_public
from oakdash.replay.storage import GuardedNetworkBackend
from tests.support.processes import Reply, scripted_upstream

UNREACHABLE = "chunk 1 of 1: storage could not be reached."


class Listener:
    """A TCP socket on loopback that counts the connections it accepts (and answers junk)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.socket()
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            with contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot gzip!")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch_error(http: httpx.Client, url: str) -> ChunkFetchError:
    with pytest.raises(ChunkFetchError) as info:
        download_chunks(http, [url])
    return info.value


# --- the address rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - an address refused, not bound
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fd00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused(address):
    ip = ipaddress.ip_address(address)
    assert not is_public(ip)
    assert not ChunkHostPolicy().address_allowed(ip)


@pytest.mark.parametrize("address", ["8.8.8.8", "52.216.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert ChunkHostPolicy().address_allowed(ipaddress.ip_address(address))


def test_an_operator_can_allow_a_network_explicitly():
    policy = ChunkHostPolicy.from_lists(networks=["10.1.0.0/16", "127.0.0.1"])
    assert policy.address_allowed(ipaddress.ip_address("10.1.2.3"))
    assert policy.address_allowed(ipaddress.ip_address("127.0.0.1"))
    assert not policy.address_allowed(ipaddress.ip_address("10.2.0.1"))
    assert not policy.address_allowed(ipaddress.ip_address("127.0.0.2"))
    with pytest.raises(ValueError, match="not an IP address"):
        ChunkHostPolicy.from_lists(networks=["storage.internal"])


def test_the_host_allowlist_matches_names_and_subdomains_and_adds_the_api_host():
    policy = ChunkHostPolicy.from_lists(
        ["storage.example", "*.s3.amazonaws.com"], also=["api.oakdata.test"]
    )
    for host in ("storage.example", "STORAGE.example.", "b.s3.amazonaws.com", "api.oakdata.test"):
        assert policy.host_allowed(host), host
    for host in ("evil.example", "s3.amazonaws.com", "xs3.amazonaws.com", "storage.example.evil"):
        assert not policy.host_allowed(host), host
    assert ChunkHostPolicy().host_allowed("anything.example")  # no list: any name


# --- refused before any connection --------------------------------------------------------------


def test_private_loopback_and_metadata_urls_are_refused_without_a_connection(listener):
    http = storage_client(ChunkHostPolicy())
    urls = [
        f"http://127.0.0.1:{listener.port}/internal/admin?do=reboot",
        f"http://localhost:{listener.port}/chunk.gz",  # a name that resolves to loopback
        f"http://127.1:{listener.port}/chunk.gz",
        f"http://[::ffff:127.0.0.1]:{listener.port}/chunk.gz",
        f"http://2130706433:{listener.port}/chunk.gz",  # 127.0.0.1 as one number
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://10.255.255.1/chunk.gz",
        "http://[fd00::1]/chunk.gz",
    ]
    started = time.monotonic()
    for url in urls:
        error = fetch_error(http, url)
        assert error.message == UNREACHABLE, url
    assert time.monotonic() - started < 3  # nothing waited on a connection to a blackhole
    time.sleep(0.3)
    assert listener.accepted == 0


def test_a_name_resolving_to_loopback_is_refused_at_connect_time(listener):
    # The name passes the checks that can be made before connecting; its address does not.
    resolved = []

    def resolve(host, port, **kwargs):
        resolved.append(host)
        return socket.getaddrinfo("127.0.0.1", port, **kwargs)

    policy = ChunkHostPolicy()
    http = storage_client(policy)
    http._transport.inner._pool._network_backend = GuardedNetworkBackend(policy, resolve)
    error = fetch_error(http, f"http://storage.example.test:{listener.port}/chunk.gz?sig=x")
    assert error.message == UNREACHABLE
    assert resolved == ["storage.example.test"]
    time.sleep(0.3)
    assert listener.accepted == 0


def test_the_vetted_address_is_the_one_connected_to_so_rebinding_cannot_pass():
    # Two listeners on one port: 127.0.0.2 (allowed) and 127.0.0.1 (not). A resolver that answers
    # 127.0.0.2 first and 127.0.0.1 after: a second lookup at connect time would reach .1.
    allowed = Listener("127.0.0.2")
    rebound = Listener("127.0.0.1", allowed.port)
    try:
        answers = iter(["127.0.0.2", "127.0.0.1", "127.0.0.1"])

        def resolve(host, port, **kwargs):
            return socket.getaddrinfo(next(answers), port, **kwargs)

        policy = ChunkHostPolicy.from_lists(networks=["127.0.0.2/32"])
        http = storage_client(policy)
        http._transport.inner._pool._network_backend = GuardedNetworkBackend(policy, resolve)
        url = f"http://rebind.example.test:{allowed.port}/chunk.gz"
        assert download_chunks(http, [url]) == [b"not gzip!"]
        time.sleep(0.3)
        assert (allowed.accepted, rebound.accepted) == (1, 0)
    finally:
        allowed.close()
        rebound.close()


def test_a_name_with_one_private_address_among_public_ones_is_refused(listener):
    def resolve(host, port, **kwargs):
        return socket.getaddrinfo("8.8.8.8", port, **kwargs) + socket.getaddrinfo(
            "127.0.0.1", port, **kwargs
        )

    policy = ChunkHostPolicy()
    http = storage_client(policy)
    http._transport.inner._pool._network_backend = GuardedNetworkBackend(policy, resolve)
    assert fetch_error(http, f"http://mixed.example.test:{listener.port}/").message == UNREACHABLE
    assert listener.accepted == 0


def test_a_host_off_the_allowlist_is_refused_without_a_connection(listener):
    policy = ChunkHostPolicy.from_lists(["storage.example"], ["127.0.0.0/8"])
    http = storage_client(policy)
    error = fetch_error(http, f"http://127.0.0.1:{listener.port}/chunk.gz")
    assert error.message == UNREACHABLE
    time.sleep(0.3)
    assert listener.accepted == 0


# --- one text for every refused or failed connection ---------------------------------------------


def test_refused_address_closed_port_and_unknown_name_read_the_same(listener):
    strict = storage_client(ChunkHostPolicy())
    loopback_allowed = storage_client(ChunkHostPolicy.from_lists(networks=["127.0.0.0/8"]))
    messages = {
        "refused address, open port": fetch_error(
            strict, f"http://127.0.0.1:{listener.port}/x"
        ).message,
        "refused address, closed port": fetch_error(
            strict, f"http://127.0.0.1:{closed_port()}/x"
        ).message,
        "allowed address, closed port": fetch_error(
            loopback_allowed, f"http://127.0.0.1:{closed_port()}/x"
        ).message,
        "unknown name": fetch_error(strict, "http://no-such-host.invalid/x").message,
        "metadata": fetch_error(strict, "http://169.254.169.254/latest/meta-data/").message,
    }
    assert set(messages.values()) == {UNREACHABLE}, messages
    assert listener.accepted == 0


def test_the_allow_setting_lets_the_tests_storage_through():
    with scripted_upstream() as upstream:
        body = b"\x1f\x8b" + b"fake but fetched"
        upstream.script("/storage/", lambda environ: Reply(200, body, ()))
        url = upstream.url + "/storage/acme/r/0.ndjson.gz?sig=x"
        assert fetch_error(storage_client(ChunkHostPolicy()), url).message == UNREACHABLE
        allowed = storage_client(ChunkHostPolicy.from_lists(networks=["127.0.0.1/32"]))
        assert download_chunks(allowed, [url]) == [body]


def test_a_redirect_to_the_internal_network_is_not_followed(listener):
    with scripted_upstream() as upstream:
        target = f"http://127.0.0.1:{listener.port}/internal"
        upstream.script("/storage/", lambda environ: Reply(302, b"", [("Location", target)]))
        http = storage_client(ChunkHostPolicy.from_lists(networks=["127.0.0.1/32"]))
        error = fetch_error(http, upstream.url + "/storage/x.gz")
        assert "redirect" in error.message and "not followed" in error.message
    assert listener.accepted == 0


# --- the dashboard: a hostile API names internal chunk URLs ---------------------------------------


@pytest.mark.django_db
def test_the_dashboard_refuses_internal_chunk_urls_from_a_hostile_api(
    client_a, listener, settings, monkeypatch, caplog
):
    from oakdash import upstream
    from oakdash.dashboard import chunk_storage
    from oakdash.demo import make_app
    from oakdash.oakdata import OakDataAPI
    from tests.support.processes import ScriptedUpstream

    hostile = [
        f"http://127.0.0.1:{listener.port}/internal/admin?do=reboot",
        f"http://localhost:{listener.port}/internal",
        "http://169.254.169.254/latest/meta-data/",
    ]
    api = ScriptedUpstream(make_app())
    replay_id = api.app.add_replay("acme", None, [b"unused"])
    row = _replay_row(api.app, replay_id)
    current = {"url": hostile[0]}
    api.script(
        f"/api/v1/replays/{replay_id}",
        lambda environ: Reply(200, json.dumps({"session": row, "chunk_urls": [current]}).encode()),
    )
    # A real API URL, not the in-process demo: the storage client is the network one, built
    # from the settings as in production (no chunk host or network allowed beyond the default).
    settings.OAKDATA_API_URL = "https://api.oakdata.test/api/v1"
    settings.OAKDASH_REPLAY_CHUNK_HOSTS = []
    settings.OAKDASH_REPLAY_CHUNK_NETWORKS = []
    transport = httpx.WSGITransport(app=api)
    monkeypatch.setattr(upstream, "_api", OakDataAPI(settings.OAKDATA_API_URL, transport=transport))
    monkeypatch.setattr(chunk_storage, "_http", None)
    answers = []
    with caplog.at_level(logging.INFO):
        for url in hostile:
            current["url"] = url
            answers.append(client_a.get(f"/replays/{replay_id}/events.ndjson"))
    chunk_storage.reset_storage()
    assert [a.status_code for a in answers] == [502, 502, 502]
    assert {a.json()["error"] for a in answers} == {UNREACHABLE}
    time.sleep(0.3)
    assert listener.accepted == 0
    assert "do=reboot" not in caplog.text  # the operator's log names the host, never the query


def _replay_row(app, replay_id: str) -> dict:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://demo") as api:
        answer = api.get(
            f"/api/v1/replays/{replay_id}", headers={"Authorization": f"Bearer {ACME_SECRET_KEY}"}
        )
    return answer.json()["session"]
