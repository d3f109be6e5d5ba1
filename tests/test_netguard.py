"""The private-network guard: address policy, the resolver, and the fetcher never connecting."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from presswatch.fetcher import Fetcher
from presswatch.netguard import BlockedAddress, GuardedResolver, check_host, is_allowed_address

LOOP = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "127.0.0.2",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "240.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
        "2001:db8::1",
        "not-an-ip",
        "",
    ],
)
def test_refused_addresses(ip: str) -> None:
    assert not is_allowed_address(ip, ())


@pytest.mark.parametrize(
    "ip", ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_allowed(ip: str) -> None:
    assert is_allowed_address(ip, ())


def test_allow_networks_punch_holes() -> None:
    assert is_allowed_address("127.0.0.1", LOOP)
    assert is_allowed_address("::ffff:127.0.0.1", LOOP)
    assert not is_allowed_address("127.0.0.2", LOOP)
    assert is_allowed_address("10.0.0.7", (ipaddress.ip_network("10.0.0.0/8"),))


@pytest.mark.parametrize("host", ["127.0.0.2", "2130706433", "0x7f.0.0.1", "127.1", "::1", "[::1]"])
def test_check_host_literals(host: str) -> None:
    with pytest.raises(BlockedAddress):
        check_host(host, ())


def test_check_host_leaves_names_to_the_resolver() -> None:
    check_host("localhost", ())
    check_host("example.com", ())


def test_resolver_blocks_localhost() -> None:
    async def go() -> None:
        with pytest.raises(BlockedAddress):
            await GuardedResolver(()).resolve("localhost", 80, socket.AF_UNSPEC)
        answers = await GuardedResolver(LOOP).resolve("localhost", 80, socket.AF_UNSPEC)
        assert [a["host"] for a in answers] == ["127.0.0.1"]

    asyncio.run(go())


class _FixedResolver(AbstractResolver):
    def __init__(self, ips: list[str]) -> None:
        self.ips = ips

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host, host=ip, port=port, family=socket.AF_INET, proto=0, flags=0
            )
            for ip in self.ips
        ]

    async def close(self) -> None:
        pass


def test_resolver_filters_mixed_answers() -> None:
    async def go() -> None:
        mixed = GuardedResolver((), inner=_FixedResolver(["10.0.0.1", "93.184.216.34"]))
        assert [a["host"] for a in await mixed.resolve("x.test")] == ["93.184.216.34"]
        private = GuardedResolver((), inner=_FixedResolver(["10.0.0.1", "169.254.169.254"]))
        with pytest.raises(BlockedAddress) as info:
            await private.resolve("x.test")
        assert info.value.addresses == ("10.0.0.1", "169.254.169.254")

    asyncio.run(go())


def _fetch(settings, url: str, kind: str = "feed"):
    async def go():
        async with Fetcher(settings) as f:
            return await f.fetch(url, kind)

    return asyncio.run(go())


def test_direct_canary_url_blocked(settings_factory, canary) -> None:
    res = _fetch(settings_factory(), canary.url("/x"))
    assert (res.outcome, res.reason) == ("failed", "blocked_private_network")
    assert canary.hits == 0


def test_redirect_to_canary_blocked(settings_factory, fixture_server, canary) -> None:
    fixture_server.redirect("/go", canary.url("/secret"))
    res = _fetch(settings_factory(), fixture_server.url("/go"))
    assert (res.outcome, res.reason) == ("failed", "blocked_private_network")
    assert res.redirects == (canary.url("/secret"),)
    assert canary.hits == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://2130706434/",  # 127.0.0.2 in legacy decimal form
        "http://[fe80::1]/",
        "http://10.0.0.1:8080/",
    ],
)
def test_private_literals_blocked_without_connecting(settings_factory, url: str) -> None:
    res = _fetch(settings_factory(connect_timeout_s=5, fetch_timeout_s=5), url)
    assert (res.outcome, res.reason) == ("failed", "blocked_private_network")
    assert res.duration_s < 0.1 and res.status is None


def test_dns_answers_refused_end_to_end(settings_factory, fixture_server) -> None:
    fixture_server.route("/feed", body=b"<rss/>")
    url = f"http://localhost:{fixture_server.port}/feed"
    res = _fetch(settings_factory(allow_networks=()), url)
    assert (res.outcome, res.reason) == ("failed", "blocked_private_network")
    assert fixture_server.hits() == 0
    ok = _fetch(settings_factory(), url)
    assert ok.outcome == "ok" and ok.body == b"<rss/>"
