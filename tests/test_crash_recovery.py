"""Kill -9 a real ``presswatch run --all`` 25 times at random points of its cycle (polling, page
fetching, extraction, load), then run it once more cleanly: the warehouse must equal the one of a
run that never crashed (same articles, feed entries and URL variants; no duplicates; nothing lost).

Each kill targets a stage: the test waits until the cycle's staged files show that the stage has
begun, then waits a random fraction of that stage's duration (measured on the crash-free reference
run) and sends SIGKILL to the cycle process. Where the kill really landed is read back from the
staged files it left. Also: a kill between a migration's commit and the creation of the views.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.hostile.runner import FEEDS, ITEMS, add_feed_urls, build_web, cycle_env, report, snapshot

KILLS = int(os.environ.get("PRESSWATCH_CRASH_KILLS", "25"))
SEED = int(os.environ.get("PRESSWATCH_CRASH_SEED", "6"))
# stage -> the staged file whose appearance shows the stage has begun
# the CLI cycle fetches and extracts at once (pages.fetch_and_extract_pages): one stage here
STAGE_MARKERS = {"poll": "plan.json", "fetch+extract": "events-select.parquet",
                 "load": "extracted-0.parquet"}

pytestmark = pytest.mark.slow


def start_cycle(db: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "presswatch.cli", "run", "--all", "--json"],
                            env=cycle_env(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def new_run_dir(staging: Path, before: set[str]) -> Path | None:
    if not staging.exists():
        return None
    fresh = [p for p in staging.iterdir() if p.is_dir() and p.name not in before]
    return fresh[0] if fresh else None


def landed(run_dir: Path | None) -> str:
    """Which stage a killed cycle was in, from the staged files it left."""
    if run_dir is None or not (run_dir / "plan.json").exists():
        return "startup/plan"
    has = {p.name for p in run_dir.iterdir()}
    if "LOADED" in has:
        return "after load"
    for stage, after in (("load", "extracted-0.parquet"),
                         ("fetch+extract", "events-select.parquet"),
                         ("select", "feed-results.parquet")):
        if after in has:
            return stage
    return "poll"


def session_members(sid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    out.append(int(entry))
            except OSError:
                pass
    return out


def reap(proc: subprocess.Popen, grace_s: float = 1.0) -> int:
    """Wait for the killed cycle; return how many of its helper processes (forkserver, pool
    workers) were still alive ``grace_s`` after it died, then end them (the session this test
    started, by its id). They hold the cycle's stdout/stderr, so this comes before reading those."""
    proc.wait(timeout=30)
    end = time.monotonic() + grace_s
    while session_members(proc.pid) and time.monotonic() < end:
        time.sleep(0.05)
    left = len(session_members(proc.pid))
    if left:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    return left


