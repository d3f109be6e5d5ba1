"""The daily digest: what was written about each topic on one UTC day, read into frozen values.

:func:`gather` reads everything the digest shows (through ``sql/queries/digest_*.sql`` and the
``digest_articles`` view) and returns a :class:`Digest`; presswatch.digest_render turns it into
HTML and Markdown. Nothing here reads the clock: the day is given, or it is the latest day with
data in the warehouse, so the same warehouse and day always give the same digest.

Counting (docs/digest.md): an article belongs to the UTC day of its publication date, or of its
first fetch when it has none; a story counts once per day however many outlets carried it; a
day is incomplete when no run happened, when most feeds polled that day failed, or (the report
day) when nothing was ingested after it ended. Medians skip incomplete days.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from presswatch.alerts import AlertConfig, SpikeCheck, check_day
from presswatch.warehouse import sql

ATTENTION_DAYS = 30  # the attention chart
MEDIAN_DAYS = 28  # "today vs the trailing 28-day median"
VOICE_DAYS = 7  # share of voice window
TOP_STORIES = 10
PROBLEM_FEEDS = 25
TITLE_MAX = 240
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")


def clean(value: Any, limit: int = TITLE_MAX) -> str:
    """Text for one line of a digest: control and bidi-override characters and line breaks
    become spaces, runs of spaces collapse, and long values are cut with an ellipsis."""
    text = " ".join(_CONTROL.sub(" ", str(value or "")).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class DayHealth:
    day: date
    articles: int  # all coverage dated that day
    stories: int
    runs: int
    feeds_polled: int
    feeds_failed: int
    pages_failed: int
    extraction_empty: int
    incomplete: str | None  # no_run | feeds_failed | in_progress | None

    @property
    def complete(self) -> bool:
        return self.incomplete is None


@dataclass(frozen=True)
class TopicPoint:
    day: date
    articles: int
    stories: int
    outlets: int
    share: float | None  # of all coverage that day; None when nothing at all was dated that day
    incomplete: str | None


@dataclass(frozen=True)
class StoryLine:
    story_key: int
    title: str
    url: str
    first_outlet: str
    first_seen: datetime
    articles: int  # member articles dated up to the day
    outlets: int
    articles_today: int
    outlet_names: tuple[str, ...]
    new: bool  # first seen on the day (else a continuing story)


@dataclass(frozen=True)
class Voice:
    key: str
    name: str
    articles: int
    last_day: int
    share: float


@dataclass(frozen=True)
class TopicDigest:
    name: str
    description: str
    points: tuple[TopicPoint, ...]  # ATTENTION_DAYS days, oldest first, the report day last
    articles_median: float | None
    stories_median: float | None
    median_days: int  # complete days the medians were taken over
    top_stories: tuple[StoryLine, ...]
    stories_listed: int  # all stories of the day (top_stories shows the first TOP_STORIES)
    outlets: tuple[Voice, ...]
    languages: tuple[Voice, ...]
    spike: SpikeCheck

    @property
    def today(self) -> TopicPoint:
        return self.points[-1]

    @property
    def anchor(self) -> str:
        return f"topic-{self.name}"


@dataclass(frozen=True)
class FeedProblem:
    url: str
    title: str
    status: str
    last_error: str
    last_error_at: datetime | None
    last_success_at: datetime | None
    failures: float


@dataclass(frozen=True)
class Failure:
    kind: str  # feed | page | robots | extraction
    reason: str
    events: int
    urls: int


@dataclass(frozen=True)
class Health:
    feeds_by_status: tuple[tuple[str, int], ...]
    problem_feeds: tuple[FeedProblem, ...]
    problem_feeds_total: int
    failures: tuple[Failure, ...]  # on the report day
    days: tuple[DayHealth, ...]  # ATTENTION_DAYS days, oldest first

    @property
    def incomplete_days(self) -> tuple[DayHealth, ...]:
        return tuple(d for d in self.days if d.incomplete)

    @property
    def today(self) -> DayHealth:
        return self.days[-1]


@dataclass(frozen=True)
class Digest:
    day: date
    first_day: date  # of the attention window
    topic_filter: str | None
    topics: tuple[TopicDigest, ...]
    health: Health
    config: AlertConfig

    @property
    def spikes(self) -> tuple[TopicDigest, ...]:
        return tuple(t for t in self.topics if t.spike.spike)


# -- loaders shared with presswatch.alerts ---------------------------------------------------

def load_days(con: Any, first: date, last: date) -> list[DayHealth]:
    rows = con.execute(sql("queries/digest_days.sql"), [first, last]).fetchall()
    return [DayHealth(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]),
                      int(r[7]), r[8]) for r in rows]


def load_topics(con: Any, topic: str | None = None) -> list[tuple[str, str]]:
    return [(r[0], clean(r[1], 400)) for r in
            con.execute(sql("queries/digest_topics.sql"), [topic]).fetchall()]


@dataclass(frozen=True)
class SeriesPoint:
    articles: int
    stories: int
    outlets: int


def load_series(con: Any, first: date, last: date,
                topic: str | None = None) -> dict[str, dict[date, SeriesPoint]]:
    out: dict[str, dict[date, SeriesPoint]] = {}
    for name, day, articles, stories, outlets in con.execute(
            sql("queries/digest_topic_series.sql"), [first, last, topic]).fetchall():
        out.setdefault(name, {})[day] = SeriesPoint(int(articles), int(stories), int(outlets))
    return out


def top_stories(con: Any, topic: str, day: date,
                limit: int = TOP_STORIES) -> tuple[list[StoryLine], int]:
    """The day's stories of a topic, most outlets first (at most ``limit``), and how many
    stories the topic had that day in all."""
    rows = con.execute(sql("queries/digest_top_stories.sql"), [topic, day, limit]).fetchall()
    lines = [StoryLine(int(r[0]), clean(r[1]) or "(no title)", str(r[2] or "").strip(),
                       clean(r[3], 80), r[4], int(r[5]), int(r[6]), int(r[7]),
                       tuple(clean(n, 80) for n in r[8]), _utc_day(r[4]) == day) for r in rows]
    return lines, int(rows[0][9]) if rows else 0


def _utc_day(value: datetime) -> date:
    return (value.astimezone(UTC) if value.tzinfo else value).date()


def _voices(con: Any, topic: str, first: date, last: date) -> tuple[list[Voice], list[Voice]]:
    rows = con.execute(sql("queries/digest_voice.sql"), [topic, first, last]).fetchall()
    out: dict[str, list[Voice]] = {"outlet": [], "language": []}
    totals = {dim: sum(int(r[3]) for r in rows if r[0] == dim) for dim in out}
    for dim, key, name, articles, last_day in rows:
        out[dim].append(Voice(clean(key, 80), clean(name, 80), int(articles), int(last_day),
                              int(articles) / totals[dim] if totals[dim] else 0.0))
    return out["outlet"], out["language"]


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


# -- the digest ------------------------------------------------------------------------------

def default_day(con: Any) -> date | None:
    """The latest UTC day an article is dated, not after the day of the latest ingest."""
    row = con.execute(sql("queries/digest_default_day.sql")).fetchone()
    return row[0] if row else None


def gather(con: Any, day: date | None = None, topic: str | None = None,
           config: AlertConfig | None = None) -> Digest:
    """Read the digest of ``day`` (default: :func:`default_day`) for every topic, or one."""
    cfg = config or AlertConfig()
    day = day or default_day(con)
    if day is None:
        raise LookupError("the warehouse has no articles yet: run `presswatch run` first")
    first = day - timedelta(days=ATTENTION_DAYS - 1)
    earliest = min(first, day - timedelta(days=max(MEDIAN_DAYS, cfg.baseline_days)))
    days = load_days(con, earliest, day)
    health_by_day = {d.day: d for d in days}
    complete = {d.day: d.complete for d in days}
    series = load_series(con, earliest, day, topic)
    topics = load_topics(con, topic)
    if topic is not None and not topics:
        raise LookupError(f"no topic named {topic!r} (see `presswatch topics list`)")
    out = []
    for name, description in topics:
        s = series.get(name, {})
        points = []
        for i in range(ATTENTION_DAYS):
            d = first + timedelta(days=i)
            h = health_by_day[d]
            p = s.get(d, SeriesPoint(0, 0, 0))
            points.append(TopicPoint(d, p.articles, p.stories, p.outlets,
                                     p.articles / h.articles if h.articles else None,
                                     h.incomplete))
        window = [day - timedelta(days=i) for i in range(1, MEDIAN_DAYS + 1)]
        usable = [d for d in window if complete.get(d, False)]
        spike = check_day({d: p.stories for d, p in s.items()}, complete, day, cfg,
                          {d: p.articles for d, p in s.items()})
        outlets, languages = _voices(con, name, day - timedelta(days=VOICE_DAYS - 1), day)
        lines, listed = top_stories(con, name, day)
        out.append(TopicDigest(
            name=name, description=description, points=tuple(points),
            articles_median=_median([s[d].articles if d in s else 0 for d in usable]),
            stories_median=_median([s[d].stories if d in s else 0 for d in usable]),
            median_days=len(usable), top_stories=tuple(lines), stories_listed=listed,
            outlets=tuple(outlets),
            languages=tuple(languages), spike=spike))
    feeds = con.execute(sql("queries/digest_feeds.sql")).fetchall()
    by_status: dict[str, int] = {}
    for f in feeds:
        by_status[f[3]] = by_status.get(f[3], 0) + 1
    problems = [FeedProblem(str(f[1]), clean(f[2], 120), f[3], clean(f[4], 60), f[5], f[6],
                            float(f[7] or 0)) for f in feeds if f[3] in ("failing", "dead")]
    failures = [Failure(r[0], r[1] or "unknown", int(r[2]), int(r[3])) for r in
                con.execute(sql("queries/digest_failures.sql"), [day]).fetchall()]
    health = Health(tuple(sorted(by_status.items())), tuple(problems[:PROBLEM_FEEDS]),
                    len(problems), tuple(failures),
                    tuple(h for h in days if h.day >= first))
    # spiking topics first, then the most covered today; the name breaks ties
    out.sort(key=lambda t: (not t.spike.spike, -t.today.articles, t.name))
    return Digest(day, first, topic, tuple(out), health, cfg)
