"""Stages 3-5 of a cycle: choose the article pages owed a fetch (reads the warehouse), fetch
them (network only) and extract them (CPU, both cores). Each writes staged files per shard."""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from presswatch import reasons, staging
from presswatch.schemas import schema
from presswatch.settings import Settings

Progress = Callable[[str, int], None]


@dataclass
class StageSummary:
    items: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str, reason: str | None) -> None:
        self.items += 1
        if outcome == reasons.OK:
            self.ok += 1
        elif outcome == reasons.NOT_MODIFIED:
            self.not_modified += 1
        elif outcome == reasons.SKIPPED:
            self.skipped += 1
        else:
            self.failed += 1
        if reason:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1


def shard_of(url: str, shards: int) -> int:
    """Pages of one host land in one shard, so per-host politeness holds across workers."""
    host = (urlsplit(url).hostname or "").encode()
    return zlib.crc32(host) % max(shards, 1)


def select_pages(
    settings: Settings, con: Any, run_dir: Path, shards: int = 1, now: datetime | None = None,
) -> list[int]:
    """Write ``pages-<shard>.parquet`` for new, updated and retried entries; return the shards."""
    import pyarrow.parquet as pq

    from presswatch.warehouse import sql

    now = now or datetime.now(UTC)
    entries = pq.read_table(run_dir / "entries.parquet")
    con.register("stg_entries", entries)
    try:
        rows = con.execute(sql("load/select_pages.sql"), [now]).fetchall()
        cols = [d[0] for d in con.description]
        bad = con.execute(sql("load/select_bad_entry_urls.sql")).fetchall()
    finally:
        con.unregister("stg_entries")
    chosen: dict[str, dict[str, Any]] = {}
    priority = {"updated": 0, "new": 1, "retry": 2}
    for r in rows:
        page = dict(zip(cols, r, strict=True))
        old = chosen.get(page["url"])
        if old is None or priority[page["why"]] < priority[old["why"]]:
            chosen[page["url"]] = page
    by_shard: dict[int, list[dict[str, Any]]] = {}
    for url in sorted(chosen):
        page = chosen[url]
        page["shard"] = shard_of(url, shards)
        by_shard.setdefault(page["shard"], []).append(page)
    for old in staging.files(run_dir, "pages-"):
        old.unlink()
    for shard, pages in by_shard.items():
        staging.write_table(run_dir / f"pages-{shard}.parquet", pages, schema("page"))
    events = [{
        "run_id": run_dir.name, "fetched_at": now, "kind": "page", "feed_id": feed_id, "url": (raw or "")[:8192],
        "final_url": None, "http_status": None, "outcome": reasons.SKIPPED,
        "reason": problem, "bytes": 0, "duration_ms": 0.0, "redirects": 0,
    } for feed_id, raw, problem in bad]
    staging.write_table(run_dir / "events-select.parquet", events, schema("event"))
    return sorted(by_shard)


def fetch_pages(
    settings: Settings, run_dir: Path, shard: int, progress: Progress | None = None,
) -> StageSummary:
    """Fetch one shard's pages (conditional GET for known articles); stage bodies and events."""
    pages = staging.read_rows(run_dir / f"pages-{shard}.parquet")
    summary = StageSummary()
    fetched = staging.TableWriter(run_dir / f"fetched-{shard}.parquet", schema("fetched"), 64)
    events = staging.TableWriter(run_dir / f"events-fetch-{shard}.parquet", schema("event"))

    def keep(row: dict[str, Any]) -> None:
        fetched.add(row)
        if progress:
            progress("fetch", 1)

    with fetched, events:
        asyncio.run(_fetch_stream(settings, run_dir.name, pages, events, summary, keep))
    return summary


