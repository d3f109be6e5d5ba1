"""Story assignment on a real DuckDB file: layers, must-not-merge, idempotence, updates, CLI."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from presswatch import warehouse
from presswatch.cli_stories import explain_command, parse_since, stories_command
from presswatch.stories import StoryConfig, assign_stories

ROOT = Path(__file__).resolve().parents[1]


def _eval_module() -> Any:
    spec = importlib.util.spec_from_file_location("eval_stories", ROOT / "bench" / "eval_stories.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["eval_stories"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


EVAL = _eval_module()
CORPUS = EVAL.load_corpus()
DOCS = CORPUS["documents"]


@pytest.fixture
def con(tmp_path: Path) -> Any:
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.migrate(c)
    yield c
    c.close()


def _doc(doc_id: str) -> dict[str, Any]:
    return next(d for d in DOCS if d["id"] == doc_id)


def _stories(con: Any) -> dict[int, int]:
    return dict(con.execute("SELECT article_id, story_id FROM articles").fetchall())


def test_migration_adds_story_tables(con: Any) -> None:
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'").fetchall()}
    assert "story_id" in cols
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"stories", "story_links", "story_signatures", "story_buckets", "story_articles"} <= tables


def test_corpus_meets_the_bar(tmp_path: Path) -> None:
    scores, summary = EVAL.evaluate(tmp_path / "eval.duckdb")
    assert scores.precision >= 0.98, scores.lines()
    assert scores.recall >= 0.95, scores.lines()
    assert scores.merged_must_not == [], scores.lines()
    assert scores.stories == scores.true_stories
    assert set(summary.joined) >= {"url", "exact", "near_duplicate", "title"}


def test_without_the_fact_veto_same_template_events_merge(tmp_path: Path) -> None:
    """The veto is what keeps the Fukushima rounds apart (their wording is ~90% identical)."""
    scores, _ = EVAL.evaluate(tmp_path / "noveto.duckdb", StoryConfig(fact_veto=False))
    assert scores.merged_must_not


def test_rerun_changes_nothing_and_ids_are_first_articles(con: Any) -> None:
    ids = EVAL.insert_documents(con, DOCS)
    first = assign_stories(con)
    assert first.processed == len(DOCS)
    links = con.execute("SELECT * EXCLUDE (decided_at) FROM story_links ORDER BY 1").fetchall()
    story = _stories(con)
    second = assign_stories(con)
    assert second.processed == 0 and second.refreshed == 0
    assert con.execute("SELECT * EXCLUDE (decided_at) FROM story_links ORDER BY 1").fetchall() == links
    assert _stories(con) == story
    # every story id is the article id of the story's first article, which links to itself
    for sid in set(story.values()):
        assert story[sid] == sid
        assert con.execute("SELECT layer FROM story_links WHERE article_id = ?", [sid]).fetchone()[0] == "self"
    wire, copy = ids["boj_hold-0"], ids["boj_hold-1"]
    assert story[wire] == story[copy] == wire


def test_incremental_equals_one_shot(tmp_path: Path) -> None:
    order = sorted(DOCS, key=lambda d: (d["published_at"] or d["fetched_at"]))
    results = []
    for split in (None, len(order) // 3):
        c = duckdb.connect(str(tmp_path / f"inc{split}.duckdb"))
        warehouse.migrate(c)
        if split is None:
            EVAL.insert_documents(c, order)
            assign_stories(c)
        else:
            EVAL.insert_documents(c, order[:split])
            assign_stories(c, run_id="r1")
            EVAL.insert_documents(c, order[split:], start_id=split + 1)
            assign_stories(c, run_id="r2")
        results.append(_stories(c))
        c.close()
    assert results[0] == results[1]


def test_updated_article_keeps_its_story_and_is_reindexed(con: Any) -> None:
    ids = EVAL.insert_documents(con, [_doc("ferry_sinking-0"), _doc("ferry_sinking-1")])
    assign_stories(con)
    before = _stories(con)
    new_text = _doc("ferry_sinking-1")["text"].replace("at least 12", "at least 15") + \
        "\n\nThe death toll rose to 15 on Monday evening after divers recovered three more bodies."
    con.execute("UPDATE articles SET text = ?, content_hash = ?, revision = 2, updated_run = 'r9' "
                "WHERE article_id = ?", [new_text, hashlib.sha256(new_text.encode()).hexdigest(),
                                         ids["ferry_sinking-1"]])
    summary = assign_stories(con, run_id="r9")
    assert summary.refreshed == 1 and summary.processed == 0
    assert _stories(con) == before
    assert con.execute("SELECT s.content_hash = a.content_hash FROM story_signatures s "
                       "JOIN articles a USING (article_id) WHERE article_id = ?",
                       [ids["ferry_sinking-1"]]).fetchone()[0]
    assert con.execute("SELECT count(*) FROM story_buckets WHERE article_id = ?",
                       [ids["ferry_sinking-1"]]).fetchone()[0] == 42
    assert assign_stories(con, run_id="r9").refreshed == 0


def test_same_template_rounds_stay_apart_within_the_window(con: Any) -> None:
    r2 = [d for d in DOCS if d["story"] == "fukushima_round:r2"]
    r3 = [d for d in DOCS if d["story"] == "fukushima_round:r3"]
    ids = EVAL.insert_documents(con, r2 + r3)
    assign_stories(con)
    story = _stories(con)
    assert {story[ids[d["id"]]] for d in r2}.isdisjoint({story[ids[d["id"]]] for d in r3})
    assert len({story[ids[d["id"]]] for d in r2}) == 1


def test_near_duplicates_outside_the_window_do_not_merge(con: Any) -> None:
    a, b = dict(_doc("boj_hold-0")), dict(_doc("boj_hold-3"))
    late = datetime.fromisoformat(a["published_at"]) + timedelta(days=40)
    b["published_at"] = b["fetched_at"] = late.isoformat()
    ids = EVAL.insert_documents(con, [a, b])
    assign_stories(con)
    story = _stories(con)
    assert story[ids[a["id"]]] != story[ids[b["id"]]]


def test_outlet_is_the_site_name_on_fixture_hosts(con: Any) -> None:
    a, b = dict(_doc("chile_vote-0")), dict(_doc("chile_vote-1"))
    for d, port in ((a, 8001), (b, 8002)):
        d["url"] = f"http://127.0.0.1:{port}/{d['id']}"
        d["domain"] = "127.0.0.1"
    EVAL.insert_documents(con, [a, b])
    assign_stories(con)
    assert con.execute("SELECT n_articles, n_outlets FROM stories").fetchall() == [(2, 2)]
    assert sorted(r[0] for r in con.execute("SELECT outlet FROM story_articles").fetchall()) == [
        "latin post", "wire"]


def test_representative_is_the_earliest(con: Any) -> None:
    docs = [d for d in DOCS if d["story"] == "eu_fine"]
    ids = EVAL.insert_documents(con, list(reversed(docs)))
    assign_stories(con)
    rep, n, outlets = con.execute(
        "SELECT representative_article_id, n_articles, n_outlets FROM stories "
        "WHERE story_id = (SELECT story_id FROM articles WHERE article_id = ?)",
        [ids["eu_fine-0"]]).fetchone()
    assert rep == ids[docs[0]["id"]] and n == len(docs) and outlets == 4  # two from one outlet


def test_cli_stories_and_explain(con: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = EVAL.insert_documents(con, DOCS)
    assign_stories(con)
    con.close()
    monkeypatch.setenv("PRESSWATCH_WAREHOUSE", str(tmp_path / "w.duckdb"))
    runner = CliRunner()
    res = runner.invoke(stories_command, ["--limit", "3"])
    assert res.exit_code == 0, res.output
    assert "BOJ keeps ultra-low rates" in res.output and "wire.example" in res.output
    res = runner.invoke(stories_command, ["--json", "--since", "2024-09-01"])
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert rows and all(r["last_seen"] >= "2024-09-01" for r in rows)
    res = runner.invoke(explain_command, [str(ids["boj_hold-5"])])
    assert res.exit_code == 0, res.output
    assert "layer url" in res.output and "started the story" in res.output
    res = runner.invoke(explain_command, [_doc("ferry_sinking-2")["url"], "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["article"]["layer"] == "near_duplicate"
    res = runner.invoke(explain_command, ["https://nowhere.example/x"])
    assert res.exit_code != 0 and "no article" in res.output
    res = runner.invoke(stories_command, ["--topic", "fukushima_water"])
    assert res.exit_code == 0 and "no stories for topic" in res.output


def test_parse_since() -> None:
    now = datetime(2024, 1, 10, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2024, 1, 3, tzinfo=UTC)
    assert parse_since("2024-01-01") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_since(None) is None


def test_fingerprinting_on_every_core_gives_the_same_stories(tmp_path: Path) -> None:
    """The initial-clustering path (worker pool, one batch ahead, small batches) decides exactly
    what the one-process path decides."""
    results = []
    for name, cfg in (("serial", StoryConfig(parallel_from=10**9)),
                      ("pool", StoryConfig(parallel_from=1, batch_size=7))):
        c = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        warehouse.migrate(c)
        EVAL.insert_documents(c, DOCS)
        summary = assign_stories(c, config=cfg)
        assert summary.processed == len(DOCS)
        results.append((_stories(c), c.execute(
            "SELECT article_id, layer, matched_article_id FROM story_links ORDER BY 1").fetchall()))
        c.close()
    assert results[0] == results[1]


def test_storage_order_does_not_change_stories(tmp_path: Path) -> None:
    """The backlog is fingerprinted in storage order (slices of row groups) and decided in time
    order: the same articles (same ids) stored in any order, in many small slices and batches,
    get the stories and links of a time-ordered, one-batch run."""
    import random

    by_time = sorted(DOCS, key=lambda d: (d["published_at"] or d["fetched_at"], d["id"]))
    rank = {d["id"]: n + 1 for n, d in enumerate(by_time)}
    shuffled = list(DOCS)
    random.Random(3).shuffle(shuffled)
    results = []
    for name, docs, cfg in (("time", by_time, StoryConfig(parallel_from=10**9, batch_size=10**6)),
                            ("shuffled", shuffled, StoryConfig(parallel_from=10**9, batch_size=5))):
        c = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        warehouse.migrate(c)
        for d in docs:  # one row at a time, in this order: rowid order is storage order
            EVAL.insert_documents(c, [d], start_id=rank[d["id"]])
        assign_stories(c, config=cfg)
        results.append(c.execute("SELECT article_id, story_id, layer, matched_article_id "
                                 "FROM story_links ORDER BY 1").fetchall())
        assert c.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'tmp_story%'"
                         ).fetchone()[0] == 0
        c.close()
    assert results[0] == results[1]
    assert len(results[0]) == len(DOCS)
