"""What the presswatch page shows, read from the published snapshot (read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DAYS = 30
TOP_TOPICS = 8


@dataclass(frozen=True)
class Dashboard:
    snapshot: str
    available: bool
    published_at: str | None = None
    totals: dict[str, int] = field(default_factory=dict)
    feeds_by_status: dict[str, int] = field(default_factory=dict)
    problem_feeds: list[dict[str, Any]] = field(default_factory=list)
    daily: list[dict[str, Any]] = field(default_factory=list)  # newest first
    has_stories: bool = False
    topics: dict[str, dict[date, int]] = field(default_factory=dict)
    has_topics: bool = False
    runs: list[dict[str, Any]] = field(default_factory=list)
    end: date = field(default_factory=lambda: datetime.now(UTC).date())


def _rows(con: Any, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(query, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _columns(con: Any, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()}


def _topic_series(con: Any, start: date) -> tuple[bool, dict[str, dict[date, int]]]:
    """Matched articles per topic and UTC ingest day (the ``topic_daily`` view of
    sql/views/30_topics.sql), the top topics of the window only."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables "
                         "WHERE table_name = 'topic_daily'").fetchone()[0]
    if not exists:
        return False, {}
    rows = con.execute("SELECT topic, day, n_articles FROM topic_daily WHERE day >= ?",
                       [start]).fetchall()
    totals: dict[str, int] = {}
    series: dict[str, dict[date, int]] = {}
    for topic, day, n in rows:
        totals[topic] = totals.get(topic, 0) + int(n)
        series.setdefault(topic, {})[day] = int(n)
    top = [t for t in sorted(totals, key=lambda t: (-totals[t], t)) if totals[t]][:TOP_TOPICS]
    return bool(totals), {t: series[t] for t in top}


def load_dashboard(snapshot: Path, manifest: dict[str, Any] | None = None,
                   today: date | None = None) -> Dashboard:
    if not snapshot.exists():
        return Dashboard(snapshot=str(snapshot), available=False)
    import duckdb

    from presswatch.warehouse import sql

    end = today or datetime.now(UTC).date()
    start = end - timedelta(days=DAYS - 1)
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        totals = _rows(con, sql("queries/status_counts.sql"))[0]
        by_status = {r["status"]: r["n"] for r in _rows(
            con, "SELECT status, count(*) AS n FROM feeds WHERE active GROUP BY 1 ORDER BY 1")}
        problems = _rows(con, sql("queries/problem_feeds.sql"))[:200]
        has_stories = "story_id" in _columns(con, "articles")
        stories = "count(DISTINCT story_id)" if has_stories else "NULL"
        daily = _rows(con, f"""
            SELECT CAST(coalesce(published_at, first_fetched_at) AS DATE) AS day,
                   count(*) AS articles, {stories} AS stories, count(DISTINCT domain) AS outlets
            FROM articles
            WHERE CAST(coalesce(published_at, first_fetched_at) AS DATE) >= ?
            GROUP BY 1 ORDER BY 1 DESC""", [start])  # noqa: S608 - a fixed expression
        has_topics, topics = _topic_series(con, start)
        runs = _rows(con, "SELECT run_id, loaded_at, trigger, feeds_polled, feeds_failed, "
                          "new_entries, pages_fetched, pages_failed, articles_new, articles_updated "
                          "FROM runs ORDER BY loaded_at DESC LIMIT 10")
    finally:
        con.close()
    return Dashboard(snapshot=str(snapshot), available=True,
                     published_at=(manifest or {}).get("published_at"),
                     totals={k: int(v or 0) for k, v in totals.items()},
                     feeds_by_status=by_status, problem_feeds=problems, daily=daily,
                     has_stories=has_stories, topics=topics, has_topics=has_topics, runs=runs,
                     end=end)
