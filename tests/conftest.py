"""Shared fixtures: the fixture HTTP server, the canary listener, Settings for tests."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from presswatch.settings import Settings, load_settings

try:
    from tests.support import CanaryListener, FixtureServer
except ImportError:  # tests/ itself is on sys.path (plain `pytest`, rootdir conftest)
    from support import CanaryListener, FixtureServer

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture
def fixture_server() -> Iterator[FixtureServer]:
    """A fresh HTTP server on http://127.0.0.1:<ephemeral> (see tests/support/fixture_server.py)."""
    server = FixtureServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def canary() -> Iterator[CanaryListener]:
    """A TCP listener on 127.0.0.2 that counts connections; guard tests assert ``hits == 0``."""
    listener = CanaryListener().start()
    try:
        yield listener
    finally:
        listener.stop()


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """``settings_factory(**overrides)`` -> Settings for tests, ignoring PRESSWATCH_* variables.

    Defaults: only 127.0.0.1/32 allowed through the network guard, no host delay, 2 s fetch
    deadline, 1 s connect timeout, warehouse under tmp_path.
    """

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "warehouse": tmp_path / "warehouse" / "presswatch.duckdb",
            "allow_networks": LOOPBACK_ONLY,
            "host_delay_s": 0.0,
            "fetch_timeout_s": 2.0,
            "connect_timeout_s": 1.0,
        }
        values.update(overrides)
        return load_settings(env={}, **values)

    return make


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()
