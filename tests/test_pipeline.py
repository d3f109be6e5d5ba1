"""End to end: the fixture web through a whole cycle, rows asserted in DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from presswatch import warehouse
from presswatch.opml import FeedSource
from presswatch.pipeline import run_cycle
from presswatch.sources import add_feeds

from tests.support import web as fixture_web

CONTENT_TABLES = ["feeds_content", "feed_entries", "articles", "article_urls", "article_revisions"]


def _add(settings, urls):
    with warehouse.writer(settings) as con:
        return add_feeds(con, [FeedSource(url=u, title=None, site_url=None, category=None,
                                          language=None) for u in urls])


def snapshot(path):
    """Content of the data tables (not the append-only logs), for identity checks."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        out["feeds"] = con.execute(
            "SELECT feed_id, url, title, status, etag, body_sha256 FROM feeds ORDER BY 1").fetchall()
        for t in ("feed_entries", "articles", "article_urls", "article_revisions"):
            rows = con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()  # noqa: S608
            out[t] = [tuple(tuple(v) if isinstance(v, list) else v for v in r) for r in rows]
        return out
    finally:
        con.close()


@pytest.fixture
def web_run(fixture_server, canary, settings_factory):
    web = fixture_web.build(fixture_server, canary)
    settings = settings_factory(fetch_timeout_s=1.5, max_bytes=2_000_000, extract_workers=2,
                                poll_interval_s=3600)
    _add(settings, list(web.feeds.values()))
    first = run_cycle(settings)
    return web, settings, first


def q(settings, query, params=None):
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_fixture_web_lands_once_with_reasons(web_run, fixture_server, canary):
    web, settings, first = web_run
    # every feed failure has its fixed reason
    status = dict(q(settings, "SELECT url, last_error FROM feeds WHERE status <> 'ok'"))
    assert status[web.feeds["missing"]] == "http_404"
    assert status[web.feeds["drip"]] == "timeout"
    assert status[web.feeds["huge"]] == "too_large"
    assert status[web.feeds["bomb"]] == "too_large"
    assert status[web.feeds["loop"]] == "redirect_loop"
    assert status[web.feeds["html"]] == "not_a_feed"
    assert status[web.feeds["to_canary"]] == "blocked_private_network"
    assert status[web.feeds["flaky"]] == "http_5xx"
    ok = {r[0] for r in q(settings, "SELECT url FROM feeds WHERE status = 'ok'")}
    assert {web.feeds[k] for k in ("conditional", "amp", "moved", "atom", "malformed")} <= ok

    # each page stored once, under its canonical URL; variants kept in article_urls
    urls = [r[0] for r in q(settings, "SELECT url FROM articles ORDER BY url")]
    assert len(urls) == len(set(urls))
    expected = {web.pages[k] for k in ("a1", "a2", "a3", "a4", "a5", "p1", "p2", "p3", "moved1", "sjis")}
    assert set(urls) == expected
    a1 = q(settings, "SELECT article_id FROM articles WHERE url = ?", [web.pages["a1"]])[0][0]
    # the AMP twin and the tracking-parameter link are one article, fetched once
    assert q(settings, "SELECT count(DISTINCT feed_id) FROM feed_entries WHERE article_id = ?", [a1])[0][0] == 2
    assert fixture_server.hits("/news/a1/") == 1 and fixture_server.hits("/news/a1/amp/") == 0
    # an AMP copy under another path is known by its canonical link; its URL is kept as a variant
    a5 = q(settings, "SELECT article_id FROM articles WHERE url = ?", [web.pages["a5"]])[0][0]
    variants = {r[0] for r in q(settings, "SELECT url FROM article_urls WHERE article_id = ?", [a5])}
    assert fixture_server.url("/amp/news/a5.html") in variants
    assert q(settings, "SELECT count(DISTINCT feed_id) FROM feed_entries WHERE article_id = ?", [a5])[0][0] == 2

    # Shift_JIS page with the charset only in a meta tag comes out as Japanese
    title, text, lang = q(settings, "SELECT title, text, language FROM articles WHERE url = ?",
                          [web.pages["sjis"]])[0]
    assert "処理水" in text and lang == "ja"

    # boilerplate stays out of the text
    a1_text = q(settings, "SELECT text FROM articles WHERE article_id = ?", [a1])[0][0]
    assert "a1: The city council approved" in a1_text
    assert "Reader comment" not in a1_text and "cookies" not in a1_text.lower()

    # dates keep their provenance
    assert {r[0] for r in q(settings, "SELECT DISTINCT date_source FROM articles")} <= {"feed", "page", "url", "none"}

    # page failures are rows with reasons, and so are the entries
    events = {(r[0], r[1]) for r in q(settings,
              "SELECT reason, outcome FROM fetch_events WHERE kind = 'page' AND reason IS NOT NULL")}
    assert ("not_html", "skipped") in events
    assert ("http_404", "failed") in events
    assert ("blocked_private_network", "failed") in events
    assert ("unsupported_scheme", "skipped") in events
    entry_reasons = {r[0] for r in q(settings, "SELECT page_reason FROM feed_entries WHERE article_id IS NULL")}
    assert {"not_html", "http_404", "blocked_private_network", "unsupported_scheme"} <= entry_reasons
    assert canary.hits == 0

    # atom paging followed with relative links resolved
    assert q(settings, "SELECT count(*) FROM feed_entries e JOIN feeds f USING (feed_id) WHERE f.url = ?",
             [web.feeds["atom"]])[0][0] == 3


