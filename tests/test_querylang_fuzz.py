"""Fuzzing the query language (Hypothesis): grammar-generated, mutated and arbitrary queries.

Every input either parses or raises a clean QueryError (never another exception) and every
query that parses compiles. Every 16th compiled query (PW_FUZZ_EXEC_EVERY=1: all of them) is
run on a connection with external access disabled and its configuration locked: it must
return only corpus articles and agree with its own negation (NOT q is the complement of q).
About 11,000 inputs by default (~400 executed, twice each); scale with PW_FUZZ_SCALE=N.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from presswatch import topics, warehouse
from presswatch.querylang import QueryError, compile_query, parse

ROOT = Path(__file__).resolve().parents[1]
SCALE = float(os.environ.get("PW_FUZZ_SCALE", "1"))
EXEC_EVERY = max(1, int(os.environ.get("PW_FUZZ_EXEC_EVERY", "16")))


def fuzz(n: int) -> settings:
    return settings(deadline=None, database=None, derandomize=True, max_examples=int(n * SCALE),
                    suppress_health_check=list(HealthCheck))
_STATE: dict[str, object] = {}


@pytest.fixture(scope="module", autouse=True)
def corpus(tmp_path_factory):
    golden = yaml.safe_load((ROOT / "tests/fixtures/topics/golden.yml").read_text("utf-8"))
    spec = importlib.util.spec_from_file_location("eval_topics", ROOT / "bench/eval_topics.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    con = duckdb.connect(str(tmp_path_factory.mktemp("fuzz") / "f.duckdb"))
    warehouse.migrate(con)
    mod.insert_articles(con, golden["articles"])
    topics.tag_articles(con)
    con.execute("SET threads = 1")  # tiny queries: planning dominates, threads only add overhead
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    _STATE["con"] = con
    _STATE["ids"] = {a["id"] for a in golden["articles"]}
    _STATE["n"] = _STATE["compiled"] = _STATE["executed"] = 0
    yield
    con.close()
    print(f"\nfuzz: {_STATE['n']} queries tried, {_STATE['compiled']} compiled, "
          f"{_STATE['executed']} executed")


def check(query: str) -> None:
    _STATE["n"] = int(_STATE["n"]) + 1
    try:
        node = parse(query)
    except QueryError as exc:
        assert 0 <= exc.position <= len(query)
        return
    c = compile_query(node)
    _STATE["compiled"] = int(_STATE["compiled"]) + 1
    if int(_STATE["compiled"]) % EXEC_EVERY:
        return
    _STATE["executed"] = int(_STATE["executed"]) + 1
    con = _STATE["con"]
    got = {r[0] for r in con.execute(c.sql, c.params).fetchall()}
    assert got <= _STATE["ids"]
    try:
        neg = compile_query(f"NOT ({query})")
    except QueryError:
        return  # e.g. the wrapper pushed it over the depth limit
    rest = {r[0] for r in con.execute(neg.sql, neg.params).fetchall()}
    assert rest == _STATE["ids"] - got, query


WORDS = ["water", "Water", "WATER", "fukushima", "treated", "summit", "apec", "main", "peaches",
         "japan", "kühlwasser", "処理水", "福島", "水", "核污染水", "東京電力", "asia-pacific",
         "wat", "xyzzy", "a", "10", "U.S.", "naïve", "and", "or", "not", "near"]
FIELDS = ["title:", "lang:", "domain:", "source:"]
VALUES = ["en", "ja", "zh", "example.com", "nhk*", '"example news"', "www.example.com"]


def term() -> st.SearchStrategy[str]:
    word = st.sampled_from(WORDS)
    return st.one_of(
        word,
        word.map(lambda w: w + "*"),
        st.lists(word, min_size=1, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
        st.tuples(st.sampled_from(["title:"]), word).map("".join),
        st.tuples(st.sampled_from(FIELDS[1:]), st.sampled_from(VALUES)).map("".join),
    )


def expr() -> st.SearchStrategy[str]:
    return st.recursive(
        term(),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" AND ", " OR ", " "]), inner).map("".join),
            inner.map(lambda x: f"NOT {x}"),
            inner.map(lambda x: f"({x})"),
            st.tuples(term(), st.integers(0, 12), term()).map(lambda t: f"{t[0]} NEAR/{t[1]} {t[2]}"),
        ),
        max_leaves=8,
    )


@fuzz(3500)
@given(expr())
def test_grammar_queries(q):
    check(q)


TOKENS = ["AND", "OR", "NOT", "NEAR/3", "NEAR/", "(", ")", '"', "*", ":", "title:", "lang:",
          "-", "foo:", "'", ";", "--", "$1", "?", "\\", "\x00", " ", "　"]


@fuzz(4000)
@given(expr(), st.lists(st.tuples(st.integers(0, 200), st.sampled_from(TOKENS + ["DEL"])),
                        min_size=1, max_size=4))
def test_mutated_queries(q, edits):
    for pos, tok in edits:
        pos = pos % (len(q) + 1)
        q = q[:pos] + q[pos + 1:] if tok == "DEL" else q[:pos] + tok + q[pos:]
    check(q)


@fuzz(3500)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_arbitrary_text(q):
    check(q)


def test_fuzz_volume():
    """Runs last in this module: the three property tests tried >= 10,000 inputs together."""
    if SCALE >= 1:
        assert int(_STATE["n"]) >= 10_000
        assert int(_STATE["executed"]) * EXEC_EVERY >= 6_000
