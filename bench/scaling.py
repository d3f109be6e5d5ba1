"""Concurrent loaders on the DuckLake warehouse (issue: beyond one machine). Prints figures.

    .venv/bin/python bench/scaling.py [--runs 8] [--articles 500] [--loaders 1,2,4] [--overlap 0.1]

Starts a PostgreSQL server on 127.0.0.1 (tests/support/postgres.py: initdb into a temporary
directory), then for each loader count: a fresh lake (own catalog database, own data directory),
``--runs`` staged runs of ``--articles`` extracted pages each (5 KB texts, as bench/ingest.py;
``--overlap`` of each run's pages also in the next run, so loaders race on the same keys), and
that many loader *processes* (as Celery workers would be) taking runs from a shared list and
loading each with ``load_run`` through ``warehouse.writer``. Reported: wall time from the start
signal to the last commit (connection setup included), articles/s, commit conflicts retried,
and a check that every article is stored once. A DuckDB-file load of the same runs by one
loader is the baseline.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT))

from presswatch.settings import load_settings  # noqa: E402


def stage_runs(settings, runs: int, articles: int, overlap: float, text_bytes: int = 5000) -> list[Path]:
    """Run directories with extracted pages, as the extract stage writes them."""
    from presswatch import staging
    from presswatch.ids import content_hash
    from presswatch.schemas import schema

    rng = random.Random(1)
    words = "harbour council budget water ministry talks summit trade port fishing".split()
    blocks = [" ".join(rng.choice(words) for _ in range(text_bytes // 7))[:text_bytes]
              for _ in range(64)]
    shared = int(articles * overlap)
    now = datetime.now(UTC)
    out = []
    for r in range(runs):
        run_dir = settings.staging / f"bench-run-{r:03d}"
        first = r * (articles - shared)
        with staging.TableWriter(run_dir / "extracted-0.parquet", schema("extracted"), 1024) as w:
            for i in range(first, first + articles):
                text = f"Story {i}. " + blocks[i % 64]
                url = f"http://127.0.0.1/a/{i}.html"
                w.add({"url": url, "final_url": url, "canonical_url": url, "feed_id": 1,
                       "outcome": "ok", "attempts": 0, "fetched_at": now, "title": f"Story {i}",
                       "text": text, "language": "en", "published_at": now,
                       "date_source": "feed", "authors": ["A"], "source": "Outlet",
                       "domain": "127.0.0.1", "extraction_method": "trafilatura",
                       "extractor": "trafilatura 2.3.1", "content_hash": content_hash(text),
                       "word_count": len(text.split()), "html_gzip": text.encode()[:2000]})
        staging.write_json(run_dir / "plan.json", {"created_at": now.isoformat()})
        out.append(run_dir)
    return out


def _loader(settings, queue, start, results) -> None:
    """One loader process: load runs from the queue until it is empty."""
    from presswatch import lake, warehouse
    from presswatch.loading import load_run

    start.wait()
    t0 = time.perf_counter()
    loaded, new = 0, 0
    with warehouse.writer(settings) as con:
        while True:
            try:
                run_dir = queue.get_nowait()
            except Exception:
                break
            summary = load_run(settings, con, Path(run_dir), trigger="bench")
            loaded += 1
            new += summary.articles_new
    results.put({"pid": os.getpid(), "runs": loaded, "new": new,
                 "conflicts": lake.STATS["conflicts"], "seconds": time.perf_counter() - t0})


def load_with(settings, run_dirs: list[Path], loaders: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue, results, start = ctx.Queue(), ctx.Queue(), ctx.Event()
    for d in run_dirs:
        queue.put(str(d))
    procs = [ctx.Process(target=_loader, args=(settings, queue, start, results))
             for _ in range(loaders)]
    for p in procs:
        p.start()
    time.sleep(2.0)  # let the interpreters import before the start signal
    t0 = time.perf_counter()
    start.set()
    done = [results.get(timeout=1800) for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    return {"wall": wall, "loaders": done}


def check(settings) -> tuple[int, int]:
    from presswatch import warehouse

    with warehouse.reader(settings) as con:
        n, distinct = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles"
                                  ).fetchone()
    return int(n), int(distinct)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--loaders", default="1,2,4")
    ap.add_argument("--overlap", type=float, default=0.1)
    args = ap.parse_args()
    from presswatch import warehouse

    from tests.support.postgres import PostgresServer

    counts = [int(x) for x in args.loaders.split(",")]
    expected = args.runs * args.articles - (args.runs - 1) * int(args.articles * args.overlap)
    print(f"[scaling] {args.runs} runs x {args.articles} articles (5 KB texts), overlap "
          f"{args.overlap:.0%} between consecutive runs -> {expected} distinct articles; "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp, PostgresServer() as pg:
        base = load_settings(env={}, warehouse=Path(tmp) / "file" / "presswatch.duckdb")
        runs = stage_runs(base, args.runs, args.articles, args.overlap)
        out = load_with(base, runs, 1)
        with warehouse.reader(base) as con:
            n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        print(f"[scaling] DuckDB file, 1 loader: {out['wall']:.2f}s, {n / out['wall']:,.0f} "
              f"articles/s ({n} stored)")
        for k in counts:
            for d in runs:  # the same staged runs again: forget that they were loaded
                (d / "LOADED").unlink(missing_ok=True)
            dsn = pg.create_database(f"bench_{k}")
            settings = load_settings(env={}, warehouse=Path(tmp) / f"lake{k}" / "presswatch.lake",
                                     staging_dir=base.staging, lake=f"ducklake:postgres:{dsn}",
                                     lake_data_path=str(Path(tmp) / f"lake{k}" / "data"))
            with warehouse.writer(settings):
                pass  # create the catalog and schema before the clock starts
            out = load_with(settings, runs, k)
            n, distinct = check(settings)
            conflicts = sum(r["conflicts"] for r in out["loaders"])
            per = ", ".join(f"{r['runs']} runs/{r['seconds']:.1f}s" for r in out["loaders"])
            print(f"[scaling] DuckLake + Postgres, {k} loader(s): {out['wall']:.2f}s, "
                  f"{n / out['wall']:,.0f} articles/s, {conflicts} commit conflicts retried; "
                  f"stored {n} ({distinct} distinct{', OK' if n == distinct == expected else ', WRONG'}); "
                  f"loaders: {per}")


if __name__ == "__main__":
    main()
