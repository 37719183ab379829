"""Where replay chunks may be downloaded from: the defence against chunk URLs as SSRF.

A chunk URL comes from the OakData API, which oakdash does not control: a hostile or broken API
could name `http://127.0.0.1:8791/internal/admin` or the cloud metadata service. Two rules, both
enforced by the storage client (`oakdash.replay.storage`), the second at connect time after DNS
resolution so a name that resolves somewhere else on the second lookup (DNS rebinding) gains
nothing:

* names: with an allowlist (`hosts`), a chunk URL's host must match one entry, exactly or as
  `*.suffix` (any subdomain of suffix); without one, any name;
* addresses: every address a host resolves to must be public unicast. Loopback, private (RFC
  1918, unique-local), link-local (169.254.0.0/16, so 169.254.169.254), carrier-grade NAT,
  multicast, reserved, unspecified, documentation and benchmarking ranges, and IPv6 forms that
  carry such an IPv4 address (mapped, 6to4, NAT64) are refused, unless an operator-listed
  network (`networks`) contains the address. One refused address refuses the host.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo client, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """True only for a globally routable unicast address (and not a disguised private one)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and not is_public(inner):
            return False
        if ip.ipv4_mapped is not None:
            return False  # a name resolving to ::ffff:a.b.c.d is not what storage does
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def parse_networks(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR entries ('10.1.2.0/24', '127.0.0.1', '::1') as networks; ValueError names a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network (CIDR)") from None
    return tuple(networks)


def normalise_host(host: str) -> str:
    """A host name or pattern as it will be compared: lower case, IDNA (punycode), no dot at end."""
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    try:
        raw = httpx.URL(f"http://{name}/").raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        raise ValueError(f"{host!r} is not a host name") from None
    raw = raw.lower().rstrip(".")
    if not raw:
        raise ValueError(f"{host!r} is not a host name")
    return f"*.{raw}" if wildcard else raw


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class ChunkHostPolicy:
    """Which hosts and addresses chunk downloads may reach (see the module docstring).

    `hosts`: normalised names or `*.suffix` patterns; empty means any name. `networks`: addresses
    that are not public but allowed anyway (an operator's own MinIO, the tests' loopback server).
    """

    hosts: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_lists(
        cls, hosts: Iterable[str] = (), networks: Iterable[str] = (), *, also: Iterable[str] = ()
    ) -> ChunkHostPolicy:
        """From settings-like lists; `also` (the API's own host) joins a non-empty allowlist."""
        names = tuple(normalise_host(h) for h in hosts if h.strip())
        if names:
            names += tuple(normalise_host(h) for h in also if h)
        return cls(hosts=tuple(dict.fromkeys(names)), networks=parse_networks(networks))

    def host_allowed(self, host: str) -> bool:
        """Whether a URL's host (as `httpx.URL.raw_host` gives it) is on the allowlist."""
        if not self.hosts:
            return True
        host = host.lower().rstrip(".")
        for entry in self.hosts:
            if entry.startswith("*."):
                if host.endswith(entry[1:]) and len(host) > len(entry) - 1:
                    return True
            elif host == entry:
                return True
        return False

    def address_allowed(self, ip: IPAddress) -> bool:
        if any(ip in network for network in self.networks):
            return True
        return is_public(ip)

    def url_allowed(self, url: httpx.URL) -> bool:
        """What can be known before connecting: the name rule, and the address of an IP literal."""
        host = url.raw_host.decode("ascii", "replace")
        if not host or not self.host_allowed(host):
            return False
        ip = _literal(host)
        return ip is None or self.address_allowed(ip)


__all__ = [
    "ChunkHostPolicy",
    "IPAddress",
    "IPNetwork",
    "embedded_ipv4",
    "is_public",
    "normalise_host",
    "parse_networks",
]
