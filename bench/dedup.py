"""Story-assignment cost: per new article against archives of 10k / 100k / 1M documents, and the
full initial clustering of 100k documents.

    PYTHONPATH=plugins .venv/bin/python bench/dedup.py [--sizes 10000,100000,1000000] [--batch 100]

Synthetic documents: Zipf-distributed pseudo-words (250-500 per text), 5,000 documents a day
(a large deployment), 20% of them edited copies (trimmed ends, 5% words replaced) of a document
of the previous hours. New articles are dated after the archive; half are copies of recent
archive documents, half are new stories.

Archives in ``--cluster`` (default: 100k) are real texts clustered from scratch by
``assign_stories`` (the "initial clustering" figure). The others are built directly in the
tables: n - 1,000 rows with random signatures and bucket keys (an unrelated document's MinHash
values are independent random draws, so this is what the index sees), plus the last 1,000
documents as real texts clustered normally so that new copies have something to match.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

PER_DAY = 5000
START = datetime(2024, 1, 1, tzinfo=UTC)
SYLLABLES = ["ka", "to", "ri", "mo", "ne", "sa", "lu", "vi", "po", "de", "ga", "shi", "ten",
             "ar", "el", "on", "us", "in", "ber", "dor", "mi", "la", "zo", "qui"]


class Texts:
    def __init__(self, seed: int = 7, vocab: int = 30_000) -> None:
        self.rng = np.random.default_rng(seed)
        syl = np.array(SYLLABLES)
        words = set()
        while len(words) < vocab:
            n = self.rng.integers(2, 5)
            words.add("".join(self.rng.choice(syl, size=n)))
        self.vocab = np.array(sorted(words))
        ranks = np.arange(1, vocab + 1)
        p = 1.0 / ranks**1.05
        self.p = p / p.sum()

    def fresh(self) -> str:
        n = int(self.rng.integers(250, 500))
        return " ".join(self.rng.choice(self.vocab, size=n, p=self.p))

    def copy_of(self, text: str) -> str:
        words = text.split()
        start = int(self.rng.integers(0, max(1, len(words) // 10)))
        end = len(words) - int(self.rng.integers(0, max(1, len(words) // 8)))
        out = words[start:end]
        for i in self.rng.choice(len(out), size=len(out) // 20, replace=False):
            out[i] = self.vocab[self.rng.integers(0, len(self.vocab))]
        return " ".join(out)


def _articles_table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    return pa.table({
        "article_id": pa.array([r["article_id"] for r in rows], pa.int64()),
        "url": pa.array([r["url"] for r in rows]),
        "title": pa.array([r["title"] for r in rows]),
        "text": pa.array([r["text"] for r in rows]),
        "source": pa.array([r["source"] for r in rows]),
        "domain": pa.array([r["domain"] for r in rows]),
        "published_at": pa.array([r["at"] for r in rows], pa.timestamp("us", tz="UTC")),
        "content_hash": pa.array([hashlib.sha256(r["text"].encode()).hexdigest() for r in rows]),
        "word_count": pa.array([r["text"].count(" ") + 1 for r in rows], pa.int32()),
        "run": pa.array([r.get("run") for r in rows], pa.string()),
    })


def insert_articles(con: Any, rows: list[dict[str, Any]]) -> None:
    tbl = _articles_table(rows)
    con.register("bench_rows", tbl)
    con.execute(
        "INSERT INTO articles (article_id, url, title, text, source, domain, published_at, "
        "first_fetched_at, fetched_at, extraction_method, extractor, content_hash, word_count, "
        "first_run, updated_run) SELECT article_id, url, title, text, source, domain, published_at,"
        " published_at, published_at, 'trafilatura', 'bench', content_hash, word_count, run, run "
        "FROM bench_rows")
    con.unregister("bench_rows")


def make_docs(texts: Texts, n: int, first_id: int, start: datetime,
              pool: list[dict[str, Any]] | None = None, copy_share: float = 0.2,
              run: str | None = None) -> list[dict[str, Any]]:
    """n documents at PER_DAY a day from ``start``; copy_share of them copy a recent one."""
    out: list[dict[str, Any]] = []
    recent = list(pool or [])
    for i in range(n):
        aid = first_id + i
        at = start + timedelta(seconds=86400.0 * i / PER_DAY)
        outlet = int(texts.rng.integers(0, 200))
        if recent and texts.rng.random() < copy_share:
            src = recent[-int(texts.rng.integers(1, min(len(recent), 500) + 1))]
            text = texts.copy_of(src["text"])
        else:
            text = texts.fresh()
        doc = {"article_id": aid, "url": f"https://outlet{outlet}.example/a/{aid}",
               "title": f"Title {aid} {text[:40]}", "text": text, "source": f"Outlet {outlet}",
               "domain": f"outlet{outlet}.example", "at": at, "run": run}
        out.append(doc)
        recent.append(doc)
        if len(recent) > 2000:
            recent = recent[-1000:]
    return out


def fill_synthetic(con: Any, n: int, rng: np.random.Generator) -> None:
    """n archive rows with random signatures and buckets (already assigned to stories)."""
    import pyarrow as pa
    from presswatch import similarity as sim

    chunk = 100_000
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        ids = np.arange(10_000_000 + lo, 10_000_000 + lo + m, dtype=np.int64)
        at = [START + timedelta(seconds=86400.0 * (lo + i) / PER_DAY) for i in range(m)]
        ats = pa.array(at, pa.timestamp("us", tz="UTC"))
        outlets = rng.integers(0, 200, size=m)
        arts = pa.table({
            "article_id": ids, "url": [f"https://outlet{o}.example/s/{i}" for o, i in zip(outlets, ids, strict=True)],
            "domain": [f"outlet{o}.example" for o in outlets], "dated_at": ats,
            "content_hash": [f"{i:064x}" for i in ids]})
        con.register("bench_arts", arts)
        con.execute("INSERT INTO articles (article_id, url, text, domain, published_at, "
                    "first_fetched_at, fetched_at, extraction_method, extractor, content_hash, "
                    "word_count, story_id) SELECT article_id, url, 'synthetic', domain, dated_at, dated_at, dated_at, "
                    "'trafilatura', 'bench', content_hash, 300, article_id FROM bench_arts")
        sigs = rng.integers(0, 2**32, size=(m, sim.NUM_PERM), dtype=np.uint32)
        blobs = pa.Array.from_buffers(pa.binary(), m, [None, pa.py_buffer(
            (np.arange(m + 1, dtype=np.int32) * sim.NUM_PERM * 4).tobytes()), pa.py_buffer(sigs.tobytes())])
        sig_tbl = pa.table({
            "article_id": ids, "content_hash": arts.column("content_hash"), "dated_at": ats,
            "outlet": arts.column("domain"), "url_key": rng.integers(-2**63, 2**63 - 1, size=m, dtype=np.int64),
            "text_key": rng.integers(-2**63, 2**63 - 1, size=m, dtype=np.int64),
            "title_key": rng.integers(-2**63, 2**63 - 1, size=m, dtype=np.int64),
            "n_tokens": np.full(m, 300, np.int32), "n_shingles": np.full(m, 296, np.int32),
            "minhash": blobs, "facts": pa.array([[] for _ in range(m)], pa.list_(pa.string()))})
        con.register("bench_sig", sig_tbl)
        con.execute("INSERT INTO story_signatures SELECT *, now(), article_id FROM bench_sig")
        buckets = pa.table({
            "bucket": rng.integers(-2**63, 2**63 - 1, size=m * sim.BANDS, dtype=np.int64),
            "article_id": np.repeat(ids, sim.BANDS),
            "dated_at": pa.array(np.repeat(ats.to_numpy(), sim.BANDS)).cast(
                pa.timestamp("us", tz="UTC"))})
        con.register("bench_buckets", buckets)
        con.execute("INSERT INTO story_buckets SELECT * FROM bench_buckets")
        con.execute("INSERT INTO story_links SELECT article_id, article_id, 'self', NULL, NULL, "
                    "NULL, now(), 'bench' FROM bench_arts")
        for name in ("bench_arts", "bench_sig", "bench_buckets"):
            con.unregister(name)


def measure_new(con: Any, texts: Texts, archive_docs: list[dict[str, Any]], next_id: int,
                after: datetime, batch: int, rounds: int) -> tuple[list[float], int]:
    from presswatch.stories import assign_stories

    per_article = []
    joined = 0
    for r in range(rounds):
        run = f"bench-{r}"
        docs = make_docs(texts, batch, next_id, after + timedelta(minutes=r),
                         pool=archive_docs[-500:], copy_share=0.5, run=run)
        next_id += batch
        insert_articles(con, docs)
        t0 = time.perf_counter()
        summary = assign_stories(con, run_id=run)
        per_article.append(1000.0 * (time.perf_counter() - t0) / batch)
        joined += sum(summary.joined.values())
    return per_article, joined


def _cpu_s() -> float:
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_size(n: int, batch: int, rounds: int, workdir: Path, cluster: bool) -> dict[str, Any]:
    import duckdb
    from presswatch import warehouse
    from presswatch.stories import assign_stories

    texts = Texts(seed=n)
    path = workdir / f"dedup-{n}.duckdb"
    con = duckdb.connect(str(path))
    warehouse.migrate(con)
    result: dict[str, Any] = {"archive": n}
    t0 = time.perf_counter()
    real = n if cluster else min(n, 1000)
    if real < n:
        fill_synthetic(con, n - real, np.random.default_rng(n))
    start = START + timedelta(seconds=86400.0 * (n - real) / PER_DAY)
    docs = make_docs(texts, real, 1, start)
    insert_articles(con, docs)
    result["build_s"] = round(time.perf_counter() - t0, 1)
    t0, c0 = time.perf_counter(), _cpu_s()
    summary = assign_stories(con)
    result["cluster_s"] = round(time.perf_counter() - t0, 1)
    result["cluster_cpu_s"] = round(_cpu_s() - c0, 1)
    result["clustered_docs"] = real
    result["stories"] = summary.new_stories
    result["joined"] = sum(summary.joined.values())
    con.execute("CHECKPOINT")
    after = START + timedelta(seconds=86400.0 * n / PER_DAY)
    for b in (1, batch):
        times, joined = measure_new(con, texts, docs, 50_000_000 + b * 1000, after + timedelta(hours=b),
                                    b, rounds)
        result[f"ms_per_article_batch{b}"] = round(statistics.median(times), 2)
        result[f"joined_batch{b}"] = f"{joined}/{b * rounds}"
    con.close()
    result["db_mb"] = round(os.path.getsize(path) / 1e6)
    path.unlink()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cluster", default="100000",
                        help="sizes whose archive is real text clustered from scratch (timed); "
                        "the others get a synthetic index plus 1,000 clustered real texts")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()}")
    clustered = {int(s) for s in args.cluster.split(",") if s}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            print(bench_size(n, args.batch, args.rounds, Path(tmp), n in clustered), flush=True)
            print(f"load average: {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
