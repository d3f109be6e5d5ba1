"""The one HTTP client of presswatch: feeds, pages and robots.txt (aiohttp, asyncio).

feedparser and trafilatura never touch the network; they get bytes from here. Every
per-URL problem becomes a :class:`FetchResult` with a fixed reason from
:mod:`presswatch.reasons`; :meth:`Fetcher.fetch` does not raise for them.

Safety and politeness per request: one total deadline (connect + headers + body, across all
redirect hops), a cap on decompressed size (we decompress ourselves, incrementally),
manual redirects with every hop re-validated, the private-network guard of
:mod:`presswatch.netguard`, per-host limits and robots.txt from :mod:`presswatch.politeness`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from yarl import URL

from presswatch import reasons
from presswatch.netguard import BlockedAddress, GuardedResolver, check_host
from presswatch.politeness import (
    HostBlocked,
    HostLimiter,
    RobotsCache,
    host_key,
    parse_retry_after,
)
from presswatch.settings import Settings

log = logging.getLogger(__name__)

KINDS = frozenset({"feed", "page", "robots"})
MAX_URL_LENGTH = 8192
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
    "robots": "text/plain, */*;q=0.5",
}
ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f]")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_HTML_LIKE = frozenset({"application/xhtml+xml", "application/xml", "application/html"})


class TooLarge(Exception):
    """The body exceeds the size cap."""


class DecodeError(Exception):
    """Unsupported Content-Encoding or corrupt compressed data."""


class BodyDecoder:
    """Incremental Content-Encoding decoder (identity, gzip, deflate zlib or raw) with a cap.

    Output never exceeds ``limit`` + one byte (zlib's ``max_length``), so a gzip bomb costs
    at most ``limit`` bytes of memory before :class:`TooLarge` is raised.
    """

    def __init__(self, encoding: str | None, limit: int) -> None:
        self.limit = limit
        self.size = 0
        codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise DecodeError(encoding)
        self.coding = codings[0] if codings else "identity"
        self._d: Any = zlib.decompressobj(31) if self.coding in ("gzip", "x-gzip") else None
        self._pending = b""  # deflate: bytes held until we can tell zlib from raw
        self._done = False

    def _count(self, n: int) -> None:
        self.size += n
        if self.size > self.limit:
            raise TooLarge(self.size)

    def feed(self, data: bytes) -> bytes:
        if self.coding == "identity":
            self._count(len(data))
            return data
        if self._d is None:
            data = self._pending + data
            if len(data) < 2:
                self._pending = data
                return b""
            cmf, flg = data[0], data[1]
            is_zlib = (cmf & 0x0F) == 8 and (cmf * 256 + flg) % 31 == 0
            self._d = zlib.decompressobj(15 if is_zlib else -15)
        out: list[bytes] = []
        try:
            while data and not self._done:
                if self._d.eof:  # another gzip member may follow; anything else is ignored
                    if self.coding == "deflate" or data[:1] != b"\x1f":
                        self._done = True  # trailing garbage, ignored like browsers do
                        break
                    self._d = zlib.decompressobj(31)
                piece = self._d.decompress(data, self.limit - self.size + 1)
                self._count(len(piece))
                out.append(piece)
                data = self._d.unconsumed_tail or (self._d.unused_data if self._d.eof else b"")
        except zlib.error as exc:
            raise DecodeError(str(exc)) from exc
        return b"".join(out)

    def flush(self) -> bytes:
        if self._d is None:
            if self.coding == "deflate" and self._pending:
                raise DecodeError("truncated deflate stream")
            return b""
        try:
            tail = b"" if self._done else self._d.flush()
        except zlib.error as exc:
            raise DecodeError(str(exc)) from exc
        self._count(len(tail))
        return tail


@dataclass(frozen=True)
class FetchResult:
    url: str  # as requested
    final_url: str  # last URL requested (after redirects)
    kind: str  # 'feed' | 'page' | 'robots'
    outcome: str  # reasons.OK | NOT_MODIFIED | FAILED | SKIPPED
    reason: str | None  # fixed reason from reasons.REASONS, None when ok / not modified
    status: int | None
    body: bytes | None  # decompressed body (only when outcome ok)
    content_type: str | None  # media type, lowercased, no params
    charset: str | None  # charset param of Content-Type if any, lowercased
    etag: str | None
    last_modified: str | None
    redirects: tuple[str, ...]  # each Location target, resolved, in order
    bytes_received: int  # body bytes on the wire (before decompression)
    started_at: datetime  # UTC
    duration_s: float
    retry_after_s: float | None
    body_sha256: str | None

    @property
    def ok(self) -> bool:
        return self.outcome == reasons.OK


@dataclass(frozen=True)
class FetchRequest:
    url: str
    kind: str
    etag: str | None = None
    last_modified: str | None = None


class UrlProblem(Exception):
    """A URL we refuse before any network contact; ``reason`` is a fixed reason."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason}: {url[:200]}")
        self.reason = reasons.check(reason)


