"""Re-extract stored articles from their kept raw HTML (``presswatch reextract``)."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from presswatch.settings import Settings
from presswatch.warehouse import rollback_quietly


def reextract_articles(
    settings: Settings, con: Any, *, limit: int = 0, failed_only: bool = False,
    batch: int = 256,
) -> dict[str, int]:
    """Run extraction again on raw HTML; changed texts replace the stored one (old kept as a
    revision), exactly as an updated page would."""
    import pyarrow as pa

    from presswatch.extract import ExtractJob, extract_many
    from presswatch.pages import extracted_row
    from presswatch.schemas import schema
    from presswatch.warehouse import sql

    rows = con.execute(sql("queries/reextract_candidates.sql"), [failed_only, limit or None]).fetchall()
    seen = changed = 0
    now = datetime.now(UTC)
    res_schema = pa.schema([("url", pa.string()), ("article_id", pa.int64()),
                            ("article_url", pa.string()), ("is_new", pa.bool_()),
                            ("chosen", pa.bool_()), ("changed", pa.bool_())])
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        fetched = []
        for (aid, url, final_url, ctype, charset, html_gzip, fetched_at, etag, lm, feed_id,
             feed_title, _feed_content, feed_published) in chunk:
            fetched.append({"url": url, "final_url": final_url, "feed_id": feed_id,
                            "article_id": aid, "outcome": "ok", "reason": None, "attempts": 0,
                            "fetched_at": fetched_at, "content_type": ctype, "charset": charset,
                            "resp_etag": etag, "resp_last_modified": lm,
                            "feed_title": feed_title, "feed_published_at": feed_published,
                            "body": zlib.decompress(html_gzip)})
        jobs = [ExtractJob(body=f["body"], url=f["final_url"], header_charset=f["charset"],
                           feed_content_html=c[11], feed_title=f["feed_title"])
                for f, c in zip(fetched, chunk, strict=True)]
        results = extract_many(jobs, settings.workers)
        staged = [extracted_row(f, ex) for f, ex in zip(fetched, results, strict=True)]
        for s in staged:
            s["html_gzip"] = None
        old = dict(con.execute(
            "SELECT article_id, content_hash FROM articles WHERE article_id IN (SELECT unnest(?))",
            [[f["article_id"] for f in fetched]]).fetchall())
        resolution = [{"url": s["url"], "article_id": s["article_id"], "article_url": s["url"],
                       "is_new": False, "chosen": True,
                       "changed": old.get(s["article_id"]) != s["content_hash"]} for s in staged]
        seen += len(staged)
        changed += sum(r["changed"] for r in resolution)
        con.register("stg_extracted", pa.Table.from_pylist(staged, schema=schema("extracted")))
        con.register("stg_resolution", pa.Table.from_pylist(resolution, schema=res_schema))
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(sql("load/revise_articles.sql"), [now])
            con.execute(sql("load/update_articles.sql"), ["reextract"])
            con.execute("COMMIT")
        except BaseException:
            rollback_quietly(con)
            raise
        finally:
            con.unregister("stg_extracted")
            con.unregister("stg_resolution")
    return {"seen": seen, "changed": changed}
