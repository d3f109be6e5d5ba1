"""The library side of the Airflow DAGs: one function per task.

Each function reads the settings itself, does one stage and returns only ids, counts and paths
(small JSON for XCom; article bodies never leave the staged Parquet files or DuckDB). Each logs
what it did in numbers, so a task's log answers "what happened" without opening the warehouse.

Only :func:`plan_run`, :func:`select_shards`, :func:`load_staged`, :func:`run_post_load` and the
report/maintenance functions touch DuckDB; the DAG puts those in the one-slot ``duckdb`` pool
and each takes the writer lock (waiting up to ``LOCK_WAIT_S``) so a concurrent ``presswatch run``
is waited for, never interleaved. Fetch and extract only read and write staged files.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from presswatch.settings import Settings

log = logging.getLogger("presswatch.airflow")

LOCK_WAIT_S = 600.0  # a CLI cycle may hold the writer lock for a while; then the task retries


def task_settings() -> Settings:
    """Settings for DAG tasks: Airflow runs stage into ``<staging>-airflow/`` so that a CLI cycle
    (which drops every unfinished run directory it finds in ``<staging>/``) never removes the
    files of an Airflow run that is between its plan and load tasks."""
    from presswatch.settings import load_settings

    settings = load_settings()
    return replace(settings, staging_dir=Path(str(settings.staging) + "-airflow"))


def child_processes_safe() -> Any:
    """Let process pools start inside an Airflow task (see presswatch.processes): the task's
    ``__main__`` is the ``airflow`` command, which children must not re-import."""
    from presswatch.processes import main_module_hidden

    return main_module_hidden()


def _run_dir(settings: Settings, run_dir: str) -> Path:
    path = Path(run_dir)
    if path.parent != settings.staging:
        raise ValueError(f"{run_dir} is not a run directory under {settings.staging}")
    return path


def _numbers(value: Any) -> dict[str, Any]:
    from presswatch.postload import counts_of

    return counts_of(value)


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"


# -- presswatch_ingest ----------------------------------------------------------------------

def plan_run(all_feeds: bool = False) -> dict[str, Any]:
    """Drop staged runs left by crashed DAG runs, pick the due feeds, stage the plan."""
    from presswatch import warehouse
    from presswatch.ids import new_run_id
    from presswatch.pipeline import finish_interrupted
    from presswatch.polling import plan_cycle

    settings = task_settings()
    run_id = new_run_id()
    with warehouse.writer(settings, wait_s=LOCK_WAIT_S) as con:
        dropped = finish_interrupted(settings, con)
        plan = plan_cycle(settings, con, run_id, all_feeds=all_feeds)
    log.info("run %s: %d feeds due, %d page retries owed, %d interrupted run(s) dropped",
             run_id, plan.feeds, plan.retry_pages, len(dropped))
    return {"run_id": run_id, "run_dir": str(plan.run_dir), "feeds": plan.feeds,
            "retry_pages": plan.retry_pages}


def poll_planned(run_dir: str) -> dict[str, Any]:
    """Poll the planned feeds (network only); feed results and entries go to staged files."""
    from presswatch.polling import poll_feeds

    settings = task_settings()
    s = poll_feeds(settings, _run_dir(settings, run_dir))
    log.info("feeds polled: %d, not modified (304/unchanged): %d, failed: %d, entries seen: %d; "
             "failures by reason: %s", s.feeds_polled, s.not_modified, s.failed, s.entries_seen,
             _reasons(s.reasons))
    return {"feeds_polled": s.feeds_polled, "not_modified": s.not_modified, "failed": s.failed,
            "entries_seen": s.entries_seen, "reasons": dict(s.reasons)}


def select_shards(run_dir: str, shards: int) -> list[int]:
    """Choose the pages owed a fetch and split them into shards (by host); return the shards."""
    from presswatch import staging, warehouse
    from presswatch.pages import select_pages

    settings = task_settings()
    directory = _run_dir(settings, run_dir)
    with warehouse.writer(settings, wait_s=LOCK_WAIT_S) as con:
        chosen = select_pages(settings, con, directory, shards=max(int(shards), 1))
    sizes = {s: len(staging.read_rows(directory / f"pages-{s}.parquet", ["url"])) for s in chosen}
    log.info("pages to fetch: %d in %d shard(s) %s", sum(sizes.values()), len(chosen), sizes)
    return [int(s) for s in chosen]


def fetch_shard(run_dir: str, shard: int) -> dict[str, Any]:
    """Fetch one shard's pages (network only); bodies go to a staged file, not to XCom."""
    from presswatch.pages import fetch_pages

    settings = task_settings()
    s = fetch_pages(settings, _run_dir(settings, run_dir), int(shard))
    log.info("shard %d: pages %d, fetched %d, not modified %d, failed %d, skipped %d; "
             "by reason: %s", shard, s.items, s.ok, s.not_modified, s.failed, s.skipped,
             _reasons(s.reasons))
    return {"shard": int(shard), "pages": s.items, "fetched": s.ok,
            "not_modified": s.not_modified, "failed": s.failed, "skipped": s.skipped}