@pytest.mark.slow
def test_second_run_is_identical_then_recovers(web_run, fixture_server, settings_factory):
    web, settings, first = web_run
    before = snapshot(settings.warehouse)
    again = run_cycle(settings)  # nothing is due: an immediate re-run changes nothing
    assert again.load.feeds_polled == 0
    assert snapshot(settings.warehouse) == before

    # --all: conditional GET answers 304 and nothing changes in the data
    hits = fixture_server.hits("/feeds/conditional.xml")
    run_cycle(settings, all_feeds=True)
    cond = fixture_server.requests("/feeds/conditional.xml")[hits:]
    assert cond and cond[0].headers.get("If-None-Match") == '"v1"'
    assert q(settings, "SELECT outcome FROM fetch_events WHERE url = ? ORDER BY fetched_at DESC LIMIT 1",
             [web.feeds["conditional"]])[0][0] == "not_modified"
    after = snapshot(settings.warehouse)
    # nothing stored changed; the only addition is the flaky feed's article, now reachable
    assert set(before["articles"]) <= set(after["articles"])
    assert {r[1] for r in set(after["articles"]) - set(before["articles"])} == {web.pages["flaky1"]}
    assert set(before["article_urls"]) <= set(after["article_urls"])
    assert q(settings, "SELECT status FROM feeds WHERE url = ?", [web.feeds["flaky"]])[0][0] == "ok"


@pytest.mark.slow
def test_updated_article_replaces_text_and_keeps_revision(fixture_server, canary, settings_factory):
    from tests.support.news import article_page, rss  # noqa: I001

    u = fixture_server.url
    fixture_server.route("/news/u.html", body=article_page("Original", fixture_web.paras("v1"), canonical="/news/u.html"))
    feed = fixture_server.route("/feeds/u.xml", body=rss([{"title": "Original", "link": u("/news/u.html"),
        "guid": "u-1", "date": "Fri, 20 Nov 2026 08:00:00 GMT", "updated": "2026-11-20T08:00:00Z"}]),
        content_type="application/rss+xml")
    settings = settings_factory(extract_workers=1)
    _add(settings, [feed])
    run_cycle(settings)
    fixture_server.route("/news/u.html", body=article_page("Corrected", fixture_web.paras("v2"), canonical="/news/u.html"))
    fixture_server.route("/feeds/u.xml", body=rss([{"title": "Corrected", "link": u("/news/u.html"),
        "guid": "u-1", "date": "Fri, 20 Nov 2026 08:00:00 GMT", "updated": "2026-11-20T10:00:00Z"}]),
        content_type="application/rss+xml")
    run_cycle(settings, all_feeds=True)
    rows = q(settings, "SELECT article_id, title, text, revision FROM articles")
    assert len(rows) == 1
    aid, title, text, revision = rows[0]
    assert title == "Corrected" and "v2:" in text and revision == 2
    old = q(settings, "SELECT revision, text FROM article_revisions WHERE article_id = ?", [aid])
    assert len(old) == 1 and old[0][0] == 1 and "v1:" in old[0][1]