def validate_url(url: str, allow: tuple = ()) -> URL:
    """Parse and check ``url`` (length, characters, scheme, host, IP-literal guard).

    Raises :class:`UrlProblem` with reason url_too_long / bad_url / unsupported_scheme /
    blocked_private_network. Never touches the network (names are checked at resolution).
    """
    if not isinstance(url, str) or not url:
        raise UrlProblem("bad_url", str(url))
    if len(url) > MAX_URL_LENGTH:
        raise UrlProblem("url_too_long", url)
    if _BAD_URL_CHARS.search(url):
        raise UrlProblem("bad_url", url)
    try:
        u = URL(url)
        scheme = u.scheme.lower()
        host = u.raw_host
        _ = u.port
    except (ValueError, TypeError, UnicodeError, IndexError) as exc:  # yarl: "http://[::1]@"
        raise UrlProblem("bad_url", url) from exc
    if scheme and scheme not in ("http", "https"):
        raise UrlProblem("unsupported_scheme", url)
    if not scheme or not host or not u.is_absolute():
        raise UrlProblem("bad_url", url)
    try:
        check_host(host, allow)
    except BlockedAddress as exc:
        raise UrlProblem("blocked_private_network", url) from exc
    return u.with_fragment(None)


def parse_content_type(header: str | None) -> tuple[str | None, str | None]:
    """``('text/html', 'utf-8')`` from ``'text/HTML; charset="UTF-8"'``; Nones when absent."""
    if not header:
        return None, None
    media = header.split(";", 1)[0].strip().lower() or None
    m = _CHARSET.search(header)
    return media, (m.group(1).lower() if m else None)


def reason_for_status(status: int) -> str | None:
    """The fixed reason for a final HTTP status (None for 2xx and 304)."""
    if 200 <= status < 300 or status == 304:
        return None
    if status in (401, 403, 404, 410, 429):
        return f"http_{status}"
    if 400 <= status < 500:
        return "http_4xx"
    if 500 <= status < 600:
        return "http_5xx"
    return "http_other"


def is_clearly_not_html(media_type: str | None) -> bool:
    """True for media types a page extractor cannot use (PDF, images, archives, JSON, ...)."""
    if not media_type or media_type.startswith("text/") or media_type in _HTML_LIKE:
        return False
    return media_type.split("/", 1)[0] in {
        "application",
        "image",
        "video",
        "audio",
        "font",
        "model",
        "multipart",
    }


def _reason_for_exception(exc: BaseException) -> str:
    if isinstance(exc, BlockedAddress):
        return "blocked_private_network"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return (
            "blocked_private_network" if isinstance(exc.os_error, BlockedAddress) else "dns_error"
        )
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch | ssl.SSLError):
        return "tls_error"
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return "bad_url"
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return "protocol_error"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return "connection_error"
    if isinstance(exc, ValueError):
        return "bad_url"
    return "protocol_error"


@dataclass
class _Attempt:
    """Mutable state of one fetch, turned into a FetchResult at the end."""

    url: str
    kind: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    t0: float = field(default_factory=time.monotonic)
    final_url: str = ""
    redirects: list[str] = field(default_factory=list)
    status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    bytes_received: int = 0
    retry_after_s: float | None = None

    def result(
        self, outcome: str, reason: str | None = None, body: bytes | None = None
    ) -> FetchResult:
        return FetchResult(
            url=self.url,
            final_url=self.final_url or self.url,
            kind=self.kind,
            outcome=outcome,
            reason=reasons.check(reason),
            status=self.status,
            body=body,
            content_type=self.content_type,
            charset=self.charset,
            etag=self.etag,
            last_modified=self.last_modified,
            redirects=tuple(self.redirects),
            bytes_received=self.bytes_received,
            started_at=self.started_at,
            duration_s=time.monotonic() - self.t0,
            retry_after_s=self.retry_after_s,
            body_sha256=hashlib.sha256(body).hexdigest() if body is not None else None,
        )

    def failed(self, reason: str) -> FetchResult:
        return self.result(reasons.FAILED, reason)

    def skipped(self, reason: str) -> FetchResult:
        return self.result(reasons.SKIPPED, reason)


