"""Ad-hoc search: ranking, filters, highlighted snippets, and the CLI commands."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner
from presswatch import search, topics, warehouse
from presswatch.cli_topics import search_cmd, topics_group

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("eval_topics", ROOT / "bench/eval_topics.py")
EVAL = importlib.util.module_from_spec(spec)
spec.loader.exec_module(EVAL)

ARTICLES = [
    {"id": 1, "title": "Fukushima treated water release", "lang": "en", "domain": "a.com",
     "day": "2024-05-01",
     "text": "Treated water from Fukushima was released. The water release will continue. Water."},
    {"id": 2, "title": "Budget news", "lang": "en", "domain": "b.com", "day": "2024-05-02",
     "text": "A long budget article. " * 30 + "It mentions Fukushima water once."},
    {"id": 3, "title": "処理水の放出", "lang": "ja", "domain": "nhk.or.jp", "day": "2024-05-03",
     "text": "東京電力は福島第一原発の処理水を海に放出した。"},
    {"id": 4, "title": "Waterfront", "lang": "en", "domain": "c.com", "day": "2023-01-01",
     "text": "The waterfront is busy."},
]


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.migrate(c)
    EVAL.insert_articles(c, ARTICLES)
    topics.tag_articles(c)
    yield c
    c.close()


def test_ranking_and_snippets(con):
    res = search.search(con, "fukushima water")
    assert res.total == 2
    assert [h.article_id for h in res.hits] == [1, 2]
    assert res.hits[0].score > res.hits[1].score > 0
    top = res.hits[0]
    assert "**Fukushima**" in top.snippet and "**water**" in top.snippet.lower()
    for a, b in top.highlights:
        assert top.snippet[a - 2:a] == "**" and top.snippet[b:b + 2] == "**"
    assert "**Fukushima**" in res.hits[1].snippet and res.hits[1].snippet.startswith("…")
    assert res.hits[0].as_dict()["published_at"].startswith("2024-05-01")


def test_cjk_snippet_and_filters(con):
    res = search.search(con, "処理水")
    assert [h.article_id for h in res.hits] == [3]
    assert "**処理水**" in res.hits[0].snippet
    assert search.search(con, "water* OR 処理水", languages=["ja"]).total == 1
    since = datetime(2024, 1, 1, tzinfo=UTC)
    assert {h.article_id for h in search.search(con, "water*", since=since).hits} == {1, 2}
    assert search.search(con, "water*", limit=1).total == 3
    assert len(search.search(con, "water*", limit=1).hits) == 1


def test_snippet_without_match_and_whole_words():
    text, spans = search.snippet("x" * 500, [])
    assert text.endswith("…") and spans == []
    from presswatch.querylang import highlight_terms, parse
    text, _ = search.snippet("Waterfront and water.", highlight_terms(parse("water")))
    assert text == "Waterfront and **water**."
    text, _ = search.snippet("Waterfront and water.", highlight_terms(parse("water*")))
    assert text == "**Waterfront** and **water**."


def _warehouse(tmp_path, monkeypatch):
    db = tmp_path / "cli" / "presswatch.duckdb"
    db.parent.mkdir()
    monkeypatch.setenv("PRESSWATCH_WAREHOUSE", str(db))
    c = duckdb.connect(str(db))
    warehouse.migrate(c)
    EVAL.insert_articles(c, ARTICLES)
    c.close()
    return db


def test_cli_commands(tmp_path, monkeypatch):
    _warehouse(tmp_path, monkeypatch)
    runner = CliRunner()
    main = click.Group(commands={"search": search_cmd, "topics": topics_group})
    tfile = tmp_path / "topics.yml"
    tfile.write_text("- name: water\n  query: '\"treated water\" OR 処理水'\n  description: W\n")
    r = runner.invoke(main, ["topics", "import", str(tfile)])
    assert r.exit_code == 0, r.output
    assert "1 added" in r.output and "water: 2 matching" in r.output
    r = runner.invoke(main, ["topics", "list", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["matches"] == 2
    r = runner.invoke(main, ["topics", "show", "water"])
    assert r.exit_code == 0 and "version 1" in r.output and "treated water" in r.output
    r = runner.invoke(main, ["topics", "show", "nope"])
    assert r.exit_code != 0 and "no topic named" in r.output
    r = runner.invoke(main, ["topics", "test", "fukushima AND water"])
    assert r.exit_code == 0 and "2 articles would match" in r.output
    r = runner.invoke(main, ["search", "fukushima water", "--json", "--limit", "1"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["total"] == 2 and data["hits"][0]["article_id"] == 1
    r = runner.invoke(main, ["search", "処理水", "--lang", "ja", "--since", "2024-01-01"])
    assert r.exit_code == 0 and "1 articles match" in r.output
    r = runner.invoke(main, ["search", "fukushima AND (water"])
    assert r.exit_code != 0 and "expected ')'" in r.output and "^" in r.output
    r = runner.invoke(main, ["search", "water", "--since", "yesterday"])
    assert r.exit_code != 0 and "7d" in r.output
    bad = tmp_path / "bad.yml"
    bad.write_text("- name: x\n  query: '*water'\n")
    r = runner.invoke(main, ["topics", "import", str(bad)])
    assert r.exit_code != 0 and "leading wildcards" in r.output


def test_tokenising_in_slices_gives_the_same_tokens(con):
    """The batch is tokenised a slice of documents at a time (memory); any slice size gives the
    same rows as one statement over the whole batch."""
    con.execute("CREATE OR REPLACE TEMP TABLE tmp_tag_docs AS SELECT doc_id, title, text FROM "
                "(SELECT d.doc_id, a.title, a.text FROM search_docs d JOIN articles a USING (article_id))")
    got = []
    for size in (1, 2, 1000):
        search.tokenise_staged(con, slice_docs=size)
        got.append(sorted(con.execute("SELECT * FROM tmp_tag_tokens").fetchall()))
    assert got[0] == got[1] == got[2]
    assert {r[0] for r in got[0]} == {r[0] for r in con.execute(
        "SELECT doc_id FROM tmp_tag_docs").fetchall()}
    con.execute("DROP TABLE tmp_tag_docs")
    con.execute("DROP TABLE tmp_tag_tokens")