def test_table_writer_compacts_small_row_groups(tmp_path) -> None:
    """Staged extraction files are written in small batches (bounded memory) and rewritten on
    close into large row groups, which the loader reads about twice as fast."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from presswatch import staging

    schema = pa.schema([("i", pa.int64()), ("text", pa.string())])
    with staging.TableWriter(tmp_path / "x.parquet", schema, 10, compact_rows=64) as out:
        for i in range(150):
            out.add({"i": i, "text": f"t{i}"})
    meta = pq.ParquetFile(tmp_path / "x.parquet").metadata
    assert [meta.row_group(k).num_rows for k in range(meta.num_row_groups)] == [64, 64, 22]
    assert pq.read_table(tmp_path / "x.parquet").column("i").to_pylist() == list(range(150))
    assert not list(tmp_path.glob("*.tmp*"))


def test_interleave_hosts_round_robin() -> None:
    from presswatch.pages import interleave_hosts

    pages = [{"url": f"http://127.0.0.1:{port}/a{i}"} for port in (8001, 8002, 8003)
             for i in range(3 if port != 8002 else 1)] + [{"url": "not a url at all"}]
    order = [p["url"] for p in interleave_hosts(pages)]
    assert sorted(order) == sorted(p["url"] for p in pages)  # each page once
    assert order[:4] == ["http://127.0.0.1:8001/a0", "http://127.0.0.1:8002/a0",
                         "http://127.0.0.1:8003/a0", "not a url at all"]
    assert order[4:] == ["http://127.0.0.1:8001/a1", "http://127.0.0.1:8003/a1",
                         "http://127.0.0.1:8001/a2", "http://127.0.0.1:8003/a2"]


@pytest.mark.slow
def test_fetch_and_extract_at_once_stages_what_the_two_stages_stage(
        fixture_server, canary, settings_factory) -> None:
    """The CLI cycle's streamed fetch+extract stages the same article rows and fetch events
    as the DAG's separate fetch and extract tasks (timing fields aside), with a tiny in-flight
    bound so that the fetch side really waits for extraction."""
    from presswatch import staging
    from presswatch.ids import new_run_id
    from presswatch.pages import extract_pages, fetch_and_extract_pages, fetch_pages, select_pages
    from presswatch.polling import plan_cycle, poll_feeds

    web = fixture_web.build(fixture_server, canary)
    settings = settings_factory(fetch_timeout_s=1.5, max_bytes=2_000_000, extract_workers=2,
                                poll_interval_s=3600)
    _add(settings, list(web.feeds.values()))
    staged = {}
    for mode in ("warm-up", "apart", "at once"):  # warm-up: the flaky feed's failure is used up
        run_id = new_run_id()
        with warehouse.writer(settings) as con:
            plan = plan_cycle(settings, con, run_id, all_feeds=True)
        poll_feeds(settings, plan.run_dir)
        if mode == "warm-up":
            staging.remove_run(plan.run_dir)
            continue
        with warehouse.writer(settings) as con:
            shards = select_pages(settings, con, plan.run_dir)
        assert shards == [0]
        if mode == "apart":
            fetched = fetch_pages(settings, plan.run_dir, 0)
            extracted = extract_pages(settings, plan.run_dir, 0)
        else:
            seen: list[str] = []
            fetched, extracted = fetch_and_extract_pages(
                settings, plan.run_dir, 0, lambda stage, n, seen=seen: seen.append(stage),
                fetched_all=lambda seen=seen: seen.append("fetched all"), in_flight=3)
            assert seen.count("fetch") == seen.count("extract") == fetched.items > 10
            assert "fetched all" in seen
        skip = {"fetched_at", "duration_ms", "html_gzip"}
        rows = staging.read_rows(plan.run_dir / "extracted-0.parquet")
        events = staging.read_rows(plan.run_dir / "events-fetch-0.parquet")
        staged[mode] = (
            sorted(tuple((k, str(v)) for k, v in r.items() if k not in skip) for r in rows),
            sorted(tuple((k, str(v)) for k, v in e.items() if k not in skip | {"run_id"})
                   for e in events),
            (fetched.items, fetched.ok, fetched.failed, fetched.reasons),
            (extracted.items, extracted.ok, extracted.failed, extracted.reasons))
        staging.remove_run(plan.run_dir)
    for a, b in zip(staged["apart"], staged["at once"], strict=True):
        if isinstance(a, list):
            for x, y in zip(a, b, strict=True):
                assert dict(x) == dict(y)
        assert a == b


def test_cycle_removes_a_loaded_run_left_by_a_crash(settings_factory) -> None:
    """A cycle killed after its load committed but before it removed its staged files leaves a
    LOADED run directory; the next cycle removes it (found by the crash-recovery test)."""
    settings = settings_factory()
    left = settings.staging / "20260101T000000Z-0000dead"
    left.mkdir(parents=True)
    (left / "extracted-0.parquet").write_bytes(b"")
    (left / "LOADED").write_text("20260101T000000Z-0000dead\n")
    run_cycle(settings)
    assert not left.exists()
