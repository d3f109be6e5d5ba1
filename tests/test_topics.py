"""Topics: the topics file, storage and versions, incremental idempotent tagging, re-tagging
on change, the analytics views, and the evaluation bar on the labelled fixture set."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from presswatch import topics, warehouse

ROOT = Path(__file__).resolve().parents[1]


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_topics", ROOT / "bench/eval_topics.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


EVAL = _eval_module()


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.migrate(c)
    yield c
    c.close()


def add(con, aid, title, text, *, lang="en", domain="example.com", day="2024-05-01"):
    EVAL.insert_articles(con, [{"id": aid, "title": title, "text": text, "lang": lang,
                                "domain": domain, "day": day}])


def write_topics(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


TWO = """
- name: water
  query: '"treated water" OR 処理水'
- name: summit
  query: summit NOT mountain
  languages: [en]
"""


def matches(con):
    return sorted(con.execute("SELECT topic, topic_version, article_id, matched_terms, matched_at"
                              " FROM topic_matches").fetchall())


def test_tagging_is_incremental_and_idempotent(con, tmp_path):
    add(con, 1, "Treated water", "Japan released treated water.")
    add(con, 2, "Summit", "Leaders met at the summit.")
    add(con, 3, "処理水", "処理水の放出", lang="ja")
    imp = topics.import_topics(con, write_topics(tmp_path / "t.yml", TWO))
    assert imp.added == ["water", "summit"] and imp.retagged == {"water": 2, "summit": 1}
    first = matches(con)
    assert [m[:4] for m in first] == [
        ("summit", 1, 2, ["summit"]), ("water", 1, 1, ['"treated water"']),
        ("water", 1, 3, ["処理水"])]
    # a re-run changes nothing (not even matched_at)
    again = topics.tag_articles(con)
    assert again.articles == 0 and matches(con) == first
    forced = topics.tag_articles(con, article_ids=[1, 2, 3])
    assert (forced.articles, forced.matches_added, forced.matches_removed) == (3, 0, 0)
    assert matches(con) == first
    # only new articles are indexed and tagged
    add(con, 4, "Mountain summit", "A mountain summit in the Alps.")
    add(con, 5, "More treated water", "Another release of treated water.")
    s = topics.tag_articles(con)
    assert (s.articles, s.indexed_new, s.matches_added) == (2, 2, 1)
    assert s.by_topic == {"water": 1, "summit": 0}
    assert [m[:3] for m in matches(con)] == [("summit", 1, 2), ("water", 1, 1), ("water", 1, 3),
                                             ("water", 1, 5)]


def test_changed_article_is_reindexed(con, tmp_path):
    add(con, 1, "Treated water", "Japan released treated water.")
    topics.import_topics(con, write_topics(tmp_path / "t.yml", TWO))
    assert len(matches(con)) == 1
    con.execute("UPDATE articles SET text = 'Nothing about it now.', content_hash = 'x' "
                "WHERE article_id = 1")
    con.execute("UPDATE articles SET title = 'Changed' WHERE article_id = 1")
    s = topics.tag_articles(con)
    assert (s.articles, s.indexed_changed, s.matches_removed) == (1, 1, 1)
    assert matches(con) == []
    n_docs = con.execute("SELECT count(*) FROM search_docs").fetchone()[0]
    assert n_docs == 1
    assert con.execute("SELECT count(*) FROM search_postings p JOIN search_terms t USING (term_id)"
                       " WHERE t.term = 'treated'").fetchone()[0] == 0


def test_import_retags_only_changed_topics(con, tmp_path):
    add(con, 1, "Treated water", "Japan released treated water at the summit.")
    add(con, 2, "Summit", "Leaders met at the summit.")
    path = write_topics(tmp_path / "t.yml", TWO)
    topics.import_topics(con, path)
    before = {(m[0], m[2]): m for m in matches(con)}
    same = topics.import_topics(con, path)
    assert same.unchanged == ["water", "summit"] and same.retagged == {}
    changed = TWO.replace("summit NOT mountain", "summit NOT (mountain OR water)")
    changed = changed.replace("'\"treated water\" OR 処理水'", "'\"treated water\" OR 処理水'\n"
                              "  description: new words only")
    res = topics.import_topics(con, write_topics(path, changed))
    assert res.updated == ["summit"] and res.unchanged == ["water"]
    assert list(res.retagged) == ["summit"]
    stored = {t.name: t for t in topics.stored_topics(con)}
    assert stored["summit"].version == 2 and stored["water"].version == 1
    assert stored["water"].description == "new words only"
    after = {(m[0], m[2]): m for m in matches(con)}
    assert after[("water", 1)] == before[("water", 1)]  # untouched
    assert after[("summit", 2)][1] == 2 and ("summit", 1) not in after


def test_topic_languages_restrict_matches(con, tmp_path):
    add(con, 1, "Summit", "Leaders met at the summit.")
    add(con, 2, "Gipfel", "Das summit Treffen.", lang="de")
    topics.import_topics(con, write_topics(tmp_path / "t.yml", TWO))
    assert [m[2] for m in matches(con) if m[0] == "summit"] == [1]


@pytest.mark.parametrize("body, fragment", [
    ("- name: Bad Name\n  query: x\n", "name must be lower case"),
    ("- name: a\n  query: 'water AND'\n", "topic a: query: expected a term"),
    ("- name: a\n  query: x\n- name: a\n  query: y\n", "defined twice"),
    ("- name: a\n  query: x\n  languages: [english]\n", "ISO 639-1"),
    ("- name: a\n  query: x\n  colour: red\n", "unknown key"),
    ("name: a\n", "expected a list"),
    ("- name: a\n  query: [\n", "not valid YAML"),
])
def test_topics_file_errors(tmp_path, body, fragment):
    with pytest.raises(topics.TopicError, match=None) as ei:
        topics.load_topics_file(write_topics(tmp_path / "t.yml", body))
    assert fragment in str(ei.value)


def test_shipped_topics_parse():
    names = [t.name for t in topics.load_topics_file(ROOT / "topics.yml")]
    assert names == ["fukushima_water", "apec", "china_japan_relations", "seafood_ban"]


def test_evaluation_bar(tmp_path):
    result = EVAL.run(ROOT / "topics.yml", ROOT / "tests/fixtures/topics/articles.yml", tmp_path)
    articles = EVAL.load_fixtures(ROOT / "tests/fixtures/topics/articles.yml")
    assert {a["lang"] for a in articles} == {"en", "de", "ja", "zh"}
    for name, r in result.items():
        assert r["labelled"] >= 10, name
        assert r["precision"] >= 0.95 and r["recall"] >= 0.9, (name, r)


def _event(con, day: date, feed_id: int, outcome: str) -> None:
    at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    con.execute("INSERT INTO fetch_events (run_id, fetched_at, kind, feed_id, url, outcome)"
                " VALUES ('r', ?, 'feed', ?, 'http://x/', ?)", [at, feed_id, outcome])


def test_topic_daily_share_and_completeness(con, tmp_path):
    today = datetime.now(UTC).date()
    d1, d2, d3 = today - timedelta(days=3), today - timedelta(days=2), today - timedelta(days=1)
    add(con, 1, "Treated water", "treated water", day=str(d1))
    add(con, 2, "Other", "nothing", day=str(d1))
    add(con, 3, "Treated water", "treated water", day=str(d2))
    add(con, 4, "Treated water", "treated water", day=str(today))
    for f in (1, 2, 3):
        _event(con, d1, f, "ok")
    _event(con, d2, 1, "ok")
    _event(con, d2, 2, "failed")
    _event(con, d2, 3, "failed")
    topics.import_topics(con, write_topics(tmp_path / "t.yml", TWO))
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT day, n_articles, n_all_articles, share, complete, incomplete_reason"
        " FROM topic_daily WHERE topic = 'water' ORDER BY day").fetchall()}
    assert rows[d1] == (1, 2, 0.5, True, None)
    assert rows[d2] == (1, 1, 1.0, False, "feeds_failed")
    assert rows[d3] == (0, 0, None, False, "no_ingest")
    assert rows[today][3:] == (False, "today")
    src = con.execute("SELECT domain, n_articles, share_of_topic FROM topic_sources"
                      " WHERE topic = 'water'").fetchall()
    assert src == [("example.com", 3, 1.0)]


def test_topic_top_stories(con, tmp_path):
    cols = {r[0] for r in con.execute("DESCRIBE articles").fetchall()}
    if "story_id" not in cols:
        pytest.skip("needs migration 003 (stories)")
    for i, dom in enumerate(["a.com", "b.com", "c.com"], start=1):
        add(con, i, "Treated water", "treated water", domain=dom)
    add(con, 4, "Treated water again", "treated water", domain="a.com")
    con.execute("UPDATE articles SET story_id = CASE WHEN article_id < 4 THEN 100 ELSE 200 END")
    topics.import_topics(con, write_topics(tmp_path / "t.yml", TWO))
    rows = con.execute("SELECT story_id, topic_articles, story_outlets, rank_in_week"
                       " FROM topic_top_stories WHERE topic = 'water' ORDER BY rank_in_week"
                       ).fetchall()
    assert rows == [(100, 3, 3, 1), (200, 1, 1, 2)]
    assert con.execute("SELECT sum(n_stories) FROM topic_daily WHERE topic = 'water'"
                       ).fetchone()[0] == 2
    q = warehouse.sql("queries/apec_stories_by_outlets.sql").replace("'apec'", "'water'")
    assert con.execute(q, [date(2000, 1, 1), date(2100, 1, 1)]).fetchall()[0][:3] == (100, 3, 3)
