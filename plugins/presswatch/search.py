"""The search index and ad-hoc search.

The index is our own inverted index in DuckDB (``search_docs``, ``search_terms``,
``search_postings``; migration 004), maintained batch by batch: a batch of new or changed
articles is tokenised in SQL into ``tmp_tag_*`` scratch tables (where topics are tagged, see
:mod:`presswatch.topics`), then appended to the index. Nothing is ever rebuilt, so keeping the
index current costs in proportion to the new articles, not the archive. DuckDB's FTS extension
is not used: its index is rebuilt from scratch on every change.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from presswatch import querylang
from presswatch.warehouse import rollback_quietly, sql

SNIPPET_CHARS = 240
# documents per tokenising statement: DuckDB keeps a whole vector's token lists (up to 2,048
# documents) in memory outside its limit; 250 cut a 2,000-article batch's peak by about 130 MB
# at no cost in time (the staged batch is scanned by one thread either way)
TOKENISE_DOCS = 250


def run_sql(con: Any, name: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Run every statement of ``sql/<name>`` (named parameters: each statement gets the
    ``$name`` values it uses); returns each statement's first row."""
    out = []
    for stmt in sql(name).split(";\n"):
        code = "\n".join(line for line in stmt.splitlines() if not line.lstrip().startswith("--"))
        if not code.strip().rstrip(";").strip():
            continue
        used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", code)}
        out.append(con.execute(code, used or None).fetchone())
    return out


# -- index maintenance -------------------------------------------------------------------

@dataclass
class StageInfo:
    docs: int = 0
    new: int = 0
    changed: int = 0
    tokens: int = 0


def pending_articles(con: Any) -> list[int]:
    """Article ids whose index entry is missing or stale."""
    return [r[0] for r in con.execute(sql("load/topics_pending_articles.sql")).fetchall()]


def stage_batch(con: Any, article_ids: Sequence[int]) -> StageInfo:
    """Tokenise a batch into the ``tmp_tag_*`` tables (the BATCH corpus of querylang)."""
    import pyarrow as pa

    con.register("stg_tag_ids", pa.table({"article_id": pa.array(list(article_ids), pa.int64())}))
    try:
        # the rowid range is looked up in this transaction, so it is exact even if a checkpoint
        # moved rows since the batch was chosen; it only keeps the read to those row groups
        lo, hi = con.execute(sql("load/topics_batch_rows.sql")).fetchone()
        run_sql(con, "load/topics_stage_docs.sql", {"lo": lo, "hi": hi})
    finally:
        con.unregister("stg_tag_ids")
    tokenise_staged(con)
    run_sql(con, "load/topics_stage_index.sql")
    row = con.execute(sql("load/topics_stage_counts.sql")).fetchone()
    return StageInfo(*row)


def tokenise_staged(con: Any, slice_docs: int = TOKENISE_DOCS) -> None:
    """Fill ``tmp_tag_tokens`` from ``tmp_tag_docs``, a slice of documents at a time."""
    run_sql(con, "load/topics_create_tokens.sql")
    for lo, hi in con.execute(sql("load/topics_token_slices.sql"), {"n": slice_docs}).fetchall():
        run_sql(con, "load/topics_stage_tokens.sql", {"lo": lo, "hi": hi})


def merge_batch(con: Any, now: datetime) -> None:
    """Append the staged batch to the search index (new and changed documents only)."""
    run_sql(con, "load/topics_merge_index.sql", {"now": now})


def drop_stage(con: Any) -> None:
    run_sql(con, "load/topics_drop_stage.sql")


def index_articles(con: Any, article_ids: Sequence[int] | None = None, *,
                   batch_size: int = 2_000) -> StageInfo:
    """Bring the index up to date without tagging (``presswatch.topics.tag_articles`` does both)."""
    ids = list(article_ids) if article_ids is not None else pending_articles(con)
    total = StageInfo()
    for k in range(0, len(ids), batch_size):
        con.execute("BEGIN TRANSACTION")
        try:
            info = stage_batch(con, ids[k:k + batch_size])
            merge_batch(con, datetime.now(UTC))
            drop_stage(con)
            con.execute("COMMIT")
        except BaseException:
            rollback_quietly(con)
            raise
        for f in ("docs", "new", "changed", "tokens"):
            setattr(total, f, getattr(total, f) + getattr(info, f))
    return total


