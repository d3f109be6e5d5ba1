"""Data-quality checks after a load: make a run visibly fail when something is systemically wrong.

A dead feed or one broken page is data (recorded with its reason), not a failure. These checks
look for the systemic cases: most feeds of a run failing, extraction empty for most pages,
no new article for days although feeds are active. Errors raise :class:`QualityError` (the DAG
fails the task without retrying: retrying will not fix data); warnings are logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger("presswatch.quality")


class QualityError(RuntimeError):
    """A systemic data problem; the message lists every failed check with its numbers."""


@dataclass(frozen=True)
class Thresholds:
    failing_feeds_share: float = 0.5  # error when more than this share of polled feeds failed
    min_feeds: int = 3  # ... and at least this many were polled
    empty_extraction_share: float = 0.5  # error when more than this share of stored pages is empty
    min_pages: int = 5
    stale_days: float = 3.0  # error when no new article for this long (with active feeds)
    failed_pages_share: float = 0.5  # warning only


@dataclass
class QualityReport:
    run_id: str
    numbers: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def enforce(self, logger: logging.Logger = log) -> dict[str, Any]:
        """Log the numbers and warnings; raise QualityError if any check failed."""
        logger.info("quality numbers for run %s: %s", self.run_id, self.numbers)
        for w in self.warnings:
            logger.warning("quality warning: %s", w)
        if self.errors:
            for e in self.errors:
                logger.error("quality check failed: %s", e)
            raise QualityError("; ".join(self.errors))
        return {**self.numbers, "warnings": len(self.warnings)}


def _one(con: Any, query: str, params: list[Any]) -> tuple:
    return con.execute(query, params).fetchone() or ()


def evaluate_run(con: Any, run_id: str, now: datetime | None = None,
                 limits: Thresholds | None = None) -> QualityReport:
    limits = limits or Thresholds()
    now = now or datetime.now(UTC)
    report = QualityReport(run_id)
    run = _one(con, "SELECT feeds_polled, feeds_failed, pages_fetched, pages_failed, articles_new "
                    "FROM runs WHERE run_id = ?", [run_id])
    if not run:
        report.warnings.append(f"run {run_id} is not in the warehouse (nothing was loaded)")
        return report
    polled, failed, fetched, pages_failed, new = (int(x or 0) for x in run)
    report.numbers.update(feeds_polled=polled, feeds_failed=failed, pages_fetched=fetched,
                          pages_failed=pages_failed, articles_new=new)

    if polled >= limits.min_feeds and failed > limits.failing_feeds_share * polled:
        reasons = con.execute(
            "SELECT reason, count(*) FROM fetch_events WHERE run_id = ? AND kind = 'feed' "
            "AND outcome = 'failed' GROUP BY reason ORDER BY 2 DESC, 1", [run_id]).fetchall()
        detail = ", ".join(f"{r or 'unknown'}={n}" for r, n in reasons)
        report.errors.append(f"most feeds failing: {failed} of {polled} polled feeds failed ({detail})")

    stored, empty = (int(x or 0) for x in _one(
        con, "SELECT count(*), count(*) FILTER (WHERE extraction_reason = 'extraction_empty') "
             "FROM articles WHERE first_run = ? OR updated_run = ?", [run_id, run_id]))
    report.numbers.update(articles_stored=stored, extraction_empty=empty)
    if stored >= limits.min_pages and empty > limits.empty_extraction_share * stored:
        report.errors.append(f"extraction empty for most pages: {empty} of {stored} articles "
                             "of this run have no text")

    if fetched + pages_failed >= limits.min_pages and pages_failed > (
            limits.failed_pages_share * (fetched + pages_failed)):
        report.warnings.append(f"{pages_failed} of {fetched + pages_failed} page fetches failed")

    active, dead = (int(x or 0) for x in _one(
        con, "SELECT count(*) FILTER (WHERE active), count(*) FILTER (WHERE active AND "
             "status = 'dead') FROM feeds", []))
    first_run, last_article = _one(
        con, "SELECT (SELECT min(started_at) FROM runs), (SELECT max(first_fetched_at) FROM articles)",
        [])
    report.numbers.update(active_feeds=active, dead_feeds=dead)
    if dead:
        report.warnings.append(f"{dead} of {active} active feeds are dead")
    stale = timedelta(days=limits.stale_days)
    if active and first_run is not None and now - first_run > stale:
        since = last_article or first_run
        if now - since > stale:
            days = (now - since).total_seconds() / 86400
            report.errors.append(f"no new articles for {days:.1f} days although {active} feeds "
                                 "are active")
    return report
