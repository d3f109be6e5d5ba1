"""The last stage of a cycle and the only writer: load one run's staged files into DuckDB in
one transaction, with bulk (Arrow/Parquet) inserts. Loading the same run twice changes nothing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from presswatch import reasons, staging
from presswatch.ids import stable_id
from presswatch.settings import Settings


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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _dataset(paths: list[Path], schema: Any) -> Any:
    import pyarrow.dataset as ds

    if not paths:
        return ds.dataset(schema.empty_table())
    return ds.dataset([str(p) for p in paths], schema=schema, format="parquet")


def resolve_articles(con: Any, rows: list[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Map each successfully extracted page to an article id.

    A page joins an existing article when any of its URLs (canonical, final, requested) is
    already known; otherwise it becomes a new article keyed by its canonical URL. Pages of one
    batch that resolve to the same article collapse to one (the longest text wins), so the
    insert never sees a key twice.
    """
    import pyarrow as pa

    candidates = sorted({u for r in rows for u in (r["canonical_url"], r["final_url"], r["url"]) if u})
    con.register("stg_candidates", pa.table({"url": pa.array(candidates, pa.string())}))
    try:
        from presswatch.warehouse import sql

        known = dict(con.execute(sql("load/known_urls.sql")).fetchall())
    finally:
        con.unregister("stg_candidates")
    resolution: dict[str, dict[str, Any]] = {}
    by_article: dict[int, list[dict[str, Any]]] = {}
    url_rows: dict[str, dict[str, Any]] = {}
    for r in rows:
        article_url = r["canonical_url"] or r["final_url"] or r["url"]
        aid = r["article_id"] or next(
            (known[u] for u in (r["canonical_url"], r["final_url"], r["url"]) if u in known), None)
        is_new = aid is None
        if aid is None:
            aid = stable_id(article_url)
        resolution[r["url"]] = {"url": r["url"], "article_id": aid, "article_url": article_url,
                                "is_new": is_new, "chosen": False, "changed": False}
        by_article.setdefault(aid, []).append(r)
        for kind, u in (("canonical", r["canonical_url"]), ("final", r["final_url"]),
                        ("requested", r["url"])):
            if u and u not in url_rows:
                url_rows[u] = {"url": u, "article_id": aid, "kind": kind}
    existing = {}
    if by_article:
        con.register("stg_ids", pa.table({"article_id": pa.array(list(by_article), pa.int64())}))
        try:
            existing = dict(con.execute(
                "SELECT a.article_id, a.content_hash FROM articles a "
                "JOIN stg_ids i ON i.article_id = a.article_id").fetchall())
        finally:
            con.unregister("stg_ids")
    for aid, group in by_article.items():
        best = max(group, key=lambda r: (r["text_len"] or 0, r["url"] == r["canonical_url"], r["url"]))
        res = resolution[best["url"]]
        res["chosen"] = True
        if aid in existing:
            res["is_new"] = False
            res["changed"] = existing[aid] != best["content_hash"]
        # a new article's row URL must be the winner's canonical URL
        res["article_url"] = best["canonical_url"] or best["final_url"] or best["url"]
    return list(resolution.values()), list(url_rows.values())


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
    extracted = _dataset(staging.files(run_dir, "extracted-"), schema("extracted"))
    events = _dataset(staging.files(run_dir, "events-"), schema("event"))

    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    cols = {c: ds.field(c) for c in ("url", "final_url", "canonical_url", "article_id", "outcome",
                                     "reason", "attempts", "content_hash")}
    cols["text_len"] = pc.utf8_length(ds.field("text"))  # texts stay on disk
    staged_rows = extracted.to_table(columns=cols).to_pylist()
    ok_rows = [r for r in staged_rows if r["outcome"] == reasons.OK and r["content_hash"]]
    resolution, url_rows = resolve_articles(con, ok_rows)
    failures = []
    for r in staged_rows:
        if r["outcome"] in (reasons.FAILED, reasons.SKIPPED):
            attempts = (r["attempts"] or 0) + 1
            page_status = "skipped" if r["outcome"] == reasons.SKIPPED else "failed"
            nxt = page_retry_at(attempts, r["reason"], now, settings.page_retry_limit)
            failures.append({"url": r["url"], "page_status": page_status,
                             "reason": r["reason"], "next_attempt_at": nxt})
        summary.pages_fetched += r["outcome"] == reasons.OK
        summary.pages_failed += r["outcome"] == reasons.FAILED
        if r["outcome"] in (reasons.FAILED, reasons.SKIPPED) and r["reason"]:
            summary.failures_by_reason[r["reason"]] = summary.failures_by_reason.get(r["reason"], 0) + 1

    res_schema = pa.schema([("url", pa.string()), ("article_id", pa.int64()),
                            ("article_url", pa.string()), ("is_new", pa.bool_()),
                            ("chosen", pa.bool_()), ("changed", pa.bool_())])
    fail_schema = pa.schema([("url", pa.string()), ("page_status", pa.string()),
                             ("reason", pa.string()),
                             ("next_attempt_at", pa.timestamp("us", tz="UTC"))])
    url_schema = pa.schema([("url", pa.string()), ("article_id", pa.int64()), ("kind", pa.string())])
    staged = {
        "stg_feed_results": feed_results, "stg_entries": entries, "stg_extracted": extracted,
        "stg_events": events,
        "stg_resolution": pa.Table.from_pylist(resolution, schema=res_schema),
        "stg_failures": pa.Table.from_pylist(failures, schema=fail_schema),
        "stg_urls": pa.Table.from_pylist(url_rows, schema=url_schema),
    }
    for name, obj in staged.items():
        con.register(name, obj)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            new_counts = con.execute(sql("load/count_new_entries.sql")).to_arrow_table()
            con.register("stg_new_counts", new_counts)
            con.execute(sql("load/update_feeds.sql"))
            con.execute(sql("load/insert_entries.sql"), [now, run_id])
            con.execute(sql("load/update_entries.sql"))
            con.execute(sql("load/touch_feed_new_entries.sql"), [now])
            con.execute(sql("load/insert_articles.sql"), [run_id])
            con.execute(sql("load/upsert_raw_pages.sql"))
            con.execute(sql("load/revise_articles.sql"), [now])
            con.execute(sql("load/update_articles.sql"), [run_id])
            con.execute(sql("load/insert_article_urls.sql"), [now])
            con.execute(sql("load/link_entries.sql"))
            con.execute(sql("load/record_page_failures.sql"))
            con.execute("INSERT INTO fetch_events SELECT * FROM stg_events")
            summary.events = con.execute("SELECT count(*) FROM stg_events").fetchone()[0]
            summary.new_entries = int(sum(new_counts.column("n").to_pylist())) if new_counts.num_rows else 0
            summary.articles_new = sum(1 for r in resolution if r["chosen"] and r["is_new"])
            summary.articles_updated = sum(1 for r in resolution if r["chosen"] and r["changed"])
            summary.duplicates_in_batch = sum(1 for r in resolution if not r["chosen"])
            fr = feed_results.to_pylist()
            summary.feeds_polled = len(fr)
            summary.feeds_not_modified = sum(r["outcome"] == reasons.NOT_MODIFIED for r in fr)
            summary.feeds_failed = sum(r["outcome"] == reasons.FAILED for r in fr)
            for r in fr:
                if r["outcome"] == reasons.FAILED and r["reason"]:
                    key = "feed:" + r["reason"]
                    summary.failures_by_reason[key] = summary.failures_by_reason.get(key, 0) + 1
            con.execute(sql("load/insert_run.sql"), [
                run_id, started, now, trigger, summary.feeds_polled, summary.feeds_not_modified,
                summary.feeds_failed, summary.new_entries, summary.pages_fetched,
                summary.pages_failed, summary.articles_new, summary.articles_updated,
                json.dumps(summary.as_dict(), sort_keys=True),
            ])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in [*staged, "stg_new_counts"]:
            try:
                con.unregister(name)
            except Exception:  # noqa: BLE001 - unregistering a name that was never registered
                pass
    (run_dir / "LOADED").touch()
    return summary
