"""Stories: every article joins exactly one story, and the reason is recorded.

Articles are processed in time order (``coalesce(published_at, first_fetched_at)``, then
article_id). Each new article is compared with the already-assigned articles that the indexes
in DuckDB return as candidates, and joins the story of the best match of the first layer that
matches, in this order:

1. ``url``: same loose URL key (scheme, ``www.``/``m.``/``amp.``, ``/amp``, trailing slash,
   query order ignored) -- the same page under a URL variant ingest did not fold;
2. ``exact``: the same normalised words under another URL (a republication), unless both are
   on one outlet under different titles (paywall/teaser stubs);
3. ``near_duplicate``: MinHash Jaccard (or containment, for trimmed copies) above the
   thresholds, within the time window, and not vetoed by conflicting facts (another date,
   another ordinal, numbers that mostly disagree);
4. ``title``: same outlet, same normalised title, within a shorter window, some text overlap,
   and no fact veto.

Otherwise it starts its own story (layer ``self``, story_id = its article_id). Stories are never
merged or split afterwards, so ids are stable and a re-run changes nothing. An article whose
text changed keeps its story; its signature is rebuilt so later articles compare with the new
text.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from presswatch import fingerprints, similarity
from presswatch.fingerprints import Keys, as_utc
from presswatch.warehouse import rollback_quietly as _rollback

LAYERS = ("url", "exact", "near_duplicate", "title")


@dataclass(frozen=True)
class StoryConfig:
    """Thresholds (chosen on the labelled corpus, see docs/stories.md)."""

    min_tokens: int = 40  # shorter texts skip the exact and near-duplicate layers
    near_jaccard: float = 0.45  # MinHash Jaccard estimate at or above which copies match
    near_containment: float = 0.8  # ... or this much of the shorter text is in the longer
    near_containment_floor: float = 0.25  # ... with at least this Jaccard
    title_jaccard: float = 0.15  # text overlap the title layer still requires
    fact_veto: bool = True  # conflicting dates/ordinals/numbers block near_duplicate and title
    exact_window_days: float = 30.0  # url and exact layers
    near_window_days: float = 7.0
    title_window_days: float = 3.0
    batch_size: int = 2_000  # articles fingerprinted and decided per round trip (memory:
    # 10,000 articles' stories peak at about 400 MB with batches of 2,000, 560 MB with 10,000)
    parallel_from: int = 2000  # batches this large are fingerprinted on every core
    max_workers: int = 8

    @property
    def widest_s(self) -> float:
        return 86400.0 * max(self.exact_window_days, self.near_window_days, self.title_window_days)


@dataclass
class StoriesSummary:
    processed: int = 0  # articles that got a story in this call
    new_stories: int = 0
    joined: dict[str, int] = field(default_factory=dict)  # layer -> articles joined
    refreshed: int = 0  # changed texts re-indexed (story kept)
    candidates: int = 0  # candidate pairs examined
    elapsed_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Doc:
    article_id: int
    story_id: int | None
    at: datetime
    outlet: str
    url_key: int
    title_key: int | None  # outlet + normalised title
    fp: similarity.Fingerprint
    url_text: str = ""


@dataclass(frozen=True)
class Decision:
    article_id: int
    story_id: int
    layer: str
    similarity: float | None
    matched_article_id: int | None
    detail: str | None


def _decide_pair(new: _Doc, cand: _Doc, cfg: StoryConfig) -> tuple[str, float, str] | None:
    """The first layer by which ``new`` matches ``cand`` (layer, similarity, detail), or None."""
    dt = abs((new.at - cand.at).total_seconds()) / 86400.0
    if new.url_key == cand.url_key and dt <= cfg.exact_window_days:
        return "url", 1.0, f"same URL key {new.url_text}"
    a, b = new.fp, cand.fp
    same_text = a.text_key is not None and a.text_key == b.text_key
    if same_text and new.outlet == cand.outlet and new.title_key != cand.title_key:
        return None  # one outlet, one text, two titles: a paywall or teaser stub, not a copy
    if same_text and dt <= cfg.exact_window_days:
        return "exact", 1.0, f"same normalised text ({a.n_tokens} words)"
    j = similarity.jaccard(a.minhash, b.minhash) if (
        a.minhash is not None and b.minhash is not None) else 0.0
    c = similarity.containment(j, a.n_shingles, b.n_shingles) if j else 0.0
    near = dt <= cfg.near_window_days and (
        j >= cfg.near_jaccard or (c >= cfg.near_containment and j >= cfg.near_containment_floor))
    same_title = (new.title_key is not None and new.title_key == cand.title_key
                  and new.outlet == cand.outlet and dt <= cfg.title_window_days
                  and (j >= cfg.title_jaccard or min(a.n_tokens, b.n_tokens) < cfg.min_tokens))
    if not (near or same_title):
        return None
    facts = similarity.compare_facts(a.facts, b.facts)
    if cfg.fact_veto and facts.vetoes():
        return None
    detail = f"jaccard={j:.2f} containment={c:.2f} {facts.describe()}"
    return ("near_duplicate" if near else "title"), round(j, 4), detail


def decide(new: _Doc, candidates: list[_Doc], cfg: StoryConfig) -> Decision:
    best: tuple[int, float, datetime, int, _Doc, str] | None = None
    for cand in candidates:
        if cand.story_id is None:
            continue
        hit = _decide_pair(new, cand, cfg)
        if hit is None:
            continue
        layer, sim, detail = hit
        key = (LAYERS.index(layer), -sim, cand.at, cand.article_id)
        if best is None or key < best[:4]:
            best = (*key, cand, detail)
    if best is None:
        return Decision(new.article_id, new.article_id, "self", None, None, None)
    rank, neg_sim, _at, _aid, cand, detail = best
    assert cand.story_id is not None  # candidates without a story were skipped above
    return Decision(new.article_id, cand.story_id, LAYERS[rank], -neg_sim, cand.article_id, detail)


def _sig_tables(docs: list[_Doc], hashes: dict[int, str]) -> tuple[Any, Any]:
    import numpy as np
    import pyarrow as pa

    sig = pa.table({
        "article_id": pa.array([d.article_id for d in docs], pa.int64()),
        "content_hash": pa.array([hashes[d.article_id] for d in docs], pa.string()),
        "dated_at": pa.array([d.at for d in docs], pa.timestamp("us", tz="UTC")),
        "outlet": pa.array([d.outlet for d in docs], pa.string()),
        "url_key": pa.array([d.url_key for d in docs], pa.int64()),
        "text_key": pa.array([d.fp.text_key for d in docs], pa.int64()),
        "title_key": pa.array([d.title_key for d in docs], pa.int64()),
        "n_tokens": pa.array([d.fp.n_tokens for d in docs], pa.int32()),
        "n_shingles": pa.array([d.fp.n_shingles for d in docs], pa.int32()),
        "minhash": pa.array([None if d.fp.minhash is None else d.fp.minhash.astype("<u4").tobytes()
                             for d in docs], pa.binary()),
        "facts": pa.array([list(d.fp.facts) for d in docs], pa.list_(pa.string())),
        "story_id": pa.array([d.story_id for d in docs], pa.int64()),
    })
    banded = [i for i, d in enumerate(docs) if d.fp.bands]  # short texts have no bands
    n_bands = len(docs[banded[0]].fp.bands) if banded else 0
    rows = np.asarray(banded, dtype=np.int64)
    buckets = pa.table({
        "bucket": pa.array(np.array([docs[i].fp.bands for i in banded], dtype=np.int64).reshape(-1)
                           if banded else np.zeros(0, np.int64), pa.int64()),
        "article_id": pa.array(np.repeat(sig.column("article_id").to_numpy()[rows], n_bands),
                               pa.int64()),
        "dated_at": sig.column("dated_at").take(pa.array(np.repeat(rows, n_bands))),
    })
    return sig, buckets


def _doc_from_row(row: dict[str, Any], story_id: int | None) -> _Doc:
    fp = fingerprints.fingerprint_from_row(row)
    return _Doc(row["article_id"], story_id, as_utc(row["dated_at"]), row["outlet"], row["url_key"],
                row["title_key"], fp)


def _process_batch(con: Any, rows: list[dict[str, Any]], keyed: list[Keys], cfg: StoryConfig,
                   now: datetime, run_id: str | None, summary: StoriesSummary) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from presswatch.warehouse import sql

    docs: list[_Doc] = []
    hashes: dict[int, str] = {}
    for r, (fp, url_text, ukey, tkey) in zip(rows, keyed, strict=True):
        docs.append(_Doc(r["article_id"], r["story_id"], as_utc(r["dated_at"]), r["outlet"],
                         ukey, tkey, fp, url_text))
        hashes[r["article_id"]] = r["content_hash"]
    first, last = min(d.at for d in docs), max(d.at for d in docs)
    lo, hi = first - timedelta(seconds=cfg.widest_s), last + timedelta(seconds=cfg.widest_s)
    sig, buckets = _sig_tables(docs, hashes)
    old = [as_utc(r["signature_at"]) for r in rows if r["has_signature"]]
    con.register("stg_sig", sig)
    con.register("stg_buckets", buckets)
    try:
        if old:
            con.execute(sql("load/stories_delete_buckets.sql"), [min(old), max(old)])
            con.execute(sql("load/stories_delete_signatures.sql"))
            summary.refreshed += sum(1 for r in rows if r["story_id"] is not None)
        con.execute(sql("load/stories_insert_signatures.sql"), [now])
        con.execute(sql("load/stories_insert_buckets.sql"))
    finally:
        con.unregister("stg_sig")
        con.unregister("stg_buckets")

    pending = [d for d in docs if d.story_id is None]
    if not pending:
        return
    new_ids = {d.article_id for d in pending}
    stg_new = sig.filter(pc.is_in(sig.column("article_id"),
                                          value_set=pa.array(sorted(new_ids), pa.int64())))
    stg_new_buckets = buckets.filter(pc.is_in(
        buckets.column("article_id"), value_set=pa.array(sorted(new_ids), pa.int64())))
    con.register("stg_new", stg_new)
    con.register("stg_new_buckets", stg_new_buckets)
    try:
        params: list[Any] = []
        for days in (cfg.exact_window_days, cfg.title_window_days, cfg.near_window_days):
            span = timedelta(days=days)
            params += [first - span, last + span, span.total_seconds()]
        pairs = con.execute(sql("load/stories_candidates.sql"), params).fetchall()
    finally:
        con.unregister("stg_new")
        con.unregister("stg_new_buckets")
    summary.candidates += len(pairs)
    by_new: dict[int, set[int]] = {}
    for aid, cid in pairs:
        by_new.setdefault(aid, set()).add(cid)
    wanted = sorted({c for cs in by_new.values() for c in cs})
    known: dict[int, _Doc] = {}
    if wanted:
        con.register("stg_cand", pa.table({"article_id": pa.array(wanted, pa.int64())}))
        try:
            cur = con.execute(sql("load/stories_candidate_rows.sql"), [lo, hi])
            cols = [c[0] for c in cur.description]
            for values in cur.fetchall():
                row = dict(zip(cols, values, strict=True))
                known[row["article_id"]] = _doc_from_row(row, row["story_id"])
        finally:
            con.unregister("stg_cand")
    in_batch = {d.article_id: d for d in docs}
    decisions: list[Decision] = []
    for d in pending:  # already in time order
        cands = []
        for cid in sorted(by_new.get(d.article_id, ())):
            cand = in_batch.get(cid) or known.get(cid)
            if cand is not None and cand.story_id is not None:
                cands.append(cand)
        dec = decide(d, cands, cfg)
        d.story_id = dec.story_id  # later articles of this batch can now match it
        decisions.append(dec)
    _write_decisions(con, decisions, now, run_id, (first, last))
    summary.processed += len(decisions)
    counts = Counter(dec.layer for dec in decisions)
    summary.new_stories += counts.pop("self", 0)
    for layer, n in counts.items():
        summary.joined[layer] = summary.joined.get(layer, 0) + n


def _write_decisions(con: Any, decisions: list[Decision], now: datetime,
                     run_id: str | None, span: tuple[datetime, datetime]) -> None:
    import pyarrow as pa

    from presswatch.warehouse import sql

    links = pa.table({
        "article_id": pa.array([d.article_id for d in decisions], pa.int64()),
        "story_id": pa.array([d.story_id for d in decisions], pa.int64()),
        "layer": pa.array([d.layer for d in decisions], pa.string()),
        "similarity": pa.array([d.similarity for d in decisions], pa.float64()),
        "matched_article_id": pa.array([d.matched_article_id for d in decisions], pa.int64()),
        "detail": pa.array([d.detail for d in decisions], pa.string()),
    })
    con.register("stg_links", links)
    try:
        con.execute(sql("load/stories_set_story.sql"))
        con.execute(sql("load/stories_set_signature_story.sql"), list(span))
        con.execute(sql("load/stories_insert_links.sql"), [now, run_id])
    finally:
        con.unregister("stg_links")


def assign_stories(con: Any, *, run_id: str | None = None, settings: Any = None,
                   config: StoryConfig | None = None) -> StoriesSummary:
    """Give every article without a story its story, and re-index changed texts.

    Runs on ``con`` (the writer connection, after ``load_run``), one transaction per batch of
    ``config.batch_size`` articles: what a transaction holds in memory (its new signatures,
    buckets and story updates) then does not grow with the backlog, and an interrupted call
    keeps the batches it committed (the next call carries on from the first article without a
    story). With ``run_id`` only that run's updated articles are checked for changed text;
    without it, all of them. Idempotent: a second call finds nothing to do.

    The backlog is fingerprinted first, slice by slice in storage order (each slice's texts
    come from its own row groups), into a scratch table without texts; it is then decided in
    time order from that table. Reading texts in time order would read the whole table for
    every batch of a large backlog (measured: 150-250 MB more memory at 50,000 articles).
    """
    from presswatch.warehouse import sql

    del settings  # thresholds live in StoryConfig until they become settings
    cfg = config or StoryConfig()
    summary = StoriesSummary()
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    changed: list[dict[str, Any]] = []
    if run_id is None or con.execute(sql("load/stories_touched.sql"), [run_id]).fetchone()[0]:
        changed = fingerprints.fetch_rows(con, sql("load/stories_changed.sql"), [run_id])
    size = cfg.batch_size
    slices = con.execute(sql("load/stories_backlog_slices.sql"), {"n": size}).fetchall()
    fingerprinter = fingerprints.Fingerprinter(cfg, len(changed) + sum(n for _lo, _hi, n in slices))
    try:
        # changed texts first: their new signatures are what later articles compare with
        batches = [changed[i:i + size] for i in range(0, len(changed), size)]
        fingerprints.in_pipeline(fingerprinter, batches, lambda rows, keyed: _decide_batch(
            con, rows, keyed, cfg, now, run_id, summary))
        if slices:
            queued = fingerprints.queue_backlog(con, fingerprinter, slices)
            for k in range(0, queued, size):
                rows, keyed = fingerprints.backlog_batch(con, k, k + size)
                _decide_batch(con, rows, keyed, cfg, now, run_id, summary)
    finally:
        fingerprinter.close()
        con.execute(sql("load/stories_backlog_drop.sql"))  # no parameters: one call runs all
    summary.elapsed_s = round(time.perf_counter() - t0, 3)
    return summary


def _decide_batch(con: Any, rows: list[dict[str, Any]], keyed: list[Keys], cfg: StoryConfig,
                  now: datetime, run_id: str | None, summary: StoriesSummary) -> None:
    """Decide one batch in a transaction of its own."""
    if not rows:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        _process_batch(con, rows, keyed, cfg, now, run_id, summary)
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


