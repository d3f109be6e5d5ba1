"""Fingerprints for stories: computed on every core one batch ahead, and for a large backlog
staged in a scratch table so that texts are read in storage order.

Reading a backlog's texts in time order (the order stories are decided in) would read the whole
``articles`` table for every batch, since one batch's articles are spread over every row group;
DuckDB then holds those blocks under its memory limit. So the backlog is read slice by slice in
storage order (each slice from its own row groups), fingerprinted, and the fingerprints (about
1 KB per article, no text) are queued in ``tmp_story_queue`` in time order, from which
:func:`presswatch.stories.assign_stories` decides them batch by batch (docs/stories.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from presswatch import similarity

if TYPE_CHECKING:
    from presswatch.stories import StoryConfig


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Keys = tuple[similarity.Fingerprint, str, int, "int | None"]


def fingerprint_chunk(rows: list[tuple[str, str, str | None, str | None, str]],
                      min_tokens: int) -> list[Keys]:
    """(fingerprint, URL key text, URL key, outlet+title key) of each (text, url, title, source,
    outlet) row: all the per-article work, so that it runs on every core for large batches."""
    out: list[Keys] = []
    for text, url, title, source, outlet in rows:
        url_text = similarity.url_key(url)
        title_hash = similarity.title_key(title, source)
        tkey = None if title_hash is None else similarity.signed64(
            f"{outlet}|{title_hash}".encode())
        out.append((similarity.fingerprint(text, min_tokens), url_text,
                    similarity.signed64(url_text.encode()), tkey))
    return out


Row = tuple[str, str, "str | None", "str | None", str]


def inputs(rows: list[dict[str, Any]]) -> list[Row]:
    return [(r["text"] or "", r["url"], r["title"], r["source"], r["outlet"]) for r in rows]


class Fingerprinter:
    """Fingerprints batches in this process, or -- for a large backlog such as the initial
    clustering -- on every core, one batch ahead: while this process decides batch i against
    DuckDB, the workers already fingerprint batch i + 1, so no core waits for the other."""

    def __init__(self, cfg: StoryConfig, backlog: int) -> None:
        self.cfg = cfg
        self.workers = min(os.cpu_count() or 1, cfg.max_workers)
        self.pool: Any = None
        if self.workers >= 2 and backlog >= cfg.parallel_from:
            from presswatch.processes import SafePool

            # forkserver, not fork: a forked child starts as a copy of this process (its DuckDB
            # buffers, the batch in hand), and touching those objects un-shares their pages
            self.pool = SafePool(self.workers)

    def submit(self, rows: list[Row]) -> Any:
        """Start fingerprinting ``rows``; the returned callable waits for the results."""
        if self.pool is None:
            return lambda: fingerprint_chunk(rows, self.cfg.min_tokens)
        step = max(1, -(-len(rows) // (self.workers * 4)))
        futures = [self.pool.submit(fingerprint_chunk, rows[i:i + step], self.cfg.min_tokens)
                   for i in range(0, len(rows), step)]
        return lambda: [keys for f in futures for keys in f.result()]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def fetch_rows(con: Any, query: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(query, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def in_pipeline(fingerprinter: Fingerprinter, batches: list[Any],
                use: Callable[[list[dict[str, Any]], list[Keys]], None]) -> None:
    """``use(rows, keys)`` for each batch (loaded by calling it when it is a callable), with
    the next batch already being fingerprinted while this one is used."""
    if not batches:
        return
    load = lambda b: b() if callable(b) else b  # noqa: E731
    rows = load(batches[0])
    ahead = fingerprinter.submit(inputs(rows))
    for i in range(len(batches)):
        keyed = ahead()
        following = load(batches[i + 1]) if i + 1 < len(batches) else None
        if following is not None:
            ahead = fingerprinter.submit(inputs(following))
        use(rows, keyed)
        rows = following or []


def queue_backlog(con: Any, fingerprinter: Fingerprinter,
                   slices: list[tuple[int, int, int]]) -> int:
    """Fingerprint the backlog slice by slice into ``tmp_story_queue``; returns its length."""
    from presswatch.warehouse import sql

    con.execute(sql("load/stories_backlog_create.sql"))
    insert = sql("load/stories_backlog_insert.sql")

    def store(rows: list[dict[str, Any]], keyed: list[Keys]) -> None:
        con.register("stg_backlog", backlog_table(rows, keyed))
        try:
            con.execute(insert)
        finally:
            con.unregister("stg_backlog")

    in_pipeline(fingerprinter, [lambda lo=lo, hi=hi: fetch_rows(
        con, sql("load/stories_backlog_rows.sql"), [lo, hi]) for lo, hi, _n in slices], store)
    return int(con.execute(sql("load/stories_backlog_queue.sql")).fetchone()[0])


def fingerprint_from_row(row: dict[str, Any],
                         bands: tuple[int, ...] = ()) -> similarity.Fingerprint:
    """A fingerprint back from a stored row (a signature or a queued article)."""
    import numpy as np

    blob = row["minhash"]
    return similarity.Fingerprint(
        n_tokens=row["n_tokens"], n_shingles=row["n_shingles"], text_key=row["text_key"],
        minhash=None if blob is None else np.frombuffer(blob, dtype="<u4"),
        bands=bands, facts=tuple(row["facts"] or ()))


def backlog_table(rows: list[dict[str, Any]], keyed: list[Keys]) -> Any:
    import pyarrow as pa

    fps = [k[0] for k in keyed]
    return pa.table({
        "article_id": pa.array([r["article_id"] for r in rows], pa.int64()),
        "dated_at": pa.array([as_utc(r["dated_at"]) for r in rows], pa.timestamp("us", tz="UTC")),
        "outlet": pa.array([r["outlet"] for r in rows], pa.string()),
        "content_hash": pa.array([r["content_hash"] for r in rows], pa.string()),
        "url_text": pa.array([k[1] for k in keyed], pa.string()),
        "url_key": pa.array([k[2] for k in keyed], pa.int64()),
        "title_key": pa.array([k[3] for k in keyed], pa.int64()),
        "text_key": pa.array([f.text_key for f in fps], pa.int64()),
        "n_tokens": pa.array([f.n_tokens for f in fps], pa.int32()),
        "n_shingles": pa.array([f.n_shingles for f in fps], pa.int32()),
        "minhash": pa.array([None if f.minhash is None else f.minhash.astype("<u4").tobytes()
                             for f in fps], pa.binary()),
        "facts": pa.array([list(f.facts) for f in fps], pa.list_(pa.string())),
        "bands": pa.array([list(f.bands) for f in fps], pa.list_(pa.int64())),
    })


def backlog_batch(con: Any, lo: int, hi: int) -> tuple[list[dict[str, Any]], list[Keys]]:
    """Rows and keys of queued articles ``lo < seq <= hi``, as ``_process_batch`` takes them."""
    from presswatch.warehouse import sql

    rows, keyed = [], []
    for r in fetch_rows(con, sql("load/stories_backlog_batch.sql"), [lo, hi]):
        rows.append({"article_id": r["article_id"], "story_id": None, "dated_at": r["dated_at"],
                     "outlet": r["outlet"], "content_hash": r["content_hash"],
                     "has_signature": False, "signature_at": None})
        fp = fingerprint_from_row(r, bands=tuple(r["bands"] or ()))
        keyed.append((fp, r["url_text"], r["url_key"], r["title_key"]))
    return rows, keyed
