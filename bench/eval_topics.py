#!/usr/bin/env python3
"""Per-topic precision and recall of the shipped topics (topics.yml) on the labelled fixture set.

    PYTHONPATH=plugins .venv/bin/python bench/eval_topics.py [--topics topics.yml]
        [--fixtures tests/fixtures/topics/articles.yml] [--json]

The fixtures (English, German, Japanese, Chinese; topic articles and distractors sharing their
words) are loaded into a fresh DuckDB file, the topics imported and the articles tagged exactly
as in production (migrate -> insert articles -> import_topics). Exit status 1 when a topic is
below the bar (precision >= 0.95 and recall >= 0.9).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

BAR_PRECISION = 0.95
BAR_RECALL = 0.9


def load_fixtures(path: Path) -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def insert_articles(con: Any, articles: list[dict[str, Any]]) -> None:
    """Insert fixture articles (the NOT NULL columns of `articles` plus title/language/source)."""
    rows = []
    for a in articles:
        day = datetime.fromisoformat(str(a.get("day", "2024-01-01"))).replace(hour=12, tzinfo=UTC)
        text = a["text"]
        rows.append([a["id"], f"https://{a['domain']}/a/{a['id']}", a.get("title"), text,
                     a.get("lang"), day, a.get("source", a["domain"]), a["domain"], day, day,
                     "trafilatura", "fixture", hashlib.sha256(text.encode()).hexdigest(),
                     len(text.split())])
    con.executemany(
        "INSERT INTO articles (article_id, url, title, text, language, published_at, source,"
        " domain, first_fetched_at, fetched_at, extraction_method, extractor, content_hash,"
        " word_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def evaluate(con: Any, articles: list[dict[str, Any]], topic_names: list[str]) -> dict[str, dict]:
    got: dict[str, set[int]] = {t: set() for t in topic_names}
    for topic, aid in con.execute("SELECT topic, article_id FROM topic_matches").fetchall():
        got.setdefault(topic, set()).add(aid)
    out = {}
    for t in topic_names:
        truth = {a["id"] for a in articles if t in (a.get("topics") or [])}
        tp = len(got[t] & truth)
        precision = tp / len(got[t]) if got[t] else (1.0 if not truth else 0.0)
        recall = tp / len(truth) if truth else 1.0
        out[t] = {"precision": round(precision, 4), "recall": round(recall, 4),
                  "labelled": len(truth), "matched": len(got[t]), "true_positives": tp,
                  "false_positives": sorted(got[t] - truth), "missed": sorted(truth - got[t]),
                  "ok": precision >= BAR_PRECISION and recall >= BAR_RECALL}
    return out


def run(topics_path: Path, fixtures_path: Path, workdir: Path) -> dict[str, dict]:
    import duckdb
    from presswatch import topics, warehouse

    articles = load_fixtures(fixtures_path)
    con = duckdb.connect(str(workdir / "eval.duckdb"))
    try:
        warehouse.migrate(con)
        insert_articles(con, articles)
        topics.import_topics(con, topics_path)
        names = [t.name for t in topics.load_topics_file(topics_path)]
        return evaluate(con, articles, names)
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topics", type=Path, default=ROOT / "topics.yml")
    ap.add_argument("--fixtures", type=Path,
                    default=ROOT / "tests" / "fixtures" / "topics" / "articles.yml")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.topics, args.fixtures, Path(tmp))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        n = len(load_fixtures(args.fixtures))
        print(f"{n} labelled articles; bar: precision >= {BAR_PRECISION}, recall >= {BAR_RECALL}")
        print(f"{'topic':<24}{'labelled':>9}{'matched':>9}{'precision':>11}{'recall':>8}  ok")
        for t, r in result.items():
            print(f"{t:<24}{r['labelled']:>9}{r['matched']:>9}{r['precision']:>11.3f}"
                  f"{r['recall']:>8.3f}  {'yes' if r['ok'] else 'NO'}"
                  + (f"  false positives {r['false_positives']}" if r["false_positives"] else "")
                  + (f"  missed {r['missed']}" if r["missed"] else ""))
    return 0 if all(r["ok"] for r in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