class Fetcher:
    """Async context manager around one aiohttp session; ``await fetcher.fetch(url, kind)``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limiter = HostLimiter(settings.host_concurrency, settings.host_delay_s)
        self.robots = RobotsCache(self._fetch_robots, settings.user_agent)
        self._session: aiohttp.ClientSession | None = None
        self._global: asyncio.Semaphore | None = None

    async def __aenter__(self) -> Fetcher:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.settings.allow_networks),
            limit=0,
            ttl_dns_cache=60,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # an environment proxy would bypass the guard
            timeout=aiohttp.ClientTimeout(total=None),
            headers={"User-Agent": self.settings.user_agent},
        )
        self._global = asyncio.Semaphore(max(1, self.settings.concurrency))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- public -------------------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        kind: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """Fetch one URL politely. Never raises for problems of the URL or the server."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}, not {kind!r}")
        if self._session is None or self._global is None:
            raise RuntimeError("use 'async with Fetcher(settings) as fetcher:'")
        try:
            u = validate_url(url, self.settings.allow_networks)
        except UrlProblem as exc:
            return _Attempt(url, kind).failed(exc.reason)
        if kind == "page" and self.settings.respect_robots:
            if not await self.robots.allowed(u, throttled=True):
                return _Attempt(url, kind, final_url=str(u)).skipped("robots_disallowed")
        key = host_key(u)
        patience = self.settings.fetch_timeout_s  # never wait out a Retry-After beyond a deadline
        try:
            async with self.limiter.slot(key, patience), self._global:
                await self.limiter.wait_turn(key, patience)
                return await self._run(url, u, kind, etag, last_modified)
        except HostBlocked as exc:  # deferred: the host asked for a pause (429/503 Retry-After)
            attempt = _Attempt(url, kind, final_url=str(u))
            attempt.retry_after_s = round(exc.seconds, 1)
            return attempt.failed("http_429")

    async def fetch_all(
        self,
        requests: Iterable[FetchRequest | tuple[Any, ...]],
        on_result: Callable[[FetchResult], None] | None = None,
    ) -> list[FetchResult]:
        """Fetch all ``requests`` concurrently (within the limits); results in input order."""
        reqs = [as_request(r) for r in requests]
        results: list[FetchResult | None] = [None] * len(reqs)

        async def one(i: int, r: FetchRequest) -> None:
            res = await self.fetch(r.url, r.kind, etag=r.etag, last_modified=r.last_modified)
            results[i] = res
            if on_result is not None:
                on_result(res)

        await asyncio.gather(*(one(i, r) for i, r in enumerate(reqs)))
        return [r for r in results if r is not None]

    # -- internals ----------------------------------------------------------------------

    async def _fetch_robots(self, robots_url: str, throttled: bool) -> FetchResult:
        if throttled:
            return await self.fetch(robots_url, "robots")
        u = validate_url(robots_url, self.settings.allow_networks)
        self.limiter.note_start(host_key(u))
        return await self._run(robots_url, u, "robots", None, None)

    async def _run(
        self, url: str, u: URL, kind: str, etag: str | None, last_modified: str | None
    ) -> FetchResult:
        attempt = _Attempt(url, kind, final_url=str(u))
        try:
            async with asyncio.timeout(self.settings.fetch_timeout_s):
                return await self._follow(attempt, u, etag, last_modified)
        except TimeoutError:
            return attempt.failed("timeout")
        except Exception as exc:  # noqa: BLE001 - a per-URL problem must not escape
            reason = _reason_for_exception(exc)
            if reason == "protocol_error" and not isinstance(exc, aiohttp.ClientError):
                log.warning("unexpected error fetching %s", attempt.final_url, exc_info=True)
            else:
                log.debug("fetch %s failed: %s (%r)", attempt.final_url, reason, exc)
            return attempt.failed(reason)

    def _headers(self, kind: str, etag: str | None, last_modified: str | None) -> dict[str, str]:
        headers = {"Accept": ACCEPT[kind], "Accept-Encoding": ACCEPT_ENCODING}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    async def _follow(
        self, attempt: _Attempt, u: URL, etag: str | None, last_modified: str | None
    ) -> FetchResult:
        assert self._session is not None
        s = self.settings
        headers = self._headers(attempt.kind, etag, last_modified)
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=min(s.connect_timeout_s, s.fetch_timeout_s)
        )
        seen = {str(u)}
        while True:
            attempt.final_url = str(u)
            async with self._session.get(
                u, headers=headers, allow_redirects=False, timeout=timeout
            ) as resp:
                attempt.status = resp.status
                attempt.content_type, attempt.charset = parse_content_type(
                    resp.headers.get("Content-Type")
                )
                attempt.etag = resp.headers.get("ETag")
                attempt.last_modified = resp.headers.get("Last-Modified")
                if resp.status in RETRY_AFTER_STATUSES:
                    wait = parse_retry_after(resp.headers.get("Retry-After"))
                    if wait is not None:
                        attempt.retry_after_s = self.limiter.note_retry_after(host_key(u), wait)
                location = resp.headers.get("Location")
                if resp.status in REDIRECT_STATUSES and location:
                    resp.close()
                    nxt = await self._next_hop(attempt, u, location, seen)
                    if isinstance(nxt, FetchResult):
                        return nxt
                    u = nxt
                    continue
                return await self._finish(attempt, resp)

    async def _next_hop(
        self, attempt: _Attempt, u: URL, location: str, seen: set[str]
    ) -> URL | FetchResult:
        location = location.strip().replace(" ", "%20")
        try:
            target = str(u.join(URL(location)).with_fragment(None))
        except (ValueError, TypeError, UnicodeError, IndexError):
            return attempt.failed("bad_url")
        attempt.redirects.append(target)
        if target in seen:
            return attempt.failed("redirect_loop")
        if len(attempt.redirects) > self.settings.max_redirects:
            return attempt.failed("too_many_redirects")
        seen.add(target)
        try:
            nxt = validate_url(target, self.settings.allow_networks)
        except UrlProblem as exc:
            return attempt.failed(exc.reason)
        if attempt.kind == "page" and self.settings.respect_robots:
            if not await self.robots.allowed(nxt, throttled=False):
                attempt.final_url = str(nxt)
                return attempt.skipped("robots_disallowed")
        return nxt

    async def _finish(self, attempt: _Attempt, resp: aiohttp.ClientResponse) -> FetchResult:
        status = resp.status
        if status == 304:
            resp.close()
            return attempt.result(reasons.NOT_MODIFIED)
        reason = reason_for_status(status)
        if reason is not None:
            resp.close()
            return attempt.failed(reason)
        if attempt.kind == "page" and is_clearly_not_html(attempt.content_type):
            resp.close()
            return attempt.skipped("not_html")
        limit = self.settings.max_bytes
        if resp.content_length is not None and resp.content_length > limit:
            resp.close()
            return attempt.failed("too_large")
        try:
            decoder = BodyDecoder(resp.headers.get("Content-Encoding"), limit)
        except DecodeError:
            resp.close()
            return attempt.failed("decode_error")
        parts: list[bytes] = []
        try:
            async for chunk in resp.content.iter_chunked(_CHUNK):
                attempt.bytes_received += len(chunk)
                if attempt.bytes_received > limit:
                    raise TooLarge(attempt.bytes_received)
                parts.append(decoder.feed(chunk))
            parts.append(decoder.flush())
        except TooLarge:
            resp.close()
            return attempt.failed("too_large")
        except DecodeError:
            resp.close()
            return attempt.failed("decode_error")
        body = b"".join(parts)
        if not body:
            return attempt.failed("empty_body")
        return attempt.result(reasons.OK, body=body)


def as_request(r: FetchRequest | Sequence[Any]) -> FetchRequest:
    """A FetchRequest from itself or a ``(url, kind[, etag[, last_modified]])`` tuple."""
    if isinstance(r, FetchRequest):
        return r
    return FetchRequest(*r)


def fetch_many(
    settings: Settings,
    requests: Iterable[FetchRequest | tuple[Any, ...]],
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Synchronous helper: fetch everything with one Fetcher in a fresh event loop.

    Global concurrency is ``settings.concurrency``, per-host limits come from the
    HostLimiter; results are in input order; ``on_result`` is called as each finishes.
    Must not be called from inside a running event loop (use ``Fetcher.fetch_all`` there).
    """
    reqs = [as_request(r) for r in requests]

    async def main() -> list[FetchResult]:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch_all(reqs, on_result)

    return asyncio.run(main())


__all__ = [
    "ACCEPT",
    "FetchRequest",
    "FetchResult",
    "Fetcher",
    "MAX_URL_LENGTH",
    "UrlProblem",
    "BodyDecoder",
    "as_request",
    "fetch_many",
    "is_clearly_not_html",
    "parse_content_type",
    "reason_for_status",
    "validate_url",
]
