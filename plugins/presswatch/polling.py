"""Stage 1 and 2 of a cycle: plan which feeds are due (reads the warehouse), then poll them
(network only; results go to staged files, never to the database)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from presswatch import reasons, staging
from presswatch.schemas import schema
from presswatch.settings import Settings

Progress = Callable[[str, int], None]  # (stage, n_done_increment)


@dataclass(frozen=True)
class RunPlan:
    run_id: str
    run_dir: Path
    feeds: int
    retry_pages: int
    created_at: datetime


@dataclass
class PollSummary:
    feeds_polled: int = 0
    not_modified: int = 0
    failed: int = 0
    entries_seen: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def plan_cycle(
    settings: Settings, con: Any, run_id: str, *, all_feeds: bool = False,
    feed_ids: list[int] | None = None, now: datetime | None = None,
) -> RunPlan:
    """Pick the due feeds (or all active ones) and write ``plan-feeds.parquet``."""
    from presswatch.warehouse import sql

    now = now or datetime.now(UTC)
    rows = con.execute(sql("load/select_due_feeds.sql"), [all_feeds, now]).fetchall()
    cols = [d[0] for d in con.description]
    feeds = [dict(zip(cols, r, strict=True)) for r in rows]
    if feed_ids is not None:
        wanted = set(feed_ids)
        feeds = [f for f in feeds if f["feed_id"] in wanted]
    n = max(settings.force_refresh_polls, 1)
    for f in feeds:
        f["force_refresh"] = n > 1 and f["polls"] % n == n - 1 or n == 1
    directory = staging.run_dir(settings, run_id)
    staging.write_table(directory / "plan-feeds.parquet", feeds, schema("plan_feed"))
    retry = con.execute(sql("load/select_page_retries.sql"), [now]).fetchall()
    staging.write_json(directory / "plan.json", {
        "run_id": run_id, "created_at": now.isoformat(), "all_feeds": all_feeds,
        "feeds": len(feeds), "retry_pages": len(retry),
    })
    return RunPlan(run_id, directory, len(feeds), len(retry), now)


def _event(run_id: str, res: Any, feed_id: int | None, reason: str | None = None) -> dict[str, Any]:
    return {
        "run_id": run_id, "fetched_at": res.started_at, "kind": res.kind, "feed_id": feed_id,
        "url": res.url, "final_url": res.final_url, "http_status": res.status,
        "outcome": res.outcome, "reason": reasons.check(reason or res.reason),
        "bytes": res.bytes_received, "duration_ms": round(res.duration_s * 1000, 1),
        "redirects": len(res.redirects),
    }


def _entry_row(feed_id: int, e: Any) -> dict[str, Any]:
    from presswatch.urls import normalize_url

    return {
        "feed_id": feed_id, "guid": e.guid, "url": e.url or e.raw_url,
        "url_normalized": normalize_url(e.url) if e.url else None, "title": e.title,
        "summary": e.summary, "content_html": e.content_html, "authors": list(e.authors),
        "tags": list(e.tags), "published_at": e.published_at, "updated_at": e.updated_at,
        "date_problem": e.date_problem, "language": e.language,
        "url_problem": None if e.url and normalize_url(e.url) else url_problem(e.url or e.raw_url),
    }


def url_problem(raw: str | None) -> str:
    """The fixed reason for an entry link we will not fetch."""
    if not raw:
        return "bad_url"
    if len(raw) > 8192:
        return "url_too_long"
    scheme = raw.split(":", 1)[0].lower() if ":" in raw else ""
    if scheme and scheme not in ("http", "https"):
        return "unsupported_scheme"
    return "bad_url"


class FeedParser:
    """Runs ``parse_feed`` off the event loop, so the deadlines of the fetches in flight keep
    being enforced while a feed is parsed (feedparser costs about 1 ms per item, all of it
    holding the GIL): tiny documents in a thread, the others in a process pool started on first
    need, so that a cycle's feeds are parsed on every core (a thread would also starve the
    event loop of the GIL)."""

    BIG = 16 * 1024

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: Any = None

    async def parse(self, body: bytes, url: str, **kwargs: Any) -> Any:
        import functools

        from presswatch.feeds import ParsedFeed, parse_feed

        call = functools.partial(parse_feed, body, url, **kwargs)
        if len(body) < self.BIG:
            return await asyncio.to_thread(call)
        if self._pool is None:
            from presswatch.processes import SafePool

            self._pool = SafePool(self.workers)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        except Exception:  # noqa: BLE001 - a parser process died on this document
            return ParsedFeed(None, None, None, None, (), None, False, "not_a_feed")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


async def _poll_one(
    settings: Settings, fetcher: Any, parser: FeedParser, run_id: str, feed: dict[str, Any],
    now: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    from presswatch.scheduling import schedule_after_failure, schedule_after_success

    feed_id = feed["feed_id"]
    conditional = not feed["force_refresh"]
    res = await fetcher.fetch(
        feed["fetch_url"], "feed",
        etag=feed["etag"] if conditional else None,
        last_modified=feed["last_modified"] if conditional else None,
    )
    events: list[dict[str, Any]] = []
    entries: dict[str, dict[str, Any]] = {}
    result: dict[str, Any] = {
        "feed_id": feed_id, "polled_at": res.started_at, "outcome": res.outcome, "reason": res.reason,
        "http_status": res.status, "final_url": res.final_url, "permanent_url": None,
        "etag": res.etag or feed["etag"], "last_modified": res.last_modified or feed["last_modified"],
        "body_sha256": feed["body_sha256"], "feed_version": None, "title": None,
        "site_url": None, "language": None, "entries": 0, "retry_after_s": res.retry_after_s,
        "polls": feed["polls"] + 1,
    }
    event_reason = None
    if res.outcome == reasons.OK:
        if res.body_sha256 == feed["body_sha256"]:
            result["outcome"], event_reason = reasons.NOT_MODIFIED, "unchanged"
            result["reason"] = "unchanged"
        else:
            parsed = await parser.parse(res.body or b"", res.final_url,
                                        content_type=res.content_type, now=now,
                                        max_future_s=settings.max_future_s)
            if parsed.problem == "not_a_feed":
                result["outcome"], result["reason"] = reasons.FAILED, "not_a_feed"
                event_reason = "not_a_feed"
            else:
                event_reason = "malformed_feed" if parsed.malformed else None
                result.update(body_sha256=res.body_sha256, feed_version=parsed.version,
                              title=parsed.title, site_url=parsed.site_url,
                              language=parsed.language)
                for e in parsed.entries:
                    entries.setdefault(e.guid, _entry_row(feed_id, e))
                next_url, pages, seen = parsed.next_url, 1, {res.final_url}
                while next_url and pages < settings.feed_page_limit and next_url not in seen:
                    seen.add(next_url)
                    page_res = await fetcher.fetch(next_url, "feed")
                    pages += 1
                    if page_res.outcome != reasons.OK:
                        events.append(_event(run_id, page_res, feed_id))
                        break
                    more = await parser.parse(page_res.body or b"", page_res.final_url,
                                              content_type=page_res.content_type, now=now,
                                              max_future_s=settings.max_future_s)
                    events.append(_event(run_id, page_res, feed_id, more.problem))
                    if more.problem == "not_a_feed":
                        break
                    for e in more.entries:
                        entries.setdefault(e.guid, _entry_row(feed_id, e))
                    next_url = more.next_url
    events.insert(0, _event(run_id, res, feed_id, event_reason))
    result["entries"] = len(entries)
    if result["outcome"] in (reasons.OK, reasons.NOT_MODIFIED):
        sched = schedule_after_success(feed_id, result["polls"], now, settings.poll_interval_s)
    else:
        sched = schedule_after_failure(
            feed_id, result["polls"], feed["failures"], feed["consecutive_failures"],
            result["reason"], now, settings.poll_interval_s, res.retry_after_s)
    result.update(status=sched.status, failures=sched.failures,
                  consecutive_failures=sched.consecutive_failures, next_poll_at=sched.next_poll_at)
    return result, list(entries.values()), events


def poll_feeds(settings: Settings, run_dir: Path, progress: Progress | None = None) -> PollSummary:
    """Fetch and parse every planned feed; write feed results, entries and fetch events."""
    plan = staging.read_rows(run_dir / "plan-feeds.parquet")
    now = datetime.now(UTC)
    run_id = run_dir.name
    results, entries, events = asyncio.run(_poll_all(settings, run_id, plan, now, progress))
    staging.write_table(run_dir / "feed-results.parquet", results, schema("feed_result"))
    staging.write_table(run_dir / "entries.parquet", entries, schema("entry"))
    staging.write_table(run_dir / "events-poll.parquet", events, schema("event"))
    summary = PollSummary(feeds_polled=len(results), entries_seen=len(entries))
    for r in results:
        if r["outcome"] == reasons.NOT_MODIFIED:
            summary.not_modified += 1
        elif r["outcome"] != reasons.OK:
            summary.failed += 1
            summary.reasons[r["reason"]] = summary.reasons.get(r["reason"], 0) + 1
    return summary


async def _poll_all(
    settings: Settings, run_id: str, plan: list[dict[str, Any]], now: datetime,
    progress: Progress | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    from presswatch.fetcher import Fetcher

    results: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    parser = FeedParser(settings.workers)
    async with Fetcher(settings) as fetcher:
        async def one(feed: dict[str, Any]) -> None:
            r, e, ev = await _poll_one(settings, fetcher, parser, run_id, feed, now)
            results.append(r)
            entries.extend(e)
            events.extend(ev)
            if progress:
                progress("poll", 1)

        try:
            await asyncio.gather(*(one(f) for f in plan))
        finally:
            parser.close()
    results.sort(key=lambda r: r["feed_id"])
    entries.sort(key=lambda r: (r["feed_id"], r["guid"]))
    return results, entries, events