def extract_shard(run_dir: str, shard: int) -> dict[str, Any]:
    """Extract one shard's fetched pages (CPU, a process pool on this worker)."""
    from presswatch.pages import extract_pages

    settings = task_settings()
    with child_processes_safe():
        s = extract_pages(settings, _run_dir(settings, run_dir), int(shard))
    empty = s.reasons.get("extraction_empty", 0)
    log.info("shard %d: pages %d, extracted %d, extraction empty %d; by reason: %s",
             shard, s.items, s.ok - empty, empty, _reasons(s.reasons))
    return {"shard": int(shard), "pages": s.items, "extracted": s.ok - empty,
            "extraction_empty": empty}


def load_staged(run_dir: str) -> dict[str, Any]:
    """Load the run's staged files in one transaction (the only writer), then drop them."""
    from presswatch import staging, warehouse
    from presswatch.loading import load_run

    settings = task_settings()
    directory = _run_dir(settings, run_dir)
    with warehouse.writer(settings, wait_s=LOCK_WAIT_S) as con:
        s = load_run(settings, con, directory, trigger="airflow")
    staging.remove_run(directory)
    log.info("run %s%s: feeds polled %d (not modified %d, failed %d), new entries %d, pages "
             "fetched %d (failed %d), articles %d new, %d updated; failures by reason: %s",
             s.run_id, " (already loaded)" if s.already_loaded else "", s.feeds_polled,
             s.feeds_not_modified, s.feeds_failed, s.new_entries, s.pages_fetched,
             s.pages_failed, s.articles_new, s.articles_updated, _reasons(s.failures_by_reason))
    out = _numbers(s)
    out["changed"] = not s.already_loaded and bool(
        s.feeds_polled or s.pages_fetched or s.pages_failed or s.articles_new or s.articles_updated)
    return out


def post_load_steps(con: Any, run_id: str | None) -> dict[str, Any]:
    """Stories and topic tagging after a load (presswatch.postload)."""
    from presswatch.postload import run_post_load as _post_load

    return _post_load(con, run_id)


def run_post_load(run_id: str) -> dict[str, Any]:
    """Assign stories and tag topics for what the last load stored (under the writer lock)."""
    from presswatch import warehouse

    with child_processes_safe(), warehouse.writer(task_settings(), wait_s=LOCK_WAIT_S) as con:
        # DuckLake: redone after a lost commit race (both steps are idempotent)
        return warehouse.retry_conflicts(con, lambda: post_load_steps(con, run_id))


def check_quality(run_id: str) -> dict[str, Any]:
    """Data-quality checks for one run; raises :class:`presswatch.quality.QualityError`."""
    from presswatch import warehouse
    from presswatch.quality import evaluate_run

    with warehouse.writer(task_settings(), wait_s=LOCK_WAIT_S) as con:
        report = evaluate_run(con, run_id)
    return report.enforce(log)


# -- presswatch_report ----------------------------------------------------------------------

def refresh_derived() -> dict[str, Any]:
    """Re-create the derived views (and anything stories/topics derive) in the warehouse."""
    from presswatch import warehouse

    with warehouse.writer(task_settings(), wait_s=LOCK_WAIT_S) as con:
        warehouse.refresh_views(con)
        row = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()
        views = row[0] if row else 0
        counts = warehouse.table_counts(con, ["feeds", "articles", "stories", "topic_matches"])
    log.info("views refreshed: %d; rows: %s", views, counts)
    return {"views": int(views), **counts}


def publish_snapshot() -> dict[str, Any]:
    """Publish the read-only snapshot analysts and the presswatch UI page read."""
    from presswatch.snapshot import publish

    settings = task_settings()
    if settings.lake:  # DuckLake readers already see committed snapshots while loads run
        log.info("DuckLake warehouse: nothing to publish, readers query the lake directly")
        return {"published": False, "reason": "ducklake"}
    return publish(settings, wait_s=LOCK_WAIT_S).as_dict()