def interleave_hosts(pages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Pages round-robin over their hosts (``hostname:port``, the unit of politeness), so that a
    fixed set of fetch workers never queues behind one host's limit while others' pages wait."""
    from presswatch.politeness import host_key

    by_host: dict[str, deque[dict[str, Any]]] = {}
    for page in pages:
        try:
            key = host_key(page["url"])
        except Exception:  # noqa: BLE001 - a bad URL: the fetcher records why
            key = ""
        by_host.setdefault(key, deque()).append(page)
    queues = list(by_host.values())
    while queues:
        for q in queues:
            yield q.popleft()
        queues = [q for q in queues if q]


async def _fetch_stream(
    settings: Settings, run_id: str, pages: list[dict[str, Any]], events: Any,
    summary: StageSummary, on_fetched: Callable[[dict[str, Any]], None],
    gate: asyncio.Semaphore | None = None,
) -> None:
    """Fetch ``pages`` with ``settings.concurrency`` workers (bounded memory: no task per page);
    each fetched row goes to ``on_fetched``; with ``gate``, a worker takes a permit before
    each fetch (the consumer gives it back), so at most that many rows wait downstream."""
    from presswatch.fetcher import Fetcher

    todo = interleave_hosts(pages)
    async with Fetcher(settings) as fetcher:  # it applies global and per-host limits itself
        async def worker() -> None:
            for page in todo:  # shared iterator: next() never awaits, so workers never clash
                if gate is not None:
                    await gate.acquire()
                res = await fetcher.fetch(page["url"], "page", etag=page["etag"],
                                          last_modified=page["last_modified"])
                row = dict(page)
                row.update(final_url=res.final_url, outcome=res.outcome, reason=res.reason,
                           http_status=res.status, content_type=res.content_type,
                           charset=res.charset, resp_etag=res.etag,
                           resp_last_modified=res.last_modified, fetched_at=res.started_at,
                           body=res.body if res.outcome == reasons.OK else None)
                events.add({
                    "run_id": run_id, "fetched_at": res.started_at, "kind": "page",
                    "feed_id": page["feed_id"], "url": res.url, "final_url": res.final_url,
                    "http_status": res.status, "outcome": res.outcome, "reason": res.reason,
                    "bytes": res.bytes_received, "duration_ms": round(res.duration_s * 1000, 1),
                    "redirects": len(res.redirects),
                })
                summary.count(res.outcome, res.reason)
                on_fetched(row)

        await asyncio.gather(*(worker() for _ in range(max(1, min(settings.concurrency,
                                                                   len(pages))))))


def _pick_date(row: dict[str, Any], ex: Any) -> tuple[datetime | None, str]:
    if row.get("feed_published_at"):
        return row["feed_published_at"], "feed"
    if ex is not None and ex.published_at and ex.date_source:
        return ex.published_at, ex.date_source
    return None, "none"


def extracted_row(row: dict[str, Any], ex: Any) -> dict[str, Any]:
    """Combine a fetched page and its Extraction into the staged article row."""
    from presswatch.ids import content_hash
    from presswatch.urls import normalize_url, same_site, url_domain

    base = {k: row.get(k) for k in ("url", "final_url", "feed_id", "article_id", "outcome",
                                   "reason", "attempts", "fetched_at", "content_type")}
    base["header_charset"] = row.get("charset")
    if ex is None:
        return base
    final = normalize_url(row["final_url"]) or row["url"]
    canonical = normalize_url(ex.canonical_url, final) if ex.canonical_url else None
    if canonical and not same_site(canonical, final):
        canonical = None
    published, source = _pick_date(row, ex)
    text = ex.text or ""
    base.update(
        final_url=final, canonical_url=canonical, title=ex.title or row.get("feed_title"),
        text=text, language=ex.language, published_at=published, date_source=source,
        modified_at=ex.modified_at, authors=list(ex.authors), source=ex.source,
        domain=url_domain(canonical or final), description=ex.description,
        categories=list(ex.categories), tags=list(ex.tags), image=ex.image,
        http_etag=row.get("resp_etag"), http_last_modified=row.get("resp_last_modified"),
        extraction_method=ex.method, extraction_reason=ex.reason, extractor=ex.extractor,
        encoding=ex.encoding, content_hash=content_hash(text), word_count=ex.word_count,
        html_gzip=zlib.compress(row["body"], 6) if row.get("body") else None,
    )
    return base


def extract_job(row: dict[str, Any]) -> Any:
    """The ExtractJob for a fetched page row, or None when there is nothing to extract."""
    from presswatch.extract import ExtractJob

    if row["outcome"] != reasons.OK or not row["body"]:
        return None
    return ExtractJob(body=row["body"], url=row["final_url"] or row["url"],
                      header_charset=row["charset"], feed_content_html=row["feed_content_html"],
                      feed_title=row["feed_title"])


def extract_pages(
    settings: Settings, run_dir: Path, shard: int, progress: Progress | None = None,
    batch_rows: int = 256,
) -> StageSummary:
    """Extract every fetched page of a shard with a process pool; stage article rows."""
    from presswatch.extract import ExtractorPool

    summary = StageSummary()
    out = staging.TableWriter(run_dir / f"extracted-{shard}.parquet", schema("extracted"), 128,
                              compact_rows=2048)  # the loader reads large row groups faster
    fetched = run_dir / f"fetched-{shard}.parquet"
    import pyarrow.parquet as pq

    n_ok = 0
    if fetched.exists():
        n_ok = pq.read_table(fetched, columns=["outcome"]).column("outcome").to_pylist().count("ok")
    with out, ExtractorPool(settings.workers if n_ok > 4 else 1) as pool:
        for batch in staging.iter_batches(run_dir / f"fetched-{shard}.parquet", batch_rows):
            todo = [(r, job) for r in batch if (job := extract_job(r)) is not None]
            results = pool.map([job for _, job in todo]) if todo else []
            done = {id(r): ex for (r, _), ex in zip(todo, results, strict=True)}
            for r in batch:
                ex = done.get(id(r))
                out.add(extracted_row(r, ex))
                summary.count(r["outcome"], (ex.reason if ex else r["reason"]))
            if progress:
                progress("extract", len(batch))
    return summary


_FETCH_DONE = object()


def fetch_and_extract_pages(
    settings: Settings, run_dir: Path, shard: int, progress: Progress | None = None,
    fetched_all: Callable[[], None] | None = None, in_flight: int = 256,
) -> tuple[StageSummary, StageSummary]:
    """Fetch and extract one shard at once (the one-process cycle): while later pages download
    (an event loop in a thread), earlier ones are extracted on every core. At most ``in_flight``
    fetched pages wait in memory, whatever the shard's size. Stages the same article rows and
    fetch events as ``fetch_pages`` then ``extract_pages``, minus the fetched-bodies file that
    only ``extract_pages`` reads. ``fetched_all`` is called when the last page has arrived.
    Returns the (fetch, extract) summaries."""
    import queue
    import threading
    from concurrent.futures import Future

    from presswatch.extract import ExtractorPool

    pages = staging.read_rows(run_dir / f"pages-{shard}.parquet")
    fetch_summary, extract_summary = StageSummary(), StageSummary()
    handoff: queue.SimpleQueue[Any] = queue.SimpleQueue()
    started = threading.Event()
    loop_box: dict[str, Any] = {}
    events = staging.TableWriter(run_dir / f"events-fetch-{shard}.parquet", schema("event"))
    out = staging.TableWriter(run_dir / f"extracted-{shard}.parquet", schema("extracted"), 128,
                              compact_rows=2048)  # the loader reads large row groups faster

    async def fetch_all() -> None:
        gate = asyncio.Semaphore(max(in_flight, settings.concurrency))
        loop_box.update(loop=asyncio.get_running_loop(), gate=gate,
                        task=asyncio.current_task())
        started.set()
        await _fetch_stream(settings, run_dir.name, pages, events, fetch_summary, handoff.put,
                            gate)

    def fetching() -> None:
        try:
            asyncio.run(fetch_all())
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            handoff.put(exc)
        finally:
            started.set()
            handoff.put(_FETCH_DONE)

    waiting: deque[tuple[dict[str, Any], Future[Any] | None]] = deque()

    def release() -> None:
        """Give the fetch workers a permit back (nothing to do once they have all finished)."""
        with contextlib.suppress(RuntimeError):  # the loop closed: every page is in
            loop_box["loop"].call_soon_threadsafe(loop_box["gate"].release)

    def write_ready(wait_first: bool) -> None:
        while waiting and (wait_first or waiting[0][1] is None or waiting[0][1].done()):
            wait_first = False
            row, future = waiting.popleft()
            ex = future.result() if future is not None else None
            out.add(extracted_row(row, ex))
            extract_summary.count(row["outcome"], ex.reason if ex else row["reason"])
            release()
            if progress:
                progress("extract", 1)

    fetcher = threading.Thread(target=fetching, name="presswatch-fetch", daemon=True)
    with events, out, ExtractorPool(settings.workers if len(pages) > 4 else 1) as pool:
        fetcher.start()
        started.wait()
        try:
            while True:
                try:
                    item = handoff.get(timeout=0.05)
                except queue.Empty:
                    write_ready(False)
                    continue
                if item is _FETCH_DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                job = extract_job(item)
                waiting.append((item, pool.submit(job) if job is not None else None))
                if progress:
                    progress("fetch", 1)
                write_ready(False)
            if fetched_all:
                fetched_all()
            while waiting:
                write_ready(True)
        except BaseException:
            task, loop = loop_box.get("task"), loop_box.get("loop")
            if task is not None and loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(task.cancel)
            fetcher.join(timeout=10)
            raise
        fetcher.join()
    return fetch_summary, extract_summary
