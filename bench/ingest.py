"""Ingest benchmarks (issue: ingest foundation). Prints figures with a same-run baseline.

    .venv/bin/python bench/ingest.py [--quick]

1. extraction throughput: process pool (all cores) vs one process, same pages;
2. DuckDB load: presswatch's staged-Parquet load (load_run) vs executemany, same rows (5 KB texts);
3. fetch wall time: 200 pages with 100 ms latency each, at the configured concurrency vs sequential;
4. peak memory (whole process tree, sampled) of one `presswatch run --all` over 2,000 articles.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT / "bench"))

from presswatch.settings import load_settings  # noqa: E402
from synthetic import SyntheticWeb  # noqa: E402

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


def bench_extraction(n: int) -> None:
    import random

    from presswatch.extract import ExtractJob, ExtractorPool, extract_many
    from synthetic import article_html

    jobs = [ExtractJob(body=article_html(random.Random(i), f"Story {i}", "Outlet", 5000),
                       url=f"http://127.0.0.1/a/{i}.html") for i in range(n)]
    extract_many(jobs[:4], 1)  # warm imports in this process
    t0 = time.perf_counter()
    one = extract_many(jobs, 1)
    t_one = time.perf_counter() - t0
    workers = os.cpu_count() or 1
    with ExtractorPool(workers) as pool:
        pool.map(jobs[: workers * 2])  # start workers (imports) before timing
        t0 = time.perf_counter()
        many = pool.map(jobs)
        t_pool = time.perf_counter() - t0
    assert [e.text for e in one] == [e.text for e in many]
    print(f"[extract] {n} pages: one process {n / t_one:.1f} pages/s, pool of {workers} "
          f"{n / t_pool:.1f} pages/s -> {t_one / t_pool:.2f}x (goal >= 1.7x on 2 cores)")


def _staged_run(settings, n: int, text_bytes: int) -> Path:
    """A run directory with n extracted articles, as the extract stage writes it."""
    import random

    from presswatch import staging
    from presswatch.ids import content_hash
    from presswatch.schemas import schema

    run_dir = settings.staging / "bench-load"
    now = datetime.now(UTC)
    rng = random.Random(1)
    words = "harbour council budget water ministry talks summit trade port fishing".split()
    blocks = [" ".join(rng.choice(words) for _ in range(text_bytes // 7))[:text_bytes]
              for _ in range(64)]
    # written as the extract stage writes it (pages.extract_pages): 128-row batches, compacted
    with staging.TableWriter(run_dir / "extracted-0.parquet", schema("extracted"), 128,
                             compact_rows=2048) as out:
        for i in range(n):
            text = f"Story {i}. " + blocks[i % 64]
            url = f"http://127.0.0.1/a/{i}.html"
            out.add({"url": url, "final_url": url, "canonical_url": url, "feed_id": 1,
                     "outcome": "ok", "attempts": 0, "fetched_at": now, "title": f"Story {i}",
                     "text": text, "language": "en", "published_at": now, "date_source": "feed",
                     "authors": ["A"], "source": "Outlet", "domain": "127.0.0.1",
                     "extraction_method": "trafilatura", "extractor": "trafilatura 2.3.1",
                     "content_hash": content_hash(text), "word_count": len(text.split())})
    staging.write_json(run_dir / "plan.json", {"created_at": now.isoformat()})
    return run_dir


def bench_load(n: int, n_exec: int, repeats: int = 3) -> None:
    """load_run into a fresh warehouse, timed until the data is durable *and* checkpointed (no
    deferred checkpoint hides in the figure); the median of `repeats` runs is reported."""
    import statistics

    import duckdb
    import pyarrow.parquet as pq
    from presswatch import warehouse
    from presswatch.loading import load_run

    rates, slowest = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            settings = load_settings(env={}, warehouse=Path(tmp) / f"w{r}.duckdb")
            run_dir = _staged_run(settings, n, 5000)
            with warehouse.writer(settings) as con:
                t0 = time.perf_counter()
                summary = load_run(settings, con, run_dir, trigger="bench")
                con.execute("CHECKPOINT")
                rates.append(n / (time.perf_counter() - t0))
                assert summary.articles_new == n, summary
                slowest = sorted(summary.statement_ms.items(), key=lambda kv: -kv[1])[:3]
        rows = pq.read_table(run_dir / "extracted-0.parquet").slice(0, n_exec).to_pylist()
        con = duckdb.connect(str(Path(tmp) / "exec.duckdb"))
        con.execute("CREATE TABLE articles (article_id BIGINT PRIMARY KEY, url VARCHAR UNIQUE, "
                    "title VARCHAR, text VARCHAR, language VARCHAR, published_at TIMESTAMPTZ, "
                    "domain VARCHAR, content_hash VARCHAR, word_count INTEGER)")
        params = [(i, r["url"], r["title"], r["text"], r["language"], r["published_at"],
                   r["domain"], r["content_hash"], r["word_count"]) for i, r in enumerate(rows)]
        t0 = time.perf_counter()
        con.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", params)
        t_exec = time.perf_counter() - t0
        con.close()
    ours, theirs = statistics.median(rates), n_exec / t_exec
    runs = ", ".join(f"{x:,.0f}" for x in rates)
    print(f"[load] staged Parquet load_run (commit + checkpoint): {n} articles at {ours:,.0f} "
          f"articles/s (median of {repeats}: {runs}); executemany: {n_exec} in {t_exec:.2f}s = "
          f"{theirs:,.0f} articles/s -> {ours / theirs:.1f}x (goal >= 20x and >= 20,000/s); "
          f"slowest statements in the last run (ms): {slowest}")


def bench_fetch(pages: int, latency: float) -> None:
    from presswatch.fetcher import fetch_many

    outlets = 10
    web = SyntheticWeb(outlets, pages // outlets, latency_s=latency).start()
    try:
        urls = web.page_urls()
        settings = load_settings(env={}, allow_networks=LOOPBACK, host_delay_s=0.0,
                                 respect_robots=False, warehouse=Path(tempfile.gettempdir()) / "x.duckdb")
        t0 = time.perf_counter()
        res = fetch_many(settings, [(u, "page") for u in urls])
        t_conc = time.perf_counter() - t0
        assert all(r.outcome == "ok" for r in res), {r.reason for r in res}
        seq = load_settings(env={}, allow_networks=LOOPBACK, host_delay_s=0.0, concurrency=1,
                            host_concurrency=1, respect_robots=False,
                            warehouse=Path(tempfile.gettempdir()) / "x.duckdb")
        t0 = time.perf_counter()
        fetch_many(seq, [(u, "page") for u in urls])
        t_seq = time.perf_counter() - t0
    finally:
        web.stop()
    print(f"[fetch] {pages} pages, {latency * 1000:.0f} ms latency, {outlets} hosts: "
          f"concurrent (concurrency={settings.concurrency}, per host={settings.host_concurrency}) "
          f"{t_conc:.2f}s vs sequential {t_seq:.2f}s -> {t_seq / t_conc:.1f}x")


def _tree_memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of a process and all its descendants, in bytes. PSS splits pages shared by
    forked workers between them (the memory really used); the RSS sum counts them once per
    process (an upper bound). The summing is e2e_measure.memory's."""
    from e2e_measure import memory

    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return memory(pids)


