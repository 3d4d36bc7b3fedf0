"""Keeping fetches off private networks, checked when the socket is opened.

The fetcher checks every hop's host before requesting it, but a DNS answer can change
between that check and the connection (DNS rebinding: public address for the check,
127.0.0.1 for the connect). So the HTTP transport resolves the name itself, checks every
address, and connects to an address it checked: there is no second lookup to subvert.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

# Prefix of the connection error the guard raises; the fetcher maps it to "private_host".
PRIVATE_HOST_MARK = "private_host:"


# IPv6 prefixes that carry an IPv4 address a packet is translated or tunnelled to. The
# IPv6 address looks public, but the connection ends at the embedded IPv4 address, so that
# address must be public too: [64:ff9b::a00:1] is 10.0.0.1 behind a NAT64 gateway.
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: IPv4 in the last 32 bits
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 SIIT: the same
# Only 2000::/3 is allocated as global unicast; everything else in IPv6 is local,
# multicast or reserved (::/8 holds loopback, IPv4-compatible and the SIIT form above;
# 64:ff9b:1::/48 is RFC 8215's NAT64 prefix for local use, private by definition).
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def is_public_address(address: str) -> bool:
    """Whether an IP address is globally routable (not loopback, private, link-local ...).

    An IPv6 address that embeds an IPv4 address (IPv4-mapped, SIIT, NAT64, 6to4, Teredo)
    is public only when the embedded IPv4 address is public as well. A scoped address
    (``fe80::1%eth0``) is never public: a zone id only names a local link.
    """
    if "%" in address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_public_v4(ip)
    if not all(_is_public_v4(v4) for v4 in _embedded_ipv4(ip)):
        return False
    if ip.ipv4_mapped is not None or ip in _NAT64_WELL_KNOWN or ip in _IPV4_TRANSLATED:
        return True  # the connection ends at the embedded IPv4 address, checked above
    return ip in _GLOBAL_UNICAST and ip.is_global and not ip.is_multicast


# Special-purpose IPv4 blocks that Python 3.11's is_global still calls global: IETF
# protocol assignments (192.0.0.8 and the like; 3.13 fixed it) and the retired 6to4 relay
# anycast. No web server lives in either.
_NOT_GLOBAL_V4 = tuple(ipaddress.IPv4Network(n) for n in ("192.0.0.0/24", "192.88.99.0/24"))


def _is_public_v4(ip: ipaddress.IPv4Address) -> bool:
    if any(ip in net for net in _NOT_GLOBAL_V4):
        return False
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address embeds at a standard place (none for most)."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64_WELL_KNOWN or ip in _IPV4_TRANSLATED:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        server, client = ip.teredo  # ipaddress undoes the client's obfuscation
        return [server, client]
    return []


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, refuses non-public addresses (unless allowed), connects to a checked one."""

    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await _resolve(host, port, timeout)
        if not self._allow_private:
            private = [a for a in addresses if not is_public_address(a)]
            if private:
                raise httpcore.ConnectError(
                    f"{PRIVATE_HOST_MARK} {host} resolves to non-public address {private[0]}"
                )
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # try the host's next address, as browsers do
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for fetching")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"DNS lookup of {host} timed out") from exc
    except OSError as exc:
        raise httpcore.ConnectError(f"DNS lookup of {host} failed: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise httpcore.ConnectError(f"DNS lookup of {host} returned no address")
    return addresses


def guarded_transport(*, allow_private: bool, max_connections: int) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through the address guard."""
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=max_connections))
    # httpx offers no public hook for the network backend; replace the connection pool it
    # built with an identical one using the guard (tests check this on each upgrade).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=max_connections,
        network_backend=_GuardedBackend(allow_private),
    )
    return transport
