"""The feed list: add feeds, import OPML or plain-text lists, list feeds with their health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from presswatch.ids import stable_id


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_present: int
    rejected: list[tuple[str, str]]


def add_feeds(con: Any, sources: list[Any], now: datetime | None = None) -> ImportResult:
    """Add FeedSource values (url, title, site_url, category, language); existing URLs are kept."""
    import pyarrow as pa

    from presswatch.urls import normalize_url
    from presswatch.warehouse import sql

    now = now or datetime.now(UTC)
    rows, rejected, seen = [], [], set()
    for s in sources:
        url = normalize_url(s.url)
        if url is None:
            rejected.append((s.url, "bad_url"))
            continue
        if url in seen:
            continue
        seen.add(url)
        rows.append({"feed_id": stable_id(url), "url": url, "title": s.title,
                     "site_url": s.site_url, "category": s.category, "language": s.language})
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("feed_id", pa.int64()), ("url", pa.string()), ("title", pa.string()),
        ("site_url", pa.string()), ("category", pa.string()), ("language", pa.string())]))
    con.register("stg_new_feeds", table)
    try:
        before = con.execute("SELECT count(*) FROM feeds").fetchone()[0]
        con.execute(sql("load/insert_feeds.sql"), [now])
        after = con.execute("SELECT count(*) FROM feeds").fetchone()[0]
    finally:
        con.unregister("stg_new_feeds")
    return ImportResult(added=after - before, already_present=len(rows) - (after - before),
                        rejected=rejected)


def list_feeds(con: Any) -> list[dict[str, Any]]:
    from presswatch.warehouse import sql

    cur = con.execute(sql("queries/feed_health.sql"))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
