#!/usr/bin/env python3
"""Score presswatch's article extraction on the article-extraction-benchmark pages.

    .venv/bin/python bench/extraction.py PATH [--systems ours,default,fast] [--bootstrap 1000]

PATH holds README.md, ground-truth.json ({id: {url, articleBody}}) and html/<id>.html.gz
(the scrapinghub/article-extraction-benchmark data; it is read in place, never copied).

Scoring re-implements the benchmark's published method (its evaluate.py):
  * tokens = regex ``\\w+`` matches (Unicode, case kept), word 4-gram shingles;
  * shingles are counted as a *multiset* (a Counter): TP = sum of min(count_true, count_pred),
    FP/FN = the excess counts; TP/FP/FN are normalised per page so long pages weigh the same;
  * precision = mean over pages of per-page precision (pages with TP+FP = 0 skipped), recall
    likewise; F1 = harmonic mean of the mean precision and mean recall (what the benchmark
    reports). The mean of per-page F1 is printed too, for information;
  * error bars: 1.96 x standard deviation over bootstrap resamples of the pages.
Timing is wall time per page in this process (decode + parse + extract), median reported.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
Counts = tuple[float, float, float]


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def match_counts(true: str, pred: str) -> Counts:
    """Normalised (TP, FP, FN) of word-4-gram shingles, multiset semantics."""
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def metrics(counts: list[Counts]) -> dict[str, float]:
    precision = statistics.mean([_precision(*c) for c in counts if c[0] + c[1] > 0] or [0.0])
    recall = statistics.mean([_recall(*c) for c in counts if c[0] + c[2] > 0] or [0.0])
    page_f1 = statistics.mean(_f1(_precision(*c), _recall(*c)) for c in counts)
    return {
        "f1": _f1(precision, recall),
        "precision": precision,
        "recall": recall,
        "page_f1": page_f1,
    }


def bootstrap(counts: list[Counts], rounds: int, seed: int = 0) -> dict[str, float]:
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {}
    n = len(counts)
    for _ in range(rounds):
        for key, value in metrics([counts[rng.randrange(n)] for _ in range(n)]).items():
            samples.setdefault(key, []).append(value)
    return {key: 1.96 * statistics.stdev(values) for key, values in samples.items()}


def load_pages(root: Path) -> list[tuple[str, str, bytes, str]]:
    """[(id, url, raw html bytes, true body)] sorted by id."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        raw = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(
            (page_id, truth[page_id].get("url") or "", raw, truth[page_id].get("articleBody") or "")
        )
    return pages


def _system_ours() -> Callable[[bytes, str], str]:
    from presswatch.extract import extract_article

    return lambda raw, url: extract_article(raw, url).text


def _system_trafilatura(**kwargs: object) -> Callable[[bytes, str], str]:
    import trafilatura

    # as the benchmark's own runner does: the page decoded as UTF-8, include_comments=False
    def run(raw: bytes, url: str) -> str:
        return (
            trafilatura.extract(raw.decode("utf-8", "replace"), include_comments=False, **kwargs)
            or ""
        )

    return run


SYSTEMS: dict[str, Callable[[], Callable[[bytes, str], str]]] = {
    "ours": _system_ours,
    "default": lambda: _system_trafilatura(),
    "fast": lambda: _system_trafilatura(fast=True),
    "precision": lambda: _system_trafilatura(favor_precision=True),
    "recall": lambda: _system_trafilatura(favor_recall=True),
}


def run_system(name: str, pages: list[tuple[str, str, bytes, str]], rounds: int) -> dict:
    extract = SYSTEMS[name]()
    extract(pages[0][2], pages[0][1])  # warm-up: lazy imports, language model
    counts, times, per_page = [], [], {}
    for page_id, url, raw, truth in pages:
        start = time.perf_counter()
        pred = extract(raw, url)
        times.append((time.perf_counter() - start) * 1000)
        counts.append(match_counts(truth, pred))
        per_page[page_id] = counts[-1]
    result = metrics(counts)
    result.update({f"{k}_ci": v for k, v in bootstrap(counts, rounds).items()})
    result["median_ms"] = statistics.median(times)
    result["per_page"] = per_page
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument(
        "--systems",
        default="ours,default,fast",
        help=f"comma-separated, from: {', '.join(SYSTEMS)}",
    )
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of 'ours'")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    pages = load_pages(args.path)
    print(f"{len(pages)} pages from {args.path}")
    print(
        f"{'system':<12} {'F1':>15} {'precision':>15} {'recall':>15} {'page-F1':>7} {'ms/page':>8}"
    )
    results = {}
    for name in args.systems.split(","):
        r = results[name] = run_system(name.strip(), pages, args.bootstrap)
        print(
            f"{name:<12} {r['f1']:.3f} ± {r['f1_ci']:.3f}   {r['precision']:.3f} ± "
            f"{r['precision_ci']:.3f}   {r['recall']:.3f} ± {r['recall_ci']:.3f}   "
            f"{r['page_f1']:.3f} {r['median_ms']:8.1f}"
        )
    if args.worst and "ours" in results:
        worst = sorted(
            results["ours"]["per_page"].items(),
            key=lambda kv: _f1(_precision(*kv[1]), _recall(*kv[1])),
        )[: args.worst]
        for page_id, c in worst:
            print(f"  {page_id[:12]}  P={_precision(*c):.3f} R={_recall(*c):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
