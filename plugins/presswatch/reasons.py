"""The closed set of outcomes and reasons recorded in ``fetch_events`` and ``feeds.last_error``.

Like Media Cloud's rss-fetcher status list: a small fixed vocabulary, each reason with a
severity that drives backoff. ``transient`` failures are retried soon, ``soft`` ones back off
harder, ``hard`` ones mark a feed failing at once (it stays stored and is probed rarely).
"""

from __future__ import annotations

from typing import Final, Literal

Severity = Literal["transient", "soft", "hard", "none"]

# outcome column of fetch_events
OK: Final = "ok"
NOT_MODIFIED: Final = "not_modified"
FAILED: Final = "failed"
SKIPPED: Final = "skipped"
OUTCOMES: Final = frozenset({OK, NOT_MODIFIED, FAILED, SKIPPED})

REASONS: Final[dict[str, Severity]] = {
    # network / HTTP
    "timeout": "transient",
    "connection_error": "transient",
    "dns_error": "soft",
    "tls_error": "soft",
    "http_429": "transient",
    "http_5xx": "transient",
    "http_404": "hard",
    "http_410": "hard",
    "http_401": "hard",
    "http_403": "soft",
    "http_4xx": "soft",
    "http_other": "soft",
    "too_large": "hard",
    "too_many_redirects": "hard",
    "redirect_loop": "hard",
    "blocked_private_network": "hard",
    "bad_url": "hard",
    "unsupported_scheme": "hard",
    "url_too_long": "hard",
    "robots_disallowed": "none",
    "protocol_error": "soft",
    "empty_body": "soft",
    "decode_error": "soft",
    # feeds
    "not_a_feed": "hard",
    "malformed_feed": "none",  # recorded as a warning when items still parsed
    "unchanged": "none",  # unconditional refresh returned the same body hash
    # pages / extraction
    "not_html": "none",
    "extraction_empty": "soft",
    "duplicate_url": "none",
    "retry_limit": "hard",
}


def severity(reason: str | None) -> Severity:
    if reason is None:
        return "none"
    return REASONS.get(reason, "soft")


def check(reason: str | None) -> str | None:
    """Refuse a reason that is not in the closed set (a programming error)."""
    if reason is not None and reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}; add it to presswatch.reasons.REASONS")
    return reason