def bench_memory(articles: int) -> None:
    outlets = 20
    web = SyntheticWeb(outlets, articles // outlets).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "PRESSWATCH_WAREHOUSE": f"{tmp}/w.duckdb",
                   "PRESSWATCH_ALLOW_NETWORKS": "127.0.0.1/32", "PRESSWATCH_HOST_DELAY_S": "0",
                   "PYTHONPATH": str(ROOT / "plugins")}
            feeds = Path(tmp) / "feeds.txt"
            feeds.write_text("\n".join(web.feed_urls()))
            cli = [sys.executable, "-m", "presswatch.cli"]
            subprocess.run([*cli, "feeds", "import", str(feeds)], env=env, check=True,
                           capture_output=True)
            t0 = time.perf_counter()
            proc = subprocess.Popen([*cli, "run", "--all", "--json"], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            peak = peak_rss = 0
            while proc.poll() is None:
                pss, rss = _tree_memory(proc.pid)
                peak, peak_rss = max(peak, pss), max(peak_rss, rss)
                time.sleep(0.05)
            out, err = proc.communicate()
            wall = time.perf_counter() - t0
            if proc.returncode:
                raise SystemExit(err)
            import json

            summary = json.loads(out)
    finally:
        web.stop()
    print(f"[memory] cycle over {articles} articles: {summary['articles_new']} stored in "
          f"{wall:.1f}s; peak memory of the process tree: PSS {peak / 2**20:.0f} MB (goal < 600 MB), "
          f"RSS sum {peak_rss / 2**20:.0f} MB (counts pages shared with forked workers twice); "
          f"stages {summary['timings_s']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    ap.add_argument("--only", choices=["extraction", "load", "fetch", "memory"], action="append",
                    help="run only these parts (repeatable)")
    args = ap.parse_args()
    q = args.quick
    parts = set(args.only or ["extraction", "load", "fetch", "memory"])
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if "extraction" in parts:
        bench_extraction(60 if q else 300)
    if "load" in parts:
        bench_load(2000 if q else 20000, 500 if q else 2000)
    if "fetch" in parts:
        bench_fetch(200, 0.1)
    if "memory" in parts:
        bench_memory(200 if q else 2000)


if __name__ == "__main__":
    main()
