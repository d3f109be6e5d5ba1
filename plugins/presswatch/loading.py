"""The last stage of a cycle and the only writer: load one run's staged files into DuckDB in
one transaction, with bulk (Arrow/Parquet) inserts. Loading the same run twice changes nothing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from presswatch import reasons, staging
from presswatch.settings import Settings
from presswatch.warehouse import rollback_quietly


@dataclass
class LoadSummary:
    run_id: str
    already_loaded: bool = False
    feeds_polled: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    new_entries: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    duplicates_in_batch: int = 0
    events: int = 0
    failures_by_reason: dict[str, int] = field(default_factory=dict)
    statement_ms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stage_view(con: Any, name: str, paths: list[Path], schema: Any, run_dir: Path) -> None:
    """Expose staged Parquet files as a temporary view read by DuckDB's own Parquet reader
    (nothing is materialised in Python, and no Arrow scan is needed). A stage that wrote no file
    gets an empty file of the right schema, so every statement sees the same columns."""
    import pyarrow.parquet as pq

    if not paths:
        empty = run_dir / f"empty-{name}.parquet"
        if not empty.exists():
            pq.write_table(schema.empty_table(), empty)
        paths = [empty]
    con.read_parquet([str(p) for p in paths]).create_view(name, replace=True)


STAGED_VIEWS = ("stg_feed_results", "stg_entries", "stg_events", "stg_extracted", "stg_failures")


def _run(con: Any, summary: LoadSummary, name: str, params: list[Any] | None = None) -> Any:
    """Execute sql/load/<name>.sql, recording its time (the load's own per-statement profile)."""
    import time

    from presswatch.warehouse import sql

    t0 = time.perf_counter()
    result = con.execute(sql(f"load/{name}.sql"), params or [])
    summary.statement_ms[name] = round((time.perf_counter() - t0) * 1000, 1)
    return result


def _drop_staged(con: Any) -> None:
    for name in STAGED_VIEWS:
        con.execute(f"DROP VIEW IF EXISTS {name}")  # names from the constant above only
    for name in ("stg_resolution", "stg_urls", "stg_new_counts"):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def load_run(
    settings: Settings, con: Any, run_dir: Path, *, trigger: str = "cli",
) -> LoadSummary:
    from presswatch.warehouse import retry_conflicts

    # on DuckLake a load whose commit loses a race with another loader is redone whole
    return retry_conflicts(con, lambda: _load_once(settings, con, run_dir, trigger))


def _load_once(settings: Settings, con: Any, run_dir: Path, trigger: str) -> LoadSummary:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from presswatch.scheduling import page_retry_at
    from presswatch.schemas import schema
    from presswatch.warehouse import sql

    run_id = run_dir.name
    summary = LoadSummary(run_id=run_id)
    if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
        summary.already_loaded = True
        (run_dir / "LOADED").touch()
        return summary
    now = datetime.now(UTC)
    plan = staging.read_json(run_dir / "plan.json") if (run_dir / "plan.json").exists() else {}
    started = datetime.fromisoformat(plan["created_at"]) if plan else now

    def existing(name: str) -> list[Path]:
        return [run_dir / name] if (run_dir / name).exists() else []

    feed_results = pq.read_table(existing("feed-results.parquet")[0]) if existing(
        "feed-results.parquet") else schema("feed_result").empty_table()
    _stage_view(con, "stg_feed_results", existing("feed-results.parquet"),
                schema("feed_result"), run_dir)
    _stage_view(con, "stg_entries", existing("entries.parquet"), schema("entry"), run_dir)
    _stage_view(con, "stg_events", staging.files(run_dir, "events-"), schema("event"), run_dir)
    _stage_view(con, "stg_extracted", staging.files(run_dir, "extracted-"), schema("extracted"),
                run_dir)

    failures = []
    for outcome, n in con.execute("SELECT outcome, count(*) FROM stg_extracted GROUP BY 1").fetchall():
        summary.pages_fetched += n if outcome == reasons.OK else 0
        summary.pages_failed += n if outcome == reasons.FAILED else 0
    for url, outcome, reason, attempts in con.execute(
            "SELECT url, outcome, reason, attempts FROM stg_extracted WHERE outcome <> 'ok'").fetchall():
        if outcome in (reasons.FAILED, reasons.SKIPPED):
            tries = (attempts or 0) + 1
            failures.append({
                "url": url, "page_status": "skipped" if outcome == reasons.SKIPPED else "failed",
                "reason": reason,
                "next_attempt_at": page_retry_at(tries, reason, now, settings.page_retry_limit)})
            if reason:
                summary.failures_by_reason[reason] = summary.failures_by_reason.get(reason, 0) + 1
    fail_schema = pa.schema([("url", pa.string()), ("page_status", pa.string()),
                             ("reason", pa.string()),
                             ("next_attempt_at", pa.timestamp("us", tz="UTC"))])
    pq.write_table(pa.Table.from_pylist(failures, schema=fail_schema), run_dir / "failures.parquet")
    _stage_view(con, "stg_failures", [run_dir / "failures.parquet"], fail_schema, run_dir)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            _run(con, summary, "resolve_articles")
            _run(con, summary, "resolve_urls")
            con.execute("CREATE OR REPLACE TEMP TABLE stg_new_counts AS "
                        + sql("load/count_new_entries.sql").rstrip().rstrip(";"))
            _run(con, summary, "update_feeds")
            _run(con, summary, "insert_entries", [now, run_id])
            _run(con, summary, "update_entries")
            _run(con, summary, "touch_feed_new_entries", [now])
            _run(con, summary, "insert_articles", [run_id])
            _run(con, summary, "upsert_raw_pages")
            counts = _run(con, summary, "resolution_counts").fetchone()
            summary.articles_new, summary.articles_updated, summary.duplicates_in_batch = counts
            if summary.articles_updated:  # updated pages only
                _run(con, summary, "revise_articles", [now])
                _run(con, summary, "update_articles", [run_id])
            _run(con, summary, "insert_article_urls", [now])
            _run(con, summary, "link_entries")
            if failures:
                _run(con, summary, "record_page_failures")
            con.execute("INSERT INTO fetch_events SELECT * FROM stg_events")
            summary.events = con.execute("SELECT count(*) FROM stg_events").fetchone()[0]
            summary.new_entries = int(con.execute(
                "SELECT coalesce(sum(n), 0) FROM stg_new_counts").fetchone()[0])
            fr = feed_results.to_pylist()
            summary.feeds_polled = len(fr)
            summary.feeds_not_modified = sum(r["outcome"] == reasons.NOT_MODIFIED for r in fr)
            summary.feeds_failed = sum(r["outcome"] == reasons.FAILED for r in fr)
            for r in fr:
                if r["outcome"] == reasons.FAILED and r["reason"]:
                    key = "feed:" + r["reason"]
                    summary.failures_by_reason[key] = summary.failures_by_reason.get(key, 0) + 1
            _run(con, summary, "insert_run", [
                run_id, started, now, trigger, summary.feeds_polled, summary.feeds_not_modified,
                summary.feeds_failed, summary.new_entries, summary.pages_fetched,
                summary.pages_failed, summary.articles_new, summary.articles_updated,
                json.dumps(summary.as_dict(), sort_keys=True),
            ])
            _drop_staged(con)  # inside the transaction: one commit, one checkpoint
            con.execute("COMMIT")
        except BaseException:
            rollback_quietly(con)
            raise
    except BaseException:
        _drop_staged(con)
        raise
    (run_dir / "LOADED").touch()
    return summary
