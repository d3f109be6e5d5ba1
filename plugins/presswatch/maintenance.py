"""Weekly upkeep of the warehouse: prune old raw HTML, re-extract failed pages, checkpoint, and
export a Parquet copy of the published snapshot. Each step returns counts (for the task log/XCom).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from presswatch.settings import Settings

log = logging.getLogger("presswatch.maintenance")

# Tables exported to Parquet (raw HTML stays in DuckDB: it is large and only re-extraction uses it).
EXPORT_TABLES = ("feeds", "feed_entries", "articles", "article_urls", "article_revisions",
                 "fetch_events", "runs", "stories", "story_articles", "topics", "topic_matches")


def prune_raw_html(settings: Settings, wait_s: float = 0.0,
                   now: datetime | None = None) -> dict[str, Any]:
    """Drop kept raw HTML older than ``PRESSWATCH_RAW_HTML_RETENTION_DAYS`` (0 keeps it forever)."""
    from presswatch import warehouse

    days = settings.raw_html_retention_days
    if days <= 0:
        log.info("raw HTML retention is 0 (keep forever): nothing pruned")
        return {"pruned": 0, "retention_days": days}
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with warehouse.writer(settings, wait_s=wait_s) as con:
        n = _one(con, "SELECT count(*) FROM raw_pages WHERE html_gzip IS NOT NULL "
                      "AND fetched_at < ?", [cutoff])[0]
        con.execute("UPDATE raw_pages SET html_gzip = NULL WHERE html_gzip IS NOT NULL "
                    "AND fetched_at < ?", [cutoff])
        kept = _one(con, "SELECT count(*) FROM raw_pages WHERE html_gzip IS NOT NULL")[0]
    log.info("raw HTML pruned for %d pages fetched before %s (%d days); %d pages keep theirs",
             n, cutoff.date(), days, kept)
    return {"pruned": int(n), "kept": int(kept), "retention_days": days}


def reextract_failed(settings: Settings, wait_s: float = 0.0, limit: int = 0) -> dict[str, Any]:
    """Run extraction again on articles whose text came out empty (their raw HTML is kept)."""
    from presswatch import warehouse
    from presswatch.reextract import reextract_articles

    with warehouse.writer(settings, wait_s=wait_s) as con:
        n = reextract_articles(settings, con, limit=limit, failed_only=True)
    log.info("re-extracted %d articles with empty text; %d changed", n["seen"], n["changed"])
    return {"reextracted": int(n["seen"]), "changed": int(n["changed"])}


def checkpoint(settings: Settings, wait_s: float = 0.0) -> dict[str, Any]:
    """``FORCE CHECKPOINT``: fold the write-ahead log into the file and reuse freed blocks."""
    from presswatch import warehouse

    before = _size(settings.warehouse)
    t0 = time.perf_counter()
    with warehouse.writer(settings, wait_s=wait_s) as con:
        con.execute("FORCE CHECKPOINT")
        blocks = _one(con, "SELECT total_blocks, free_blocks FROM pragma_database_size() "
                           "WHERE database_name = current_database()")
    after = _size(settings.warehouse)
    log.info("checkpoint in %.2fs: file %d -> %d bytes, %d of %d blocks free",
             time.perf_counter() - t0, before, after, blocks[1], blocks[0])
    return {"bytes_before": before, "bytes_after": after, "total_blocks": int(blocks[0]),
            "free_blocks": int(blocks[1])}


def _one(con: Any, query: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    row = con.execute(query, params or []).fetchone()
    return tuple(row) if row else (0, 0)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size + (Path(str(path) + ".wal").stat().st_size
                                      if Path(str(path) + ".wal").exists() else 0)
    except OSError:
        return 0


def export_parquet(settings: Settings, wait_s: float = 0.0) -> dict[str, Any]:
    """Write ``published/parquet/<table>.parquet`` from the published snapshot (no writer lock
    on the live file); publishes a fresh snapshot first. The directory is swapped atomically."""
    from presswatch import warehouse
    from presswatch.snapshot import publish, published_dir, snapshot_path

    publish(settings, wait_s=wait_s)
    out = published_dir(settings) / "parquet"
    tmp = out.with_name(f".parquet.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    rows: dict[str, int] = {}
    try:
        with warehouse.reader(settings, snapshot_path(settings)) as con:
            existing = {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()}
            for table in EXPORT_TABLES:
                if table not in existing:
                    continue
                target = tmp / f"{table}.parquet"
                # table names come from the fixed EXPORT_TABLES list, the path from our settings
                quoted = str(target).replace("'", "''")
                con.execute(f"COPY (SELECT * FROM {table}) TO '{quoted}' (FORMAT parquet, COMPRESSION zstd)")  # noqa: S608
                rows[table] = int(_one(con, "SELECT count(*) FROM read_parquet(?)",
                                       [str(target)])[0])
        old = out.with_name(f".parquet.{os.getpid()}.old")
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("exported %d tables to %s: %s", len(rows), out, rows)
    return {"directory": str(out), "tables": len(rows), "rows": rows}
