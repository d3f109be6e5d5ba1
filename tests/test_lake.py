"""The DuckLake warehouse backend against a real PostgreSQL catalog (started here, on 127.0.0.1):
the same schema as the DuckDB file, MERGE-based keyed inserts, the commit token that turns two
overlapping writers into a commit conflict, bounded retries, and the fixture web ingested by four
loaders at once ending with the same articles and stories as the DuckDB-file run."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from presswatch import lake, lake_schema, staging, warehouse
from presswatch.ids import new_run_id
from presswatch.loading import load_run
from presswatch.opml import FeedSource
from presswatch.pipeline import run_cycle
from presswatch.postload import run_post_load
from presswatch.sources import add_feeds

from tests.support import web as fixture_web
from tests.support.postgres import PostgresServer, PostgresUnavailable

KEYS = {  # table -> natural key (PRIMARY KEY / UNIQUE in the DuckDB file, MERGE keys on the lake)
    "feeds": ["feed_id", "url"], "feed_entries": ["(feed_id, guid)"],
    "articles": ["article_id", "url"], "article_urls": ["url"],
    "article_revisions": ["(article_id, revision)"], "raw_pages": ["article_id"],
    "runs": ["run_id"], "story_links": ["article_id"], "story_signatures": ["article_id"],
    "topics": ["name"], "schema_migrations": ["version"],
}


@pytest.fixture(scope="session")
def postgres():
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def lake_settings(postgres, settings_factory, tmp_path):
    """``lake_settings(**overrides)``: Settings for a fresh lake (own database, own data dir)."""

    def make(**overrides):
        name = "lake_" + uuid.uuid4().hex[:12]
        dsn = postgres.create_database(name)
        values = {"warehouse": tmp_path / name / "presswatch.lake",
                  "lake": f"ducklake:postgres:{dsn}",
                  "lake_data_path": str(tmp_path / name / "data")}
        values.update(overrides)
        return settings_factory(**values)

    return make


def duplicates(con, table: str, key: str) -> int:
    return con.execute(f"SELECT count(*) - count(DISTINCT {key}) FROM {table}").fetchone()[0]  # noqa: S608


def assert_no_duplicates(con) -> None:
    for table, keys in KEYS.items():
        for key in keys:
            assert duplicates(con, table, key) == 0, f"duplicate {key} in {table}"


# -- schema and plumbing -------------------------------------------------------------------

def test_lake_schema_matches_the_file_schema(lake_settings, settings_factory, tmp_path):
    """Same tables, columns, types, NOT NULL and defaults; views and the story_outlet macro
    exist; only the constraints are gone (DuckLake has none)."""
    file_settings = settings_factory(warehouse=tmp_path / "file" / "w.duckdb")
    query = ("SELECT table_name, column_name, data_type, is_nullable, column_default "
             "FROM information_schema.columns WHERE table_catalog = ? AND table_name <> "
             "'lake_state' ORDER BY table_name, ordinal_position")
    with warehouse.writer(file_settings) as con:
        file_cols = con.execute(query, ["presswatch"]).fetchall()
        file_views = {r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    with warehouse.writer(lake_settings()) as con:
        assert isinstance(con, lake.LakeConnection)
        lake_cols = con.execute(query, [lake.ALIAS]).fetchall()
        lake_views = {r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = ?", [lake.ALIAS]).fetchall()}
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE database_name = ? "
                           "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
                           [lake.ALIAS]).fetchone()[0] == 0
        versions = [r[0] for r in con.execute(
            "SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        assert con.execute("SELECT story_outlet('Daily', 'www.example.org')").fetchone()[0] \
            == "example.org"
    def norm(cols):  # DuckLake reports defaults as quoted literals, a missing one as NULL
        return [(*c[:4], None if c[4] in (None, "NULL") else c[4].strip("'").lower())
                for c in cols]

    assert norm(lake_cols) == norm(file_cols)
    assert lake_views == file_views and {"stories", "topic_daily", "feed_health"} <= lake_views
    assert versions == [m[0] for m in warehouse.migrations()]


def test_sql_prefers_lake_variants_only_inside_a_lake_session(lake_settings):
    plain = warehouse.sql("load/insert_articles.sql")
    assert "MERGE" not in plain
    with warehouse.writer(lake_settings()):
        assert warehouse.sql("load/insert_articles.sql").lstrip().startswith("-- lake")
        assert warehouse.sql("load/update_feeds.sql") == warehouse.sql("load/update_feeds.sql")
    assert warehouse.sql("load/insert_articles.sql") == plain
    # every lake variant names a statement the DuckDB file has too
    root = warehouse.sql_dir()
    for path in [*(root / "lake" / "load").glob("*.sql"), *(root / "lake" / "queries").glob("*.sql")]:
        assert (root / path.relative_to(root / "lake")).exists(), path.name
    # every statement of the DuckDB file that needs a constraint has a lake variant
    for path in [*(root / "load").glob("*.sql"), *(root / "queries").glob("*.sql")]:
        code = "\n".join(line.split("--", 1)[0] for line in path.read_text().splitlines()).upper()
        if "ON CONFLICT" in code or "INSERT OR" in code:
            assert (root / "lake" / path.relative_to(root)).exists(), f"no lake variant of {path.name}"


def test_second_open_changes_nothing_and_readers_are_read_only(lake_settings):
    settings = lake_settings()
    with warehouse.writer(settings) as con:
        first = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('presswatch')").fetchone()[0]
    with warehouse.writer(settings) as con:  # migrated already: no new snapshot, no DDL
        assert con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('presswatch')").fetchone()[0] \
            == first
    with warehouse.reader(settings) as con, pytest.raises(duckdb.Error):
        con.execute("INSERT INTO runs (run_id, started_at, loaded_at) VALUES ('x', now(), now())")


def test_commit_token_turns_overlapping_inserts_into_a_conflict(lake_settings):
    """Without the token two transactions inserting the same key both commit (DuckLake only
    sees insert-vs-delete conflicts); with it the later one fails and a retry finds the row."""
    settings = lake_settings()
    merge = ("MERGE INTO runs t USING (SELECT ?::VARCHAR AS run_id) s ON t.run_id = s.run_id "
             "WHEN NOT MATCHED THEN INSERT (run_id, started_at, loaded_at) "
             "VALUES (s.run_id, now(), now())")
    with warehouse.writer(settings) as a, warehouse.writer(settings) as b:
        for con in (a.raw, b.raw):  # the plain DuckDB connections: no token
            con.execute("BEGIN TRANSACTION")
            con.execute(merge, ["r0"])
        a.raw.execute("COMMIT")
        b.raw.execute("COMMIT")  # DuckLake lets the second insert of r0 through
        a.execute("BEGIN TRANSACTION")
        b.execute("BEGIN TRANSACTION")
        a.execute(merge, ["r1"])
        b.execute(merge, ["r1"])
        a.execute("COMMIT")
        with pytest.raises(duckdb.Error) as err:
            b.execute("COMMIT")
        assert lake.is_conflict(err.value)

        attempts = []

        def unit():
            attempts.append(1)
            b.execute("BEGIN TRANSACTION")
            b.execute(merge, ["r1"])
            if len(attempts) == 1:  # another writer commits in between: this attempt loses
                a.execute("BEGIN TRANSACTION")
                a.execute(merge, ["r2"])
                a.execute("COMMIT")
            b.execute("COMMIT")

        warehouse.retry_conflicts(b, unit)
        assert len(attempts) == 2
        assert b.execute("SELECT run_id, count(*) FROM runs GROUP BY 1 ORDER BY 1").fetchall() \
            == [("r0", 2), ("r1", 1), ("r2", 1)]


def test_retry_is_bounded_and_only_for_conflicts():
    calls = []

    def conflict():
        calls.append(1)
        raise duckdb.TransactionException("Failed to commit DuckLake transaction. Transaction "
                                          "conflict - attempting to insert into table ...")

    with pytest.raises(duckdb.TransactionException):
        lake.retry(conflict, attempts=3, base_s=0.001)
    assert len(calls) == 3
    calls.clear()

    def broken():
        calls.append(1)
        raise duckdb.BinderException("Referenced column x not found")

    with pytest.raises(duckdb.BinderException):
        lake.retry(broken, attempts=3, base_s=0.001)
    assert len(calls) == 1
    calls.clear()

    def failed_commit():  # a commit that fails for another reason is not retried either
        calls.append(1)
        raise duckdb.TransactionException("Failed to commit: Failed to commit DuckLake "
                                          'transaction.\nunsupported type "NULL"')

    with pytest.raises(duckdb.TransactionException):
        lake.retry(failed_commit, attempts=3, base_s=0.001)
    assert len(calls) == 1


def test_file_migrations_without_constraints_keep_the_schema():
    """The fallback for a migration without a hand-written lake variant keeps every column,
    type, NOT NULL and default and drops only PRIMARY KEY/UNIQUE."""
    query = ("SELECT table_name, column_name, data_type, is_nullable, column_default "
             "FROM information_schema.columns ORDER BY ALL")
    original, stripped = duckdb.connect(), duckdb.connect()
    for _version, _name, path in warehouse.migrations():
        text = path.read_text(encoding="utf-8")
        original.execute(text)
        stripped.execute(lake_schema.without_constraints(text))
    assert stripped.execute(query).fetchall() == original.execute(query).fetchall()
    assert stripped.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type "
                            "IN ('PRIMARY KEY', 'UNIQUE')").fetchone()[0] == 0
    assert original.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type "
                            "IN ('PRIMARY KEY', 'UNIQUE')").fetchone()[0] > 0


# -- concurrent loads ----------------------------------------------------------------------

def staged_run(settings, name: str, urls: list[str]) -> Path:
    """A run directory with extracted pages, as the extract stage writes it."""
    from presswatch.ids import content_hash
    from presswatch.schemas import schema

    run_dir = settings.staging / name
    now = datetime.now(UTC)
    with staging.TableWriter(run_dir / "extracted-0.parquet", schema("extracted")) as out:
        for url in urls:
            text = f"Text of {url}. " + "harbour council budget " * 40
            out.add({"url": url, "final_url": url, "canonical_url": url, "feed_id": 1,
                     "outcome": "ok", "attempts": 0, "fetched_at": now, "title": url,
                     "text": text, "language": "en", "published_at": now, "date_source": "feed",
                     "authors": ["A"], "source": "Outlet", "domain": "127.0.0.1",
                     "extraction_method": "trafilatura", "extractor": "trafilatura 2.3.1",
                     "content_hash": content_hash(text), "word_count": len(text.split()),
                     "html_gzip": b"x"})
    staging.write_json(run_dir / "plan.json", {"created_at": now.isoformat()})
    return run_dir


def load_concurrently(settings, run_dirs: list[Path]) -> list:
    barrier = threading.Barrier(len(run_dirs))

    def one(run_dir: Path):
        with warehouse.writer(settings) as con:
            barrier.wait()
            return load_run(settings, con, run_dir, trigger="test")

    with ThreadPoolExecutor(len(run_dirs)) as pool:
        return list(pool.map(one, run_dirs))


@pytest.mark.slow
def test_four_loaders_with_overlapping_pages_store_each_article_once(lake_settings):
    settings = lake_settings()
    with warehouse.writer(settings):
        pass  # migrate once, so the loaders race on data and not on the first migration
    url = "http://127.0.0.1/a/{}.html".format
    runs = [staged_run(settings, f"run-{k}", [url(i) for i in range(k * 30, k * 30 + 60)])
            for k in range(4)]  # each run shares 30 pages with the next one
    before = lake.STATS["conflicts"]
    summaries = load_concurrently(settings, runs)
    assert sum(s.articles_new for s in summaries) == 150
    with warehouse.reader(settings) as con:
        assert con.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() \
            == (150, 150)
        assert con.execute("SELECT count(*) FROM article_urls").fetchone()[0] == 150
        assert con.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == 150
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 4
        assert_no_duplicates(con)
    assert lake.STATS["conflicts"] > before  # the loaders did race, and were retried
    # loading a run again changes nothing
    again = load_concurrently(settings, runs[:2])
    assert all(s.already_loaded for s in again)


def test_a_cli_cycle_runs_on_the_lake_and_a_rerun_adds_nothing(fixture_server, lake_settings):
    """presswatch run's code path (run_cycle: plan, poll, select, fetch, extract, load, stories,
    topics) on the lake; a second --all cycle re-polls (304s) and stores nothing twice."""
    from tests.support.news import article_page, rss

    u = fixture_server.url
    date = "Fri, 20 Nov 2026 08:00:00 GMT"
    for name in ("x1", "x2"):
        fixture_server.route(f"/news/{name}.html", body=article_page(
            f"Story {name}", fixture_web.paras(name), canonical=f"/news/{name}.html"))
    feed = fixture_server.conditional("/feeds/x.xml", rss([
        {"title": "Story x1", "link": u("/news/x1.html?utm_source=rss"), "date": date},
        {"title": "Story x2", "link": u("/news/x2.html"), "date": date}]),
        content_type="application/rss+xml")
    settings = lake_settings(extract_workers=1)
    _add_feeds(settings, [feed])
    first = run_cycle(settings)
    assert first.load.articles_new == 2 and first.post_load["stories"]["new_stories"] == 2
    again = run_cycle(settings, all_feeds=True)
    assert again.load.feeds_not_modified == 1 and again.load.articles_new == 0
    with warehouse.reader(settings) as con:
        assert con.execute("SELECT count(*) FROM articles WHERE story_id IS NOT NULL"
                           ).fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
        assert_no_duplicates(con)


def test_report_dag_tasks_run_on_the_lake(fixture_server, lake_settings, monkeypatch, tmp_path):
    """presswatch_report's tasks on a lake: views refreshed, nothing to publish (readers query
    the lake), the digest read straight from the lake."""
    from presswatch import airflow_tasks

    from tests.support.news import article_page, rss

    u = fixture_server.url
    fixture_server.route("/news/r1.html", body=article_page(
        "Story r1", fixture_web.paras("r1"), canonical="/news/r1.html"))
    feed = fixture_server.conditional("/feeds/r.xml", rss([
        {"title": "Story r1", "link": u("/news/r1.html"), "date": "Fri, 20 Nov 2026 08:00:00 GMT"}]),
        content_type="application/rss+xml")
    settings = lake_settings(extract_workers=1)
    _add_feeds(settings, [feed])
    assert run_cycle(settings).load.articles_new == 1
    monkeypatch.setenv("PRESSWATCH_WAREHOUSE", settings.lake)
    monkeypatch.setenv("PRESSWATCH_LAKE_DATA_PATH", settings.lake_data_path)
    monkeypatch.setenv("PRESSWATCH_REPORT_DIR", str(tmp_path / "reports"))
    assert airflow_tasks.refresh_derived()["articles"] == 1
    assert airflow_tasks.publish_snapshot() == {"published": False, "reason": "ducklake"}
    out = airflow_tasks.write_digests()
    assert out["day"] == "2026-11-20" and out["files"]
    assert all(Path(f).exists() for f in out["files"])


# -- the fixture web: four loaders against the DuckDB-file run ------------------------------

def _add_feeds(settings, urls) -> None:
    with warehouse.writer(settings) as con:
        add_feeds(con, [FeedSource(url=u, title=None, site_url=None, category=None,
                                   language=None) for u in urls])


def ingest_with_concurrent_loaders(settings, loaders: int) -> None:
    """plan -> poll -> select -> fetch -> extract for ``loaders`` runs over disjoint feed groups,
    then their loads at the same moment, then stories and topics once."""
    from presswatch.pages import extract_pages, fetch_pages, select_pages
    from presswatch.polling import plan_cycle, poll_feeds

    with warehouse.writer(settings) as con:
        feed_ids = [r[0] for r in con.execute("SELECT feed_id FROM feeds ORDER BY url").fetchall()]
        plans = [plan_cycle(settings, con, new_run_id(), all_feeds=True,
                            feed_ids=feed_ids[k::loaders]) for k in range(loaders)]
    with ThreadPoolExecutor(loaders) as pool:  # network stages of the runs side by side
        list(pool.map(lambda p: poll_feeds(settings, p.run_dir), plans))
    shards = {}
    with warehouse.writer(settings) as con:
        for p in plans:
            shards[p.run_id] = select_pages(settings, con, p.run_dir, shards=1)
    with ThreadPoolExecutor(loaders) as pool:
        list(pool.map(lambda p: [fetch_pages(settings, p.run_dir, s) for s in shards[p.run_id]],
                      plans))
    for p in plans:
        for s in shards[p.run_id]:
            extract_pages(settings, p.run_dir, s)
    summaries = load_concurrently(settings, [p.run_dir for p in plans])
    assert not any(s.already_loaded for s in summaries)
    with warehouse.writer(settings) as con:
        warehouse.retry_conflicts(con, lambda: run_post_load(con))


def content(con) -> dict[str, set]:
    return {
        "articles": set(con.execute("SELECT article_id, url, content_hash FROM articles").fetchall()),
        "urls": set(con.execute("SELECT url, article_id FROM article_urls").fetchall()),
        "stories": set(con.execute("SELECT article_id, story_id FROM articles").fetchall()),
        "links": set(con.execute("SELECT article_id, story_id, layer, matched_article_id "
                                 "FROM story_links").fetchall()),
        "entries": set(con.execute("SELECT feed_id, guid, article_id, page_status, page_reason "
                                   "FROM feed_entries").fetchall()),
        "feeds": set(con.execute("SELECT feed_id, url, status, last_error FROM feeds").fetchall()),
        "topic_matches": set(con.execute("SELECT topic, article_id FROM topic_matches").fetchall()),
    }


@pytest.mark.slow
def test_fixture_web_with_four_concurrent_loaders_matches_the_file_run(
        fixture_server, canary, settings_factory, lake_settings, tmp_path):
    options = {"fetch_timeout_s": 1.5, "max_bytes": 2_000_000, "extract_workers": 2,
               "poll_interval_s": 3600}
    web = fixture_web.build(fixture_server, canary)
    file_settings = settings_factory(warehouse=tmp_path / "file" / "presswatch.duckdb", **options)
    _add_feeds(file_settings, list(web.feeds.values()))
    run_cycle(file_settings)
    with warehouse.reader(file_settings) as con:
        expected = content(con)

    fixture_server.reset()  # the same URLs again, with fresh per-path state (the flaky feed)
    web = fixture_web.build(fixture_server, canary)
    settings = lake_settings(**options)
    _add_feeds(settings, list(web.feeds.values()))
    ingest_with_concurrent_loaders(settings, loaders=4)
    with warehouse.reader(settings) as con:
        got = content(con)
        assert_no_duplicates(con)
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 4
        # the views work on the lake too
        assert con.execute("SELECT sum(n_articles) FROM stories").fetchone()[0] \
            == len(got["articles"])
        assert con.execute("SELECT count(*) FROM feed_health").fetchone()[0] == len(web.feeds)
        assert con.execute("SELECT count(*) FROM topic_daily").fetchone()[0] >= 0
        assert con.execute("SELECT count(*) FROM articles_daily").fetchone()[0] >= 1
    assert canary.hits == 0
    assert {r[1] for r in got["articles"]} == {web.pages[k] for k in (
        "a1", "a2", "a3", "a4", "a5", "p1", "p2", "p3", "moved1", "sjis")}
    for key in ("articles", "urls", "stories", "links", "entries", "feeds", "topic_matches"):
        assert got[key] == expected[key], key