# -- search ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchHit:
    article_id: int
    score: float
    title: str | None
    url: str
    domain: str
    source: str | None
    language: str | None
    published_at: datetime | None
    matched: tuple[str, ...]
    snippet: str
    highlights: tuple[tuple[int, int], ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["published_at"] = self.published_at.isoformat() if self.published_at else None
        return d


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: tuple[SearchHit, ...]
    elapsed_s: float


def search(con: Any, query: str, *, since: datetime | None = None,
           languages: Sequence[str] | None = None, limit: int = 20) -> SearchResult:
    """Ranked (BM25) search over the archive with highlighted snippets."""
    t0 = time.perf_counter()
    node = querylang.parse(query)
    compiled = querylang.compile_query(node, languages=languages, since=since, rank=True)
    rows = con.execute(compiled.sql, compiled.params).fetchall()
    top = rows[:max(0, limit)]
    details = {r[0]: r for r in con.execute(sql("load/topics_sample.sql"),
                                            [[r[0] for r in top]]).fetchall()}
    terms = querylang.highlight_terms(node)
    hits = []
    for article_id, _doc, matched, score in top:
        d = details.get(article_id)
        if d is None:
            continue
        text, spans = snippet(d[7] or "", terms)
        hits.append(SearchHit(article_id, round(float(score), 4), d[1], d[2], d[3], d[4], d[5],
                              d[6], tuple(matched), text, tuple(spans)))
    return SearchResult(query, len(rows), tuple(hits), time.perf_counter() - t0)


def count_matches(con: Any, query: str, *, since: datetime | None = None,
                  languages: Sequence[str] | None = None) -> tuple[int, list[int]]:
    """How many archive articles a query matches, and up to 10 of the best ranked."""
    compiled = querylang.compile_query(query, languages=languages, since=since, rank=True)
    rows = con.execute(compiled.sql, compiled.params).fetchall()
    return len(rows), [r[0] for r in rows[:10]]


def match_spans(text: str, terms: Sequence[querylang.Tok]) -> list[tuple[int, int]]:
    """Character spans of ``text`` where a query token matches (whole words; CJK substrings)."""
    if not terms or not text:
        return []
    norm = querylang.normalize(text)
    if len(norm) != len(text):
        return []
    exact = {t.term for t in terms if not t.prefix}
    prefixes = tuple(t.term for t in terms if t.prefix)
    spans = []
    for tok in querylang.tokenize(text):
        if tok.cjk:
            continue
        if tok.term in exact or (prefixes and tok.term.startswith(prefixes)):
            spans.append((tok.start, tok.end))
    cjk = {t.term for t in terms if querylang.is_cjk(ord(t.term[0]))}
    for piece in cjk:
        start = norm.find(piece)
        while start >= 0:
            spans.append((start, start + len(piece)))
            start = norm.find(piece, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def snippet(text: str, terms: Sequence[querylang.Tok], *, width: int = SNIPPET_CHARS,
            mark: tuple[str, str] = ("**", "**")) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around the densest cluster of matches, matches wrapped in ``mark``.

    Returns the marked snippet and the highlighted spans as offsets into it (markers excluded
    from the spans' text but included in the offsets)."""
    spans = match_spans(text, terms)
    if not spans:
        cut = text[:width]
        return (cut + ("…" if len(text) > width else "")).replace("\n", " "), []
    best, best_n = spans[0][0], 0
    for s, _ in spans:
        n = sum(1 for a, b in spans if s <= a and b <= s + width)
        if n > best_n:
            best, best_n = s, n
    start = max(0, best - width // 4)
    end = min(len(text), start + width)
    out, marks, cur = [], [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(text[cur:s])
        offset = sum(len(x) for x in out) + len(mark[0])
        out.append(mark[0] + text[s:e] + mark[1])
        marks.append((offset, offset + e - s))
        cur = e
    out.append(text[cur:end])
    prefix = "…" if start > 0 else ""
    body = "".join(out).replace("\n", " ")
    shifted = [(a + len(prefix), b + len(prefix)) for a, b in marks]
    return prefix + body + ("…" if end < len(text) else ""), shifted