# -- presswatch_maintenance -----------------------------------------------------------------

def prune_raw_html() -> dict[str, Any]:
    from presswatch.maintenance import prune_raw_html as prune

    return prune(task_settings(), wait_s=LOCK_WAIT_S)


def reextract_failed() -> dict[str, Any]:
    from presswatch.maintenance import reextract_failed as reextract

    with child_processes_safe():
        return reextract(task_settings(), wait_s=LOCK_WAIT_S)


def checkpoint() -> dict[str, Any]:
    from presswatch.maintenance import checkpoint as run_checkpoint

    return run_checkpoint(task_settings(), wait_s=LOCK_WAIT_S)


def export_parquet() -> dict[str, Any]:
    from presswatch.maintenance import export_parquet as export

    return export(task_settings(), wait_s=LOCK_WAIT_S)


# -- presswatch_report: daily digest and spike alerts (docs/digest.md) ----------------------

def write_digests(days: int = 2) -> dict[str, Any]:
    """Write the digest (HTML + Markdown) of the latest day with data and of the day before it
    (which is final once a new day has data) from the published snapshot, into
    PRESSWATCH_REPORT_DIR. Returns the file paths only."""
    from datetime import timedelta

    from presswatch import digest, digest_render, warehouse
    from presswatch.alerts import AlertConfig
    from presswatch.snapshot import snapshot_path

    settings = task_settings()
    cfg = AlertConfig.from_settings(settings)
    written: list[str] = []
    source = None if settings.lake else snapshot_path(settings)  # the lake is read directly
    with warehouse.reader(settings, source) as con:
        latest = digest.default_day(con)
        if latest is None:
            log.info("no articles yet: no digest written")
            return {"day": None, "files": []}
        for back in range(max(int(days), 1)):
            d = digest.gather(con, latest - timedelta(days=back), None, cfg)
            files = digest_render.write_digest(d, settings.reports)
            written += [str(files.html), str(files.markdown)]
            log.info("digest of %s: %d topics, spiking: %s -> %s", d.day, len(d.topics),
                     ", ".join(t.name for t in d.spikes) or "none", files.html)
    return {"day": latest.isoformat(), "files": written}


def _airflow_smtp_sender(conn_id: str = "smtp_default") -> str | None:
    """The connection's from_email when an Airflow SMTP connection ``conn_id`` exists, "" when
    it exists without one, None when there is no such connection."""
    try:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
    except Exception:  # not found, or no Airflow here: presswatch's own SMTP settings apply
        return None
    return str(conn.extra_dejson.get("from_email") or "")


def send_alerts() -> dict[str, Any]:
    """Detect spike events and deliver them: e-mail through the Airflow connection
    ``smtp_default`` when it exists (else presswatch's smtplib sender when PRESSWATCH_SMTP_HOST
    is set), and the webhook when PRESSWATCH_WEBHOOK_URL is set. Without either, spikes are only
    logged. Raises after recording when a delivery failed (the retry sends what is owed)."""
    from presswatch import alerts, delivery

    settings = task_settings()
    mailer = None
    path = "none"
    if settings.smtp_to:
        sender = _airflow_smtp_sender()
        if sender is not None:
            settings = replace(settings, smtp_from=settings.smtp_from or sender)
            mailer, path = delivery.AirflowSmtpMailer(settings), "airflow smtp_default"
        elif settings.smtp_host:
            path = f"smtplib {settings.smtp_host}:{settings.smtp_port}"
        else:
            log.warning("PRESSWATCH_SMTP_TO is set but there is no Airflow connection smtp_default "
                        "and no PRESSWATCH_SMTP_HOST: alerts are not e-mailed")
    senders, targets = delivery.senders_for(settings, smtp=path != "none",
                                            webhook_url=settings.webhook_url or None,
                                            mailer=mailer)
    run = alerts.run_alerts(settings, senders=senders, targets=targets, wait_s=LOCK_WAIT_S)
    log.info("alerts for %s: %d new event(s) %s, %d kept quiet by the cool-down; e-mail via %s, "
             "webhook %s: %d recorded, %d sent, %d failed", run.day,
             len(run.events), [e["event_id"] for e in run.events], len(run.suppressed), path,
             "on" if "webhook" in senders else "off", run.recorded, run.sent, run.failed)
    if run.failed:
        raise RuntimeError(f"{run.failed} alert deliveries failed: {'; '.join(run.errors)}")
    return {"day": run.day.isoformat() if run.day else None, "events": len(run.events),
            "recorded": run.recorded, "sent": run.sent, "channels": run.channels}
