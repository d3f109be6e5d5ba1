"""Score story clustering on the labelled corpus (tests/fixtures/stories/corpus.json).

Prints pairwise precision/recall of "same story", the number of stories vs the truth, the
must-not-merge pairs that were merged, and (with --pairs) the similarity of every labelled pair
that shares an LSH bucket or a key, which is how the thresholds in docs/stories.md were chosen.

    PYTHONPATH=plugins .venv/bin/python bench/eval_stories.py [--pairs]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "stories" / "corpus.json"


def load_corpus(path: Path = CORPUS) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def insert_documents(con: Any, docs: list[dict[str, Any]], start_id: int = 1) -> dict[str, int]:
    """Insert corpus documents as articles rows; returns doc id -> article_id."""
    ids = {}
    for n, d in enumerate(docs):
        aid = start_id + n
        ids[d["id"]] = aid
        fetched = datetime.fromisoformat(d["fetched_at"])
        published = datetime.fromisoformat(d["published_at"]) if d.get("published_at") else None
        con.execute(
            "INSERT INTO articles (article_id, url, title, text, source, domain, published_at, "
            "first_fetched_at, fetched_at, extraction_method, extractor, content_hash, word_count, "
            "authors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'trafilatura', 'fixture', ?, ?, ?)",
            [aid, d["url"], d["title"], d["text"], d["source"], d["domain"], published, fetched,
             fetched, hashlib.sha256(d["text"].encode()).hexdigest(), len(d["text"].split()),
             d.get("authors") or []])
    return ids


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    stories: int
    true_stories: int
    merged_must_not: list[tuple[str, str]]
    false_merges: list[tuple[str, str]]
    missed: list[tuple[str, str]]

    def lines(self) -> list[str]:
        return [
            f"pairwise precision {self.precision:.4f}  recall {self.recall:.4f}  "
            f"(true pairs {self.true_pairs}, predicted pairs {self.predicted_pairs})",
            f"stories {self.stories} vs truth {self.true_stories}",
            f"must-not-merge pairs merged: {len(self.merged_must_not)} {self.merged_must_not}",
            f"false merges: {self.false_merges}",
            f"missed pairs: {self.missed}",
        ]


def score(docs: list[dict[str, Any]], predicted: dict[str, int],
          must_not_merge: list[list[str]]) -> Scores:
    truth = {d["id"]: d["story"] for d in docs}
    tp = fp = fn = 0
    false_merges, missed = [], []
    for a, b in itertools.combinations(sorted(truth), 2):
        same_true = truth[a] == truth[b]
        same_pred = predicted[a] == predicted[b]
        tp += same_true and same_pred
        if same_pred and not same_true:
            fp += 1
            false_merges.append((a, b))
        if same_true and not same_pred:
            fn += 1
            missed.append((a, b))
    story_of = {}
    for d in docs:
        story_of.setdefault(d["story"], set()).add(predicted[d["id"]])
    merged = [(x, y) for x, y in must_not_merge if story_of[x] & story_of[y]]
    return Scores(
        precision=tp / (tp + fp) if tp + fp else 1.0, recall=tp / (tp + fn) if tp + fn else 1.0,
        true_pairs=tp + fn, predicted_pairs=tp + fp, stories=len(set(predicted.values())),
        true_stories=len(set(truth.values())), merged_must_not=merged,
        false_merges=false_merges, missed=missed)


def evaluate(db_path: Path, config: Any = None) -> tuple[Scores, Any]:
    import duckdb
    from presswatch import warehouse
    from presswatch.stories import assign_stories

    corpus = load_corpus()
    con = duckdb.connect(str(db_path))
    try:
        warehouse.migrate(con)
        ids = insert_documents(con, corpus["documents"])
        summary = assign_stories(con, config=config)
        story = dict(con.execute("SELECT article_id, story_id FROM articles").fetchall())
    finally:
        con.close()
    predicted = {doc_id: story[aid] for doc_id, aid in ids.items()}
    return score(corpus["documents"], predicted, corpus["must_not_merge"]), summary


def pair_table(docs: list[dict[str, Any]]) -> list[tuple[float, float, str, str, str, str]]:
    """Jaccard, containment and fact comparison of every pair of documents that share a bucket."""
    from presswatch import similarity as sim

    fps = {d["id"]: sim.fingerprint(d["text"]) for d in docs}
    out = []
    for a, b in itertools.combinations(docs, 2):
        fa, fb = fps[a["id"]], fps[b["id"]]
        if fa.minhash is None or fb.minhash is None or not set(fa.bands) & set(fb.bands):
            continue
        j = sim.jaccard(fa.minhash, fb.minhash)
        c = sim.containment(j, fa.n_shingles, fb.n_shingles)
        facts = sim.compare_facts(fa.facts, fb.facts)
        label = "same" if a["story"] == b["story"] else "diff"
        out.append((j, c, label, a["id"], b["id"], facts.describe() + (" VETO" if facts.vetoes() else "")))
    return sorted(out, reverse=True)


def sweep() -> None:
    """P/R and must-not-merge violations for a grid of near-duplicate thresholds."""
    from presswatch.stories import StoryConfig

    grid = [dict(near_jaccard=j, near_containment=c, fact_veto=v)
            for v in (True, False) for c in (0.8, 1.01) for j in (0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8)]
    print("veto containment jaccard  precision recall stories must_not_merged")
    for kw in grid:
        with tempfile.TemporaryDirectory() as tmp:
            sc, _ = evaluate(Path(tmp) / "s.duckdb", StoryConfig(**kw))
        cont = "off" if kw["near_containment"] > 1 else f"{kw['near_containment']:.2f}"
        print(f"{'on ' if kw['fact_veto'] else 'off'}  {cont:>10} {kw['near_jaccard']:8.2f}  "
              f"{sc.precision:9.4f} {sc.recall:6.4f} {sc.stories:7d} {len(sc.merged_must_not):4d}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", action="store_true", help="print candidate pair similarities")
    parser.add_argument("--sweep", action="store_true", help="score a grid of thresholds")
    args = parser.parse_args(argv)
    if args.sweep:
        sweep()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        scores, summary = evaluate(Path(tmp) / "eval.duckdb")
    corpus = load_corpus()
    print(f"corpus: {len(corpus['documents'])} documents, "
          f"{len(corpus['must_not_merge'])} must-not-merge story pairs")
    for line in scores.lines():
        print(line)
    print(f"layers: {summary.joined}, new stories {summary.new_stories}")
    if args.pairs:
        print("\njaccard containment label  doc_a  doc_b  facts")
        for j, c, label, a, b, facts in pair_table(corpus["documents"]):
            print(f"{j:.2f} {c:.2f} {label} {a} {b} {facts}")
    ok = scores.precision >= 0.98 and scores.recall >= 0.95 and not scores.merged_must_not
    print("bar (P >= 0.98, R >= 0.95, no must-not-merge merged):", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "plugins"))
    raise SystemExit(main())
