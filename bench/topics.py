#!/usr/bin/env python3
"""Benchmark topic tagging, ad-hoc search and index maintenance on synthetic archives.

    PYTHONPATH=plugins .venv/bin/python bench/topics.py [--sizes 100000,1000000] [--new 1000]
        [--topics 20] [--repeat 3] [--workdir DIR] [--json]

For each archive size: synthetic articles (a Zipf-like vocabulary of 20,000 words with the
shipped topics' words among them, 10% Chinese/Japanese text) are written straight into a fresh
DuckDB file; the search index is built once (backfill, in batches); 20 topics are imported
(each re-tags the whole archive); then 1,000 new articles arrive and ``tag_articles`` indexes
and tags them with the 20 topics (the per-run cost); finally a mix of ad-hoc queries runs
``--repeat`` times each for p50/p95 latency. Figures are wall-clock on this machine (2 shared
cores), so treat them as upper bounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

TOPIC_WORDS = ["fukushima", "water", "treated", "release", "japan", "china", "talks", "summit",
               "apec", "seafood", "ban", "embargo", "tritium", "ocean", "beijing", "tokyo",
               "relations", "leaders", "economic", "cooperation", "imports", "fish", "minister"]
CJK_CHARS = ("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之"
             "过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如"
             "前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明")
CJK_WORDS = ["処理水", "核污染水", "福島", "中国", "日本", "水産物", "亚太经合组织", "会談"]

TOPICS = [
    'fukushima AND ("treated water" OR tritium OR 処理水 OR 核污染水)',
    "(china OR beijing OR 中国) AND (japan OR tokyo OR 日本) AND (talks OR relations OR 会談)",
    'apec OR "economic cooperation" OR 亚太经合组织',
    "(seafood OR fish OR 水産物) AND (ban OR embargo OR imports)",
    "fukushima NOT (peach* OR tourism)",
    "treated NEAR/3 water",
    'title:(summit OR leaders) AND minister',
    "w12* AND NOT w13",
    '"w5 w6" OR w7777',
    "w100 NEAR/5 w200",
    "lang:ja AND 処理水",
    "(w301 OR w302 OR w303) AND (w401 OR w402)",
    "relat* AND (ocean OR tritium)",
    "w1500 OR w1501 OR w1502 OR w1503 OR w1504 OR w1505",
    'domain:site3.example AND (japan OR china)',
    "w2000* AND w20*",
    '"japan china" OR "china japan"',
    "NOT w1 AND w999",
    "source:site7* AND fish",
    "(w50 NEAR/2 w51) OR (w52 NEAR/2 w53)",
]

QUERIES = [
    "fukushima", "water", "w1", "w3", "w250", "w19999", "treated water", '"treated water"',
    "fukushima AND water NOT ocean", "water*", "trit*", "w12*", "japan NEAR/5 china",
    '"japan china" NEAR/10 talks', "処理水", "水", "中国 AND 日本", "title:fukushima",
    "lang:zh AND 核污染水", "(apec OR summit) AND (leaders OR minister)", "NOT w2",
    "w100 OR w101 OR w102 OR w103 OR w104", "seafood AND ban", 'domain:site1.example water',
    "w7000 NEAR/3 w7001", "economic cooperation apec", "beijing tokyo relations",
    "w5 w6 w7", "(fish OR seafood) NEAR/4 (ban OR embargo)", "fukushima OR 福島",
]


def vocabulary() -> list[str]:
    words = [f"w{i}" for i in range(20_000)]
    for k, w in enumerate(TOPIC_WORDS):  # topic words at ranks 40..500: common but not stopwords
        words[40 + k * 20] = w
    return words


def generate(con: Any, n: int, start: int, day_offset: int = 0) -> None:
    """Insert ``n`` synthetic articles with ids start..start+n-1 (fast, all in SQL)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bench_sent AS "
        "WITH v AS (SELECT CAST($vocab AS VARCHAR[]) AS vl) "
        "SELECT list(CASE WHEN s % 10 = 0 THEN "
        "  array_to_string(list_transform(range(8), x -> CASE WHEN random() < 0.15 "
        "    THEN $cjkw[1 + CAST(floor(random() * len($cjkw)) AS INTEGER)] "
        "    ELSE substr($cjk, 1 + CAST(floor(pow(random(), 1.5) * length($cjk)) AS INTEGER), 1) "
        "         || substr($cjk, 1 + CAST(floor(random() * length($cjk)) AS INTEGER), 1) END), '')"
        " ELSE array_to_string(list_transform(range(10), x -> "
        "  vl[1 + CAST(floor(20000 * pow(random(), 2.2)) AS INTEGER)]), ' ') END) AS sl "
        "FROM v, range(20000) t(s)",
        {"vocab": vocabulary(), "cjk": CJK_CHARS, "cjkw": CJK_WORDS})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bench_sid AS SELECT generate_subscripts(sl, 1) - 1 AS sid,"
        " unnest(sl) AS sentence FROM bench_sent")
    con.execute(
        "INSERT INTO articles (article_id, url, title, text, language, published_at, source,"
        " domain, first_fetched_at, fetched_at, extraction_method, extractor, content_hash,"
        " word_count) "
        "WITH picks AS (SELECT i, k, CAST((hash(i, k) % 2000) * 10 + CASE WHEN i % 10 = 0 THEN 0"
        "   ELSE 1 + hash(i, k + 10) % 9 END AS INTEGER) AS sid"
        "   FROM range($start, $stop) r(i), range(7) kk(k)),"
        " docs AS (SELECT p.i, string_agg(s.sentence, ' ' ORDER BY p.k) FILTER (WHERE p.k > 0) AS body,"
        "   max(s.sentence) FILTER (WHERE p.k = 0) AS t"
        "   FROM picks p JOIN bench_sid s ON s.sid = p.sid GROUP BY p.i)"
        " SELECT i, 'https://site' || (i % 50) || '.example/a/' || i, t, body,"
        " CASE WHEN i % 10 = 0 THEN (CASE WHEN i % 20 = 0 THEN 'ja' ELSE 'zh' END) ELSE 'en' END,"
        " ts, 'site' || (i % 50), 'site' || (i % 50) || '.example', ts, ts, 'trafilatura',"
        " 'bench', md5(body), 60 FROM ("
        "  SELECT *, TIMESTAMPTZ '2024-01-01 00:00:00+00' + INTERVAL (i % 365 + $day) DAY AS ts"
        "  FROM docs) ORDER BY i",
        {"start": start, "stop": start + n, "day": day_offset})
    con.execute("DROP TABLE bench_sid")
    con.execute("DROP TABLE bench_sent")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def bench_size(n: int, new: int, n_topics: int, repeat: int, workdir: Path) -> dict[str, Any]:
    import duckdb
    from presswatch import querylang, search, topics, warehouse

    path = workdir / f"bench_{n}.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    warehouse.migrate(con)
    out: dict[str, Any] = {"articles": n}
    t = time.perf_counter()
    generate(con, n, 1)
    out["generate_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    info = search.index_articles(con, batch_size=250_000)
    out["backfill_index_s"] = round(time.perf_counter() - t, 1)
    out["postings"] = con.execute("SELECT count(*) FROM search_postings").fetchone()[0]
    out["terms"] = con.execute("SELECT count(*) FROM search_terms").fetchone()[0]
    assert info.docs == n
    yml = workdir / "bench_topics.yml"
    yml.write_text("".join(f"- name: t{k:02d}\n  query: {json.dumps(q, ensure_ascii=False)}\n"
                           for k, q in enumerate(TOPICS[:n_topics])), encoding="utf-8")
    t = time.perf_counter()
    imp = topics.import_topics(con, yml)
    out["import_topics_retag_archive_s"] = round(time.perf_counter() - t, 1)
    out["archive_matches"] = sum(imp.retagged.values())
    # the per-run cost: `new` articles arrive, are indexed and tagged with every topic
    generate(con, new, n + 1, day_offset=1)
    t = time.perf_counter()
    s = topics.tag_articles(con)
    total = time.perf_counter() - t
    assert s.articles == new, s
    out["tag_new"] = {"articles": new, "topics": s.topics, "total_s": round(total, 3),
                      "matches": sum(s.by_topic.values()), **{f"{k}_s": v for k, v in s.seconds.items()}}
    index_s = s.seconds.get("stage", 0) + s.seconds.get("merge", 0) + s.seconds.get("select", 0)
    out["index_maintenance_ms_per_article"] = round(index_s / new * 1000, 3)
    out["tag_ms_per_article_all_topics"] = round(s.seconds.get("tag", 0) / new * 1000, 3)
    # ad-hoc queries (ranked, as `presswatch search` runs them)
    times: list[float] = []
    per_query = {}
    for q in QUERIES:
        c = querylang.compile_query(q, rank=True, limit=20)
        runs = []
        for _ in range(repeat):
            t = time.perf_counter()
            con.execute(c.sql, c.params).fetchall()
            runs.append(time.perf_counter() - t)
        times += runs
        per_query[q] = round(statistics.median(runs) * 1000, 1)
    out["query_p50_ms"] = round(pct(times, 0.5) * 1000, 1)
    out["query_p95_ms"] = round(pct(times, 0.95) * 1000, 1)
    out["query_max_ms"] = round(max(times) * 1000, 1)
    out["slowest_queries_ms"] = dict(sorted(per_query.items(), key=lambda kv: -kv[1])[:5])
    t = time.perf_counter()
    search.search(con, "fukushima AND water", limit=20)
    out["search_with_snippets_ms"] = round((time.perf_counter() - t) * 1000, 1)
    con.close()
    out["db_mb"] = round(path.stat().st_size / 1e6, 1)
    path.unlink(missing_ok=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--topics", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            t = time.perf_counter()
            r = bench_size(n, args.new, args.topics, args.repeat, Path(tmp))
            r["bench_wall_s"] = round(time.perf_counter() - t, 1)
            results.append(r)
            if not args.json:
                print(json.dumps(r, indent=1, ensure_ascii=False), flush=True)
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
