"""presswatch.dates: parsing, plausibility checks, dates in URLs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from presswatch.dates import check_date, date_from_url, parse_date

D = datetime(2024, 8, 24, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sat, 24 Aug 2024 10:30:00 +0200", D),
        ("Sat, 24 Aug 2024 08:30:00 GMT", D),
        ("24 Aug 2024 08:30:00 Z", D),
        ("Sat, 24 Aug 2024 04:30:00 EDT", D),
        ("2024-08-24T08:30:00Z", D),
        ("2024-08-24T17:30:00+09:00", D),
        ("2024-08-24T08:30:00.000Z", D),
        ("2024-08-24 08:30:00", D),  # naive = UTC
        ("2024-08-24", datetime(2024, 8, 24, tzinfo=UTC)),
        (time.struct_time((2024, 8, 24, 8, 30, 0, 5, 237, 0)), D),
        ((2024, 8, 24, 8, 30, 0, 5, 237, 0), D),
        (datetime(2024, 8, 24, 8, 30), D),
        (datetime(2024, 8, 24, 10, 30, tzinfo=timezone(timedelta(hours=2))), D),
        (D.timestamp(), D),
        ("not a date", None),
        ("", None),
        (None, None),
        (True, None),
        (["2024-08-24"], None),
        ("2024-13-45T99:00:00Z", None),
    ],
)
def test_parse_date(value: object, expected: datetime | None) -> None:
    got = parse_date(value)
    assert got == expected
    if got is not None:
        assert got.tzinfo is not None and got.utcoffset() == timedelta(0)


def test_check_date() -> None:
    now = datetime(2024, 8, 25, tzinfo=UTC)
    assert check_date(D, now, 86400) == (D, None)
    assert check_date(None, now, 86400) == (None, None)
    assert check_date(now + timedelta(hours=23), now, 86400)[1] is None
    assert check_date(now + timedelta(hours=25), now, 86400) == (None, "future_date")
    assert check_date(now + timedelta(minutes=5), now, 60) == (None, "future_date")
    assert check_date(datetime(1989, 12, 31, tzinfo=UTC), now, 86400) == (None, "invalid_date")
    assert check_date(datetime(1970, 1, 1, tzinfo=UTC), now, 86400) == (None, "invalid_date")
    assert check_date(datetime(1990, 1, 1, tzinfo=UTC), now, 86400)[1] is None
    assert check_date(datetime(2024, 8, 24), now, 86400)[0] == datetime(2024, 8, 24, tzinfo=UTC)
    # now defaults to the current time
    assert check_date(datetime(2999, 1, 1, tzinfo=UTC))[1] == "future_date"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.com/2024/08/24/story-slug", datetime(2024, 8, 24, tzinfo=UTC)),
        ("https://e.com/world/2024/8/4/story", datetime(2024, 8, 4, tzinfo=UTC)),
        ("https://e.com/news/2024-08-24-story", datetime(2024, 8, 24, tzinfo=UTC)),
        ("https://e.com/news/20240824/story.html", datetime(2024, 8, 24, tzinfo=UTC)),
        ("https://e.com/news/story_20240824.html", datetime(2024, 8, 24, tzinfo=UTC)),
        ("https://e.com/2024/08/24", datetime(2024, 8, 24, tzinfo=UTC)),
        ("https://e.com/2024/08/story", None),  # month only: not a day
        ("https://e.com/2024/02/30/story", None),  # impossible day
        ("https://e.com/article/1234567890123", None),  # long id, not a date
        ("https://e.com/article/920240824", None),  # digits run on
        ("https://e.com/1985/01/01/old", None),  # before 1990
        ("https://e.com/story?date=2024-08-24", None),  # query ignored
        ("https://20240824.example.com/story", None),  # host ignored
        ("https://e.com/news/12345", None),
        ("", None),
        (None, None),
    ],
)
def test_date_from_url(url: str | None, expected: datetime | None) -> None:
    assert date_from_url(url) == expected
