"""The single-transaction load: staged article rows into the warehouse."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import duckdb
from presswatch import staging, warehouse
from presswatch.ids import content_hash
from presswatch.loading import load_run
from presswatch.schemas import schema


def _stage(settings, name: str, texts: dict[str, str], html: dict[str, bytes]):  # noqa: ANN001, ANN202
    run_dir = settings.staging / name
    now = datetime.now(UTC)
    with staging.TableWriter(run_dir / "extracted-0.parquet", schema("extracted"), 128,
                             compact_rows=2048) as out:
        for url, text in texts.items():
            out.add({"url": url, "final_url": url, "canonical_url": url, "feed_id": 1,
                     "outcome": "ok", "attempts": 0, "fetched_at": now, "title": url,
                     "text": text, "language": "en", "published_at": now, "date_source": "feed",
                     "authors": [], "source": "Outlet", "domain": "127.0.0.1",
                     "extraction_method": "trafilatura", "extractor": "trafilatura 2.3.1",
                     "content_hash": content_hash(text), "word_count": len(text.split()),
                     "html_gzip": html[url], "content_type": "text/html"})
    staging.write_json(run_dir / "plan.json", {"created_at": now.isoformat()})
    return run_dir


def _raw_pages(settings) -> dict[str, bytes]:  # noqa: ANN001
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return dict(con.execute("SELECT a.url, r.html_gzip FROM raw_pages r "
                                "JOIN articles a USING (article_id)").fetchall())
    finally:
        con.close()


def test_load_of_real_sized_compressed_html_fits_the_memory_limit(settings_factory, monkeypatch) -> None:
    """Compressed HTML does not compress again: 12,000 pages of 10 KB are 120 MB of blobs. With
    INSERT OR REPLACE the raw-page upsert held them all in memory and died over a 96 MB limit
    (20,000 pages of 9 KB did the same at the default 256 MB); a plain INSERT streams them."""
    monkeypatch.setenv("PRESSWATCH_DUCKDB_MEMORY_LIMIT", "96MB")
    settings = settings_factory()
    n = 12_000
    blobs = [os.urandom(10_000) for _ in range(16)]
    texts = {f"http://127.0.0.1/a/{i}.html": f"Story {i} about the harbour budget." for i in range(n)}
    html = {url: blobs[i % 16] for i, url in enumerate(texts)}
    with warehouse.writer(settings) as con:
        summary = load_run(settings, con, _stage(settings, "r1", texts, html), trigger="test")
    assert summary.articles_new == n
    stored = _raw_pages(settings)
    assert len(stored) == n and all(stored[url] == html[url] for url in texts)


def test_changed_article_replaces_its_raw_page_and_unchanged_keeps_it(settings_factory) -> None:
    settings = settings_factory()
    urls = ["http://127.0.0.1/a/1.html", "http://127.0.0.1/a/2.html"]
    first = {u: f"First version of {u}." for u in urls}
    with warehouse.writer(settings) as con:
        load_run(settings, con, _stage(settings, "r1", first, {u: b"old " + u.encode() for u in urls}),
                 trigger="test")
    second = {urls[0]: "A corrected version of the first story.", urls[1]: first[urls[1]]}
    with warehouse.writer(settings) as con:
        summary = load_run(settings, con, _stage(settings, "r2", second,
                                                 {u: b"new " + u.encode() for u in urls}),
                           trigger="test")
    assert summary.articles_updated == 1
    stored = _raw_pages(settings)
    assert stored == {urls[0]: b"new " + urls[0].encode(), urls[1]: b"old " + urls[1].encode()}
