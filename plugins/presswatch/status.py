"""What ``presswatch status`` reports, as data."""

from __future__ import annotations

from typing import Any


def _rows(con: Any, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(query, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def collect_status(con: Any) -> dict[str, Any]:
    from presswatch.warehouse import sql

    counts = _rows(con, sql("queries/status_counts.sql"))[0]
    by_status = {r["status"]: r["n"] for r in _rows(con, "SELECT status, count(*) AS n FROM feeds GROUP BY 1 ORDER BY 1")}
    last = _rows(con, "SELECT * FROM runs ORDER BY loaded_at DESC LIMIT 1")
    problems = _rows(con, sql("queries/problem_feeds.sql"))
    return {**counts, "feeds_by_status": by_status, "last_run": last[0] if last else None,
            "problem_feeds": problems}
