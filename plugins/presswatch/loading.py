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


def _dataset(paths: list[Path], schema: Any) -> Any:
    import pyarrow.dataset as ds

    if not paths:
        return ds.dataset(schema.empty_table())
    return ds.dataset([str(p) for p in paths], schema=schema, format="parquet")


def _run(con: Any, summary: LoadSummary, name: str, params: list[Any] | None = None) -> Any:
    """Execute sql/load/<name>.sql, recording its time (the load's own per-statement profile)."""
    import time

    from presswatch.warehouse import sql

    t0 = time.perf_counter()
    result = con.execute(sql(f"load/{name}.sql"), params or [])
    summary.statement_ms[name] = round((time.perf_counter() - t0) * 1000, 1)
    return result


def load_run(
    settings: Settings, con: Any, run_dir: Path, *, trigger: str = "cli",
) -> LoadSummary:
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

    feed_results = pq.read_table(run_dir / "feed-results.parquet") if (
        run_dir / "feed-results.parquet").exists() else schema("feed_result").empty_table()
    entries = pq.read_table(run_dir / "entries.parquet") if (
        run_dir / "entries.parquet").exists() else schema("entry").empty_table()
    events = _dataset(staging.files(run_dir, "events-"), schema("event"))
    extracted_files = [str(p) for p in staging.files(run_dir, "extracted-")]
    staged = {"stg_feed_results": feed_results, "stg_entries": entries, "stg_events": events}
    for name, obj in staged.items():
        con.register(name, obj)
    if extracted_files:  # DuckDB's own Parquet reader: texts are never materialised in Python
        con.read_parquet(extracted_files).create_view("stg_extracted", replace=True)
    else:
        con.register("stg_extracted", schema("extracted").empty_table())

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
    con.register("stg_failures", pa.Table.from_pylist(failures, schema=fail_schema))
    staged["stg_failures"] = None
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            _run(con, summary, "resolve_articles")
            _run(con, summary, "resolve_urls")
            new_counts = con.execute(sql("load/count_new_entries.sql")).to_arrow_table()
            con.register("stg_new_counts", new_counts)
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
            summary.new_entries = int(sum(new_counts.column("n").to_pylist())) if new_counts.num_rows else 0
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
            con.execute("COMMIT")
        except BaseException:
            rollback_quietly(con)
            raise
    finally:
        for name in [*staged, "stg_new_counts", "stg_extracted"]:
            try:
                con.unregister(name)
            except Exception:  # noqa: BLE001 - unregistering a name that was never registered
                pass
        con.execute("DROP VIEW IF EXISTS stg_extracted")
        con.execute("DROP TABLE IF EXISTS stg_resolution")
        con.execute("DROP TABLE IF EXISTS stg_urls")
    (run_dir / "LOADED").touch()
    return summary
