"""Refuse connections to private, loopback, link-local and other non-public addresses.

Two layers, both needed:

* :func:`check_host` for hosts that are IP literals (aiohttp never calls the resolver for
  those), called by the fetcher on every URL and every redirect hop before connecting;
* :class:`GuardedResolver`, installed in the aiohttp connector, which drops every DNS answer
  that :func:`is_allowed_address` refuses and raises :class:`BlockedAddress` when none is left.
  aiohttp connects only to the addresses the resolver returns, so a name pointing at
  ``127.0.0.1`` or ``169.254.169.254`` never gets a TCP connection (and there is no
  check-then-resolve-again window for DNS rebinding).

``Settings.allow_networks`` (tests use ``127.0.0.1/32``) punches holes in the refusal.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from presswatch.settings import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Refused even where the stdlib flags disagree across Python versions (e.g. multicast is
# "global" for IPv4Address.is_global on 3.11).
_DENY_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
_DENY_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/8",  # unspecified, loopback, IPv4-compatible (deprecated)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments incl. Teredo 2001::/32
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class BlockedAddress(OSError):
    """Every address of ``host`` is refused by the guard (no connection was attempted)."""

    def __init__(self, host: str, addresses: Iterable[str] = ()) -> None:
        self.host = host
        self.addresses = tuple(addresses)
        shown = ", ".join(self.addresses) or host
        super().__init__(f"{host}: refused non-public address ({shown})")


def parse_address(ip: str) -> IPAddress | None:
    """``ip`` as an address (IPv6 zone ids and brackets stripped), or None if it is not one."""
    text = ip.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _embedded_v4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv4-mapped, NAT64 or 6to4 IPv6 address."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return addr.sixtofour


def _in_allow(addr: IPAddress, allow: Iterable[IPNetwork]) -> bool:
    return any(addr.version == net.version and addr in net for net in allow)


def _is_public(addr: IPAddress) -> bool:
    if (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or not addr.is_global
    ):
        return False
    deny = _DENY_V4 if addr.version == 4 else _DENY_V6
    return not any(addr in net for net in deny)


def is_allowed_address(ip: str | IPAddress, allow: tuple[IPNetwork, ...] = ()) -> bool:
    """True when a connection to ``ip`` is acceptable: a public unicast address, or inside ``allow``.

    IPv6 addresses embedding an IPv4 address (``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``,
    6to4 ``2002::/16``) are judged by the embedded address as well. Unparsable input is refused.
    """
    addr = (
        ip if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address) else parse_address(ip)
    )
    if addr is None:
        return False
    if _in_allow(addr, allow):
        return True
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_v4(addr)
        if inner is not None:
            return is_allowed_address(inner, allow)
    return _is_public(addr)


def is_ip_literal(host: str) -> bool:
    """True when aiohttp would connect to ``host`` without resolving it (so the guard must check it)."""
    try:
        from aiohttp.helpers import is_ip_address
    except ImportError:  # pragma: no cover - aiohttp moved the helper
        return parse_address(host) is not None or host.replace(".", "").isdigit()
    return bool(is_ip_address(host)) or parse_address(host) is not None


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a legacy numeric IPv4 form (``2130706433``, ``0x7f.1``, ``127.1``) stands for."""
    if not host or any(c not in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def check_host(host: str, allow: tuple[IPNetwork, ...] = ()) -> None:
    """Raise :class:`BlockedAddress` if ``host`` is an IP literal (any form) that is refused.

    Names are left to :class:`GuardedResolver`.
    """
    addr = parse_address(host) or legacy_ipv4(host)
    if addr is not None and not is_allowed_address(addr, allow):
        raise BlockedAddress(host, [str(addr)])


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that returns only the answers :func:`is_allowed_address` accepts.

    Raises :class:`BlockedAddress` (an ``OSError``; aiohttp wraps it in
    ``ClientConnectorDNSError``) when every answer is refused. Must be created inside a
    running event loop when ``inner`` is not given (like aiohttp's own resolvers).
    """

    def __init__(
        self, allow: tuple[IPNetwork, ...] = (), inner: AbstractResolver | None = None
    ) -> None:
        self.allow = tuple(allow)
        self._inner = inner if inner is not None else ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        kept = [a for a in answers if is_allowed_address(a["host"], self.allow)]
        if not kept:
            raise BlockedAddress(host, [a["host"] for a in answers])
        return kept

    async def close(self) -> None:
        await self._inner.close()
