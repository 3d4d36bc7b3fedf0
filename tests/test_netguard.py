"""The private-address guard: IPv6 forms that embed an IPv4 address, by function and by fetch."""

from __future__ import annotations

import asyncio
from typing import Any

import httpcore
import pytest

from quorum.fetch import Fetcher
from quorum.netguard import is_public_address
from quorum.records import FetchResult
from quorum.settings import Config

# Each of these reaches a private, loopback or link-local host although the IPv6 form
# looks public to ipaddress' is_global (Python 3.11).
EMBEDDING_PRIVATE = [
    "64:ff9b::a00:1",  # NAT64 well-known prefix: 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64: 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64: 169.254.169.254, the cloud metadata service
    "64:ff9b:1::a00:1",  # RFC 8215 local-use NAT64 prefix
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "::127.0.0.2",  # IPv4-compatible loopback
    "::ffff:0:7f00:2",  # SIIT IPv4-translated 127.0.0.2
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::ffff:192.168.1.1",
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1 (obfuscated)
    "fe80::1%eth0",  # scoped link-local
    "2606:4700::1111%eth0",  # a zone id only ever names a local link
    "::",
    "ff02::1",  # multicast
    "5f00::1",  # outside 2000::/3, the only global unicast block
]

STILL_PUBLIC = [
    "8.8.8.8",
    "2606:4700::1111",
    "64:ff9b::808:808",  # NAT64 of a public address: how an IPv6-only host reaches IPv4
    "2002:808:808::1",  # 6to4 of a public address
    "::ffff:8.8.8.8",
]


@pytest.mark.parametrize("address", EMBEDDING_PRIVATE)
def test_addresses_embedding_a_private_ipv4_are_not_public(address: str):
    assert is_public_address(address) is False


@pytest.mark.parametrize("address", STILL_PUBLIC)
def test_public_addresses_and_their_translations_stay_public(address: str):
    assert is_public_address(address) is True


@pytest.mark.parametrize(
    "address",
    ["240.0.0.1", "255.255.255.255", "0.1.2.3", "2001:db8::1", "192.0.0.8", "2002:c000:8::"],
)
def test_reserved_and_documentation_ranges_are_not_public(address: str):
    assert is_public_address(address) is False


# --- through the fetcher ----------------------------------------------------------------


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every socket the fetcher tries to open, refused on the spot.

    These addresses are not on this machine: a real connect would send packets out of
    the sandbox (to 10.0.0.1 through a NAT64 gateway, say), so the test records the
    attempt instead of making it. The guard must refuse before this is ever reached.
    """
    seen: list[str] = []

    async def tripwire(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        seen.append(host)
        raise httpcore.ConnectError(f"test tripwire: no connection to {host}")

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", tripwire)
    return seen


def _fetch(url: str, **overrides: object) -> FetchResult:
    config = Config(
        {"allow_private_hosts": False, "retries": 0, "per_host_delay": 0.0, **overrides}
    )

    async def run() -> FetchResult:
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(run())


LITERAL_HOSTS = [
    "64:ff9b::a00:1",
    "64:ff9b:1::a00:1",
    "2002:7f00:1::",
    "::127.0.0.2",
    "::ffff:0:7f00:2",
]


@pytest.mark.parametrize("host", LITERAL_HOSTS)
def test_fetcher_refuses_literal_hosts_embedding_private_ipv4(host: str, connects: list[str]):
    result = _fetch(f"http://[{host}]:8080/feed.xml")
    assert not result.ok and result.reason == "private_host", result
    assert connects == []


def test_connect_time_guard_refuses_them_too(
    connects: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pre-request check is told a public address (as a rebinding DNS server would
    # answer); the guard in the transport resolves the host again and must refuse.
    async def public_answer(self: Fetcher, host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    monkeypatch.setattr(Fetcher, "_resolve", public_answer)
    result = _fetch("http://[64:ff9b::7f00:1]:8080/a", respect_robots=False)
    assert not result.ok and result.reason == "private_host", result
    assert "64:ff9b::7f00:1" in result.detail
    assert connects == []
