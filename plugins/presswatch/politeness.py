"""Being a good citizen: per-host concurrency, spacing between requests, Retry-After, robots.txt.

Both classes live for one :class:`presswatch.fetcher.Fetcher` (one event loop). The host key is
``hostname:port`` (see :func:`host_key`).
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import urllib.robotparser
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from yarl import URL

if TYPE_CHECKING:
    from presswatch.fetcher import FetchResult

MAX_RETRY_AFTER_S = 600.0


def host_key(url: str | URL) -> str:
    """``hostname:port`` of ``url`` (port made explicit), the unit of politeness."""
    u = url if isinstance(url, URL) else URL(url)
    return f"{(u.raw_host or '').lower()}:{u.port}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), >= 0; None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():  # str.isdigit() is also true for "¹", "²", ...
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class HostBlocked(Exception):
    """The host asked us (Retry-After) to stay away longer than the caller is willing to wait."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"host blocked for {seconds:.1f} s")
        self.seconds = seconds


@dataclass
class _HostState:
    semaphore: asyncio.Semaphore
    next_start: float = 0.0  # monotonic time before which no request may start
    blocked_until: float = 0.0  # monotonic time set by Retry-After


class HostLimiter:
    """Per-host concurrency, minimum spacing between request starts, and Retry-After.

    Use ``async with limiter.slot(key):`` around a request, then ``await limiter.wait_turn(key)``
    right before sending it (the fetcher takes its global concurrency slot in between, so time
    spent sleeping for a Retry-After does not hold a global slot).
    """

    def __init__(
        self, concurrency: int, delay_s: float, max_retry_after_s: float = MAX_RETRY_AFTER_S
    ) -> None:
        self.concurrency = max(1, int(concurrency))
        self.delay_s = max(0.0, float(delay_s))
        self.max_retry_after_s = max_retry_after_s
        self._hosts: dict[str, _HostState] = {}

    def _state(self, key: str) -> _HostState:
        state = self._hosts.get(key)
        if state is None:
            state = self._hosts[key] = _HostState(asyncio.Semaphore(self.concurrency))
        return state

    @asynccontextmanager
    async def slot(self, key: str, max_wait_s: float | None = None) -> AsyncIterator[None]:
        """Hold one of the host's ``concurrency`` slots; waits out a pending Retry-After first.

        With ``max_wait_s``, a Retry-After block longer than that raises :class:`HostBlocked`
        instead of sleeping (a hostile ``Retry-After: 600`` must not stall a whole cycle).
        """
        state = self._state(key)
        self._check_blocked(state, max_wait_s)
        async with state.semaphore:
            await self.wait_unblocked(key, max_wait_s)
            yield

    @staticmethod
    def _check_blocked(state: _HostState, max_wait_s: float | None) -> None:
        wait = state.blocked_until - time.monotonic()
        if max_wait_s is not None and wait > max_wait_s:
            raise HostBlocked(wait)

    async def wait_unblocked(self, key: str, max_wait_s: float | None = None) -> None:
        state = self._state(key)
        while (wait := state.blocked_until - time.monotonic()) > 0:
            self._check_blocked(state, max_wait_s)
            await asyncio.sleep(wait)

    async def wait_turn(self, key: str, max_wait_s: float | None = None) -> None:
        """Sleep until a request to ``key`` may start, then record that it starts now."""
        state = self._state(key)
        while True:
            self._check_blocked(state, max_wait_s)
            now = time.monotonic()
            start = max(state.next_start, state.blocked_until)
            if start <= now:
                state.next_start = now + self.delay_s
                return
            await asyncio.sleep(start - now)

    def note_start(self, key: str) -> None:
        """Record a request that started without :meth:`wait_turn` (e.g. robots.txt on a redirect hop)."""
        state = self._state(key)
        state.next_start = max(state.next_start, time.monotonic() + self.delay_s)

    def note_retry_after(self, key: str, seconds: float) -> float:
        """Block ``key`` for ``seconds`` (capped); returns the seconds actually applied."""
        seconds = min(max(0.0, seconds), self.max_retry_after_s)
        state = self._state(key)
        state.blocked_until = max(state.blocked_until, time.monotonic() + seconds)
        return seconds

    def blocked_for(self, key: str) -> float:
        """Seconds until ``key`` may be contacted again because of a Retry-After (0 if not blocked)."""
        state = self._hosts.get(key)
        return max(0.0, state.blocked_until - time.monotonic()) if state else 0.0


@dataclass
class _Rules:
    parser: urllib.robotparser.RobotFileParser | None = None
    allow_all: bool = False
    disallow_all: bool = False
    fetched: FetchResult | None = field(default=None, repr=False)

    def allows(self, user_agent: str, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all or self.parser is None:
            return True
        return self.parser.can_fetch(user_agent, url)


def rules_from_result(result: FetchResult) -> _Rules:
    """Interpret a robots.txt fetch: 401/403 disallow all, any other failure allows all."""
    if result.status in (401, 403):
        return _Rules(disallow_all=True, fetched=result)
    if result.outcome != "ok" or not result.body:
        return _Rules(allow_all=True, fetched=result)
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(result.body.decode("utf-8", errors="replace").splitlines())
    return _Rules(parser=parser, fetched=result)


RobotsFetch = Callable[[str, bool], Awaitable["FetchResult"]]


class RobotsCache:
    """robots.txt rules per origin, fetched once per cache lifetime through the fetcher.

    ``fetch(robots_url, throttled)`` must return a FetchResult with kind ``robots``;
    concurrent callers for one origin share a single fetch.
    """

    def __init__(self, fetch: RobotsFetch, user_agent: str) -> None:
        self._fetch = fetch
        self.user_agent = user_agent
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @staticmethod
    def robots_url(url: str | URL) -> str:
        u = url if isinstance(url, URL) else URL(url)
        return str(u.origin().with_path("/robots.txt"))

    async def allowed(self, url: str | URL, *, throttled: bool = True) -> bool:
        robots = self.robots_url(url)
        rules = self._rules.get(robots)
        if rules is None:
            lock = self._locks.setdefault(robots, asyncio.Lock())
            async with lock:
                rules = self._rules.get(robots)
                if rules is None:
                    rules = rules_from_result(await self._fetch(robots, throttled))
                    self._rules[robots] = rules
        return rules.allows(self.user_agent, str(url))

    def cached(self, url: str | URL) -> FetchResult | None:
        """The robots.txt fetch result used for ``url``'s origin, if fetched already."""
        rules = self._rules.get(self.robots_url(url))
        return rules.fetched if rules else None
