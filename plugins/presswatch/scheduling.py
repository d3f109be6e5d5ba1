"""When to poll a feed next: linear backoff with deterministic jitter, weighted failures.

A success resets the failure weight. Failures add a weight by severity (transient 0.5, soft 1,
hard 2). A feed whose weight reaches ``DEAD_AT`` is ``dead``: kept, never deleted, and probed
once every ``DEAD_PROBE``; any success brings it back to ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from presswatch import reasons
from presswatch.ids import stable_id

WEIGHTS = {"transient": 0.5, "soft": 1.0, "hard": 2.0, "none": 0.0}
DEAD_AT = 10.0
MAX_BACKOFF_FACTOR = 24
DEAD_PROBE = timedelta(days=7)
JITTER = 0.1


@dataclass(frozen=True)
class FeedSchedule:
    status: str
    failures: float
    consecutive_failures: int
    next_poll_at: datetime


def jitter_factor(feed_id: int, polls: int) -> float:
    """Deterministic jitter in [1 - JITTER, 1 + JITTER] (same inputs, same answer: re-runs agree)."""
    frac = (stable_id(f"{feed_id}:{polls}") % 10_000) / 10_000
    return 1 - JITTER + 2 * JITTER * frac


def schedule_after_success(feed_id: int, polls: int, now: datetime, interval_s: float) -> FeedSchedule:
    delay = timedelta(seconds=interval_s * jitter_factor(feed_id, polls))
    return FeedSchedule("ok", 0.0, 0, now + delay)


def schedule_after_failure(
    feed_id: int, polls: int, failures: float, consecutive: int, reason: str | None,
    now: datetime, interval_s: float, retry_after_s: float | None = None,
) -> FeedSchedule:
    weight = WEIGHTS[reasons.severity(reason)] or 1.0
    total = failures + weight
    if total >= DEAD_AT:
        return FeedSchedule("dead", total, consecutive + 1, now + DEAD_PROBE)
    factor = min(1 + total, MAX_BACKOFF_FACTOR)
    delay = timedelta(seconds=interval_s * factor * jitter_factor(feed_id, polls))
    if retry_after_s:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return FeedSchedule("failing", total, consecutive + 1, now + delay)


def page_retry_at(attempts: int, reason: str | None, now: datetime, limit: int) -> datetime | None:
    """When to retry a failed page, or None when it is not retried (hard failure or limit)."""
    sev = reasons.severity(reason)
    if sev in ("hard", "none") or attempts >= limit:
        return None
    return now + timedelta(hours=attempts)
