"""Dates from feeds and URLs: parse to UTC-aware datetimes, reject impossible ones.

We never invent a date: every function returns ``None`` when unsure.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

MIN_DATE = datetime(1990, 1, 1, tzinfo=UTC)  # older than the web news era: a broken feed
FUTURE_DATE = "future_date"
INVALID_DATE = "invalid_date"

_ISO_FIELDS = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_URL_YMD = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=$|[/._-])"
)
_URL_COMPACT = re.compile(
    r"(?<![0-9])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![0-9])"
)


def _from_struct(value: time.struct_time | tuple) -> datetime | None:
    try:
        return datetime.fromtimestamp(calendar.timegm(tuple(value)[:6] + (0, 0, 0)), tz=UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _iso_fields_valid(text: str) -> bool:
    """False for ISO-looking text with out-of-range fields (feedparser would roll
    ``2024-13-45`` over into 2025 instead of refusing it)."""
    match = _ISO_FIELDS.match(text)
    if not match:
        return True
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return hour < 24 and minute < 60 and second <= 60


def _parse_text(text: str) -> datetime | None:
    text = text.strip()
    if not text or len(text) > 100 or not _iso_fields_valid(text):
        return None
    iso = text[:-1] + "+00:00" if text[-1:] in "zZ" else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    # Last resort: feedparser's tolerant parsers (W3CDTF variants, Korean, Greek...).
    from feedparser.datetimes import _parse_date

    parsed = _parse_date(text)
    return _from_struct(parsed) if parsed else None


def parse_date(value: object) -> datetime | None:
    """A UTC-aware datetime from RFC 822 / ISO 8601 text, a feedparser ``struct_time``
    (which is UTC), a datetime (naive = UTC) or epoch seconds; ``None`` if unparseable."""
    if value is None or isinstance(value, bool):
        return None
    dt: datetime | None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, time.struct_time) or (
        isinstance(value, tuple) and len(value) >= 6 and all(isinstance(v, int) for v in value)
    ):
        dt = _from_struct(value)
    elif isinstance(value, (int, float)):
        try:
            dt = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
    elif isinstance(value, str):
        dt = _parse_text(value)
    else:
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def check_date(
    dt: datetime | None, now: datetime | None = None, max_future_s: float = 86400.0
) -> tuple[datetime | None, str | None]:
    """``(dt, None)`` when plausible, ``(None, reason)`` when not, ``(None, None)`` for no date.

    ``future_date``: more than *max_future_s* after *now*; ``invalid_date``: before 1990.
    """
    if dt is None:
        return None, None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if dt < MIN_DATE:
        return None, INVALID_DATE
    if dt > now + timedelta(seconds=max_future_s):
        return None, FUTURE_DATE
    return dt, None


def date_from_url(url: str | None) -> datetime | None:
    """Publication day written in a URL path (``/2024/08/24/``, ``/2024-08-24-``,
    ``..._20240824...``), midnight UTC; ``None`` unless a full valid date is present.

    Only the path is looked at (not host or query); year/month-only paths give ``None``.
    """
    if not url:
        return None
    from urllib.parse import urlsplit

    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for pattern in (_URL_YMD, _URL_COMPACT):
        match = pattern.search(path)
        if match:
            try:
                dt = datetime(*(int(g) for g in match.groups()), tzinfo=UTC)  # type: ignore[misc]
            except ValueError:
                continue
            if dt >= MIN_DATE:
                return dt
    return None
