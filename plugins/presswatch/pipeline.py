"""One monitoring cycle without Airflow: plan -> poll -> select -> fetch+extract -> load.

The Airflow DAG calls the same stage functions as separate tasks; this module strings them
together in one process for ``presswatch run`` and ``make demo``, holding the writer lock for
the whole cycle so that two cycles never interleave.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from presswatch import staging, warehouse
from presswatch.ids import new_run_id
from presswatch.loading import LoadSummary
from presswatch.settings import Settings

log = logging.getLogger("presswatch")


class ProgressSink:
    """Receives stage totals and increments (the CLI draws bars; the default does nothing)."""

    def start(self, stage: str, total: int) -> None: ...

    def advance(self, stage: str, n: int = 1) -> None: ...

    def finish(self, stage: str) -> None: ...


@dataclass
class CycleSummary:
    run_id: str
    load: LoadSummary
    timings_s: dict[str, float] = field(default_factory=dict)
    poll_reasons: dict[str, int] = field(default_factory=dict)
    post_load: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        s = self.load
        out = [
            f"run {self.run_id}",
            f"feeds polled: {s.feeds_polled} (not modified: {s.feeds_not_modified}, failed: {s.feeds_failed})",
            f"new entries: {s.new_entries}",
            f"pages fetched: {s.pages_fetched} (failed: {s.pages_failed})",
            f"articles: {s.articles_new} new, {s.articles_updated} updated",
        ]
        stories = self.post_load.get("stories") or {}
        topics = self.post_load.get("topics") or {}
        if stories or topics:
            out.append(f"stories: {stories.get('new_stories', 0)} new, "
                       f"{sum((stories.get('joined') or {}).values())} articles joined existing ones; "
                       f"topic matches: {topics.get('matches_added', topics.get('matches', 0))}")
        if s.failures_by_reason:
            reasons = ", ".join(f"{k}={v}" for k, v in sorted(s.failures_by_reason.items()))
            out.append(f"failures by reason: {reasons}")
        out.append("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.timings_s.items()))
        return out


def finish_interrupted(settings: Settings, con: Any) -> list[str]:
    """Staged runs left by a crash are dropped: their work is redone by the next cycle (nothing
    was committed for them, and feed validators were not advanced, so nothing is lost)."""
    dropped = []
    for d in staging.pending_runs(settings):
        loaded = con.execute("SELECT 1 FROM runs WHERE run_id = ?", [d.name]).fetchone()
        staging.remove_run(d)
        if not loaded:
            dropped.append(d.name)
    # a cycle killed after its load committed (marked LOADED) but before it cleaned up: the
    # data is in; stories and topics catch up on their own (they take whatever lacks them)
    for d in staging.loaded_runs(settings):
        staging.remove_run(d)
    return dropped


_DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)


def _disk_problem(exc: BaseException) -> str | None:
    """'No space left on device' (etc.) when ``exc`` (or what it was raised while handling,
    e.g. a ROLLBACK after a failed COMMIT) is a full or read-only disk, else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _DISK_ERRNOS:
            return os.strerror(current.errno)
        if type(current).__module__.split(".")[0] in ("duckdb", "_duckdb"):
            for number in _DISK_ERRNOS:
                if os.strerror(number) in str(current):
                    return os.strerror(number)
        current = current.__cause__ or current.__context__
    return None


@contextlib.contextmanager
def _disk_errors(settings: Settings, run_id: str) -> Iterator[None]:
    """A full (or read-only) disk becomes a clear WarehouseError instead of a traceback from
    pyarrow or DuckDB; what the run had staged is removed, freeing the space it took."""
    try:
        yield
    except Exception as exc:
        problem = _disk_problem(exc)
        if problem is None:
            raise
        staging.remove_run(settings.staging / run_id)
        raise warehouse.WarehouseError(
            f"the cycle stopped: {problem} (writing under {settings.warehouse.parent}). "
            "The warehouse keeps its last committed state; free some space and run again "
            "(the whole cycle is redone)."
        ) from exc


def run_cycle(
    settings: Settings, *, all_feeds: bool = False, progress: ProgressSink | None = None,
    trigger: str = "cli", wait_s: float = 0.0, run_id: str | None = None,
    after_load: Callable[[Any, LoadSummary], dict[str, Any]] | None = None,
    post_load: bool = True,
) -> CycleSummary:
    from presswatch.loading import load_run
    from presswatch.pages import fetch_and_extract_pages, select_pages
    from presswatch.polling import plan_cycle, poll_feeds

    progress = progress or ProgressSink()
    run_id = run_id or new_run_id()
    timings: dict[str, float] = {}

    def timed(stage: str, t0: float) -> None:
        timings[stage] = round(time.perf_counter() - t0, 3)

    with _disk_errors(settings, run_id), warehouse.writer_lock(settings, wait_s=wait_s):
        t0 = time.perf_counter()
        with warehouse.connect_unlocked(settings) as con:
            dropped = finish_interrupted(settings, con)
            if dropped:
                log.warning("dropped %d interrupted run(s): %s", len(dropped), ", ".join(dropped))
            plan = plan_cycle(settings, con, run_id, all_feeds=all_feeds)
        timed("plan", t0)

        t0 = time.perf_counter()
        progress.start("poll", plan.feeds)
        poll = poll_feeds(settings, plan.run_dir, lambda _s, n: progress.advance("poll", n))
        progress.finish("poll")
        timed("poll", t0)

        t0 = time.perf_counter()
        with warehouse.connect_unlocked(settings) as con:
            shards = select_pages(settings, con, plan.run_dir, shards=1)
        n_pages = sum(len(staging.read_rows(plan.run_dir / f"pages-{s}.parquet", ["url"]))
                      for s in shards)
        timed("select", t0)

        t0 = time.perf_counter()
        progress.start("fetch", n_pages)
        progress.start("extract", n_pages)
        fetched: set[int] = set()  # shards whose last page has arrived

        def shard_fetched(shard: int) -> None:
            fetched.add(shard)
            if len(fetched) == len(shards):  # the fetch bar ends when the last page arrived
                progress.finish("fetch")

        for shard in shards:  # pages are extracted while later ones download
            fetch_and_extract_pages(settings, plan.run_dir, shard, progress.advance,
                                    fetched_all=lambda s=shard: shard_fetched(s))
        if not shards:
            progress.finish("fetch")
        progress.finish("extract")
        timed("fetch+extract", t0)

        t0 = time.perf_counter()
        with warehouse.connect_unlocked(settings) as con:
            load = load_run(settings, con, plan.run_dir, trigger=trigger)
        timed("load", t0)
        t0 = time.perf_counter()
        extra: dict[str, Any] = {}
        if after_load:
            with warehouse.connect_unlocked(settings) as con:
                extra = warehouse.retry_conflicts(  # DuckLake: redone after a lost commit race
                    con, lambda: after_load(con, load))
        elif post_load:
            from presswatch.postload import run_post_load

            with warehouse.connect_unlocked(settings) as con:
                extra = warehouse.retry_conflicts(  # DuckLake: redone after a lost commit race
                    con, lambda: run_post_load(con, run_id))
        timed("stories+topics", t0)
        staging.remove_run(plan.run_dir)
    return CycleSummary(run_id=run_id, load=load, timings_s=timings, poll_reasons=poll.reasons,
                        post_load=extra or {})