def test_kill_minus_nine_loses_nothing(fixture_server, tmp_path) -> None:
    feeds = build_web(fixture_server)
    rng = random.Random(SEED)

    # reference: one cycle that is never interrupted
    ref_db = tmp_path / "ref" / "presswatch.duckdb"
    add_feed_urls(ref_db, feeds)
    t0 = time.monotonic()
    proc = start_cycle(ref_db)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    ref_wall = time.monotonic() - t0
    import json

    timings = json.loads(out)["timings_s"]
    reference = snapshot(ref_db)
    assert len(reference["articles"]) == FEEDS * ITEMS
    assert len(reference["feed_entries"]) == FEEDS * (ITEMS + 2)

    # crashes: each kill aimed at a stage, at a random point inside it
    db = tmp_path / "crash" / "presswatch.duckdb"
    add_feed_urls(db, feeds)
    staging = db.parent / "staging"
    per_stage = {"poll": 6, "fetch+extract": 13, "load": 6}
    scale = KILLS / sum(per_stage.values())
    plan = [s for s, n in per_stage.items() if s != "load" for _ in range(round(n * scale))]
    rng.shuffle(plan)
    plan += ["load"] * (KILLS - len(plan))  # last: a kill after the commit makes later cycles short
    outcomes: Counter[str] = Counter()
    killed, orphans, delays = 0, 0, []
    for stage in plan:
        before = {p.name for p in staging.iterdir()} if staging.exists() else set()
        proc = start_cycle(db)
        marker = STAGE_MARKERS[stage]
        deadline = time.monotonic() + 60
        run_dir = None
        while proc.poll() is None and time.monotonic() < deadline:
            run_dir = run_dir or new_run_dir(staging, before)
            if run_dir is not None and (run_dir / marker).exists():
                break
            time.sleep(0.01)
        frac = rng.uniform(0.0, 0.6 if stage == "load" else 0.9)
        delay = frac * max(timings.get(stage, 0.2), 0.05)
        delays.append(round(delay, 3))
        waited = time.monotonic() - (deadline - 60)
        time.sleep(delay)
        print(f"kill aimed at {stage}: marker after {waited:.2f}s, +{delay:.2f}s", flush=True)
        if proc.poll() is None:
            run_dir = run_dir or new_run_dir(staging, before)
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
            orphans += reap(proc)
            outcomes[landed(run_dir)] += 1
        else:
            proc.communicate()
            assert proc.returncode == 0
            outcomes["completed before the kill"] += 1

    # one clean cycle; then the warehouse equals the crash-free one
    proc = start_cycle(db)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    after = snapshot(db)
    lost = {k: len(set(reference[k]) - set(after[k])) for k in reference}
    extra = {k: len(set(after[k]) - set(reference[k])) for k in reference}
    con = duckdb.connect(str(db), read_only=True)
    try:
        dup_articles = con.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0]
        dup_entries = con.execute(
            "SELECT count(*) - count(DISTINCT (feed_id, guid)) FROM feed_entries").fetchone()[0]
        committed = con.execute("SELECT count(*) FROM runs").fetchone()[0] - 1
        unlinked = con.execute("SELECT count(*) FROM feed_entries WHERE page_status = 'stored' "
                               "AND article_id IS NULL").fetchone()[0]
    finally:
        con.close()
    leftovers = [p.name for p in staging.iterdir()] if staging.exists() else []
    report({"suite": "crash_recovery", "kills_planned": KILLS, "kills_delivered": killed,
            "landed": dict(outcomes), "crashed_runs_that_had_committed": committed,
            "orphan_processes_after_kill": orphans, "reference_wall_s": round(ref_wall, 2),
            "reference_timings_s": timings, "rows_lost": lost, "rows_extra": extra,
            "duplicates": {"articles": dup_articles, "feed_entries": dup_entries},
            "staging_leftovers": leftovers, "seed": SEED})
    # A kill lands only if the cycle is still running when its delay ends; on a busy machine
    # many cycles (with little left to do once earlier crashed runs committed) finish first.
    # What matters is that kills landed in every stage below and nothing was lost.
    assert killed >= KILLS * 0.4, outcomes
    assert {"poll", "fetch+extract", "load"} <= set(outcomes), outcomes
    assert lost == {k: 0 for k in reference} and extra == {k: 0 for k in reference}
    assert after == reference
    assert dup_articles == dup_entries == unlinked == 0
    assert leftovers == []


def test_kill_between_migration_and_views(tmp_path) -> None:
    """A first open killed after the schema migration committed but before the views exist must
    not leave a warehouse without its views (the next open repairs it)."""
    db = tmp_path / "w" / "presswatch.duckdb"
    env = cycle_env(db)
    code = ("import os, signal\n"
            "from presswatch import warehouse\n"
            "from presswatch.settings import load_settings\n"
            "def die(con):\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "warehouse.refresh_views = die\n"
            "with warehouse.writer(load_settings()) as con:\n"
            "    pass\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    add_feed_urls(db, [])  # the next writer to open the warehouse (any command that writes)
    proc = subprocess.run([sys.executable, "-m", "presswatch.cli", "feeds", "list", "--json"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        views = {r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    finally:
        con.close()
    assert "feed_health" in views
