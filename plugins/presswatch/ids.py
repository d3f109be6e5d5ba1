"""Stable identifiers: the same URL always gives the same id, on every machine and re-run."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime


def stable_id(text: str) -> int:
    """A positive 63-bit integer from sha256(text): ids survive re-runs and crashes unchanged."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def content_hash(text: str) -> str:
    normalized = " ".join(text.split()).casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
