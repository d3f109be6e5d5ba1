"""Shared test helpers (fixture HTTP server, canary listener)."""

from .fixture_server import (
    CanaryListener,
    FixtureServer,
    RequestInfo,
    Response,
    deflate_bytes,
    gzip_bomb,
    gzip_bytes,
)

__all__ = [
    "CanaryListener",
    "FixtureServer",
    "RequestInfo",
    "Response",
    "deflate_bytes",
    "gzip_bomb",
    "gzip_bytes",
]
