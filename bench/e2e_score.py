"""Correctness of what a contender stored, against the synthetic web's ground truth.

Every stored row is mapped back to the page its URL stands for (any spelling: tracking
parameters, /r/ redirect links, canonical URLs) and from the page to its document (a
syndicated copy carries its original's document). Then:

* ``documents``: distinct fetchable documents stored; ``recall`` = documents / the web's;
* ``dup_variants``: extra rows of a page already stored under another URL spelling;
* ``dup_syndicated``: extra rows of a document already stored from another outlet's copy;
* ``bad_pages``: rows of pages that failed (4xx/5xx) or were oversized;
* ``text_ok``: share of a sample of rows whose text has the article's first and last paragraph
  and none of the reader comments.
"""

from __future__ import annotations

import random
from typing import Any

import duckdb
from synthetic import NewsWeb


def read_rows(db: str, presswatch: bool = False) -> list[tuple[Any, ...]]:
    con = duckdb.connect(db, read_only=True)
    try:
        query = ("SELECT url, text, story_id FROM articles" if presswatch
                 else "SELECT url, text, NULL FROM articles")
        return con.execute(query).fetchall()
    finally:
        con.close()


def score(web: NewsWeb, rows: list[tuple[Any, ...]], outlets: range | None = None,
          sample: int = 400) -> dict[str, Any]:
    truth = web.truth(outlets)
    by_doc: dict[int, list[tuple[Any, ...]]] = {}
    unmatched = bad = 0
    mapped = []
    for row in rows:
        page = web.page_of_url(row[0] or "")
        if page is None:
            unmatched += 1
            continue
        if page.kind in ("fail", "oversized"):
            bad += 1
            continue
        by_doc.setdefault(page.doc, []).append((page, row))
        mapped.append((page, row))
    variants = syndicated = grouped = 0
    for items in by_doc.values():
        pages = {p.number for p, _ in items}
        variants += len(items) - len(pages)
        syndicated += len(pages) - 1
        if len(pages) > 1 and len({r[2] for _, r in items}) == 1 and items[0][1][2] is not None:
            grouped += len(pages) - 1
    rng = random.Random(1)
    checked = rng.sample(mapped, min(sample, len(mapped)))
    ok = 0
    for page, row in checked:
        text = row[1] or ""
        body = web.body(page)
        if (body[0][:80] in text and body[-1][:80] in text
                and not any(c[:60] in text for c in web.comments(page))):
            ok += 1
    out = {
        "stored": len(rows), "documents": len(by_doc), "expected": truth["documents"],
        "recall": round(len(by_doc) / truth["documents"], 4) if truth["documents"] else 0,
        "duplicates": variants + syndicated, "dup_variants": variants,
        "dup_syndicated": syndicated, "bad_pages": bad, "unmatched": unmatched,
        "text_ok": round(ok / len(checked), 3) if checked else None,
    }
    if rows and rows[0][2] is not None:  # presswatch: syndicated copies in their original's story
        out["dup_syndicated_in_same_story"] = grouped
    return out
