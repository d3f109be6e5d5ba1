"""Two writers at once, an unwritable warehouse, a full disk: a clear message, nothing corrupted,
nothing half-written. Cycles run as real ``python -m presswatch.cli run`` processes.

The read-only and disk-full cases mount a small tmpfs (``mount -t tmpfs``); they are skipped
with the reason when the test process may not mount (not root / no CAP_SYS_ADMIN).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from presswatch import warehouse
from presswatch.settings import load_settings

from tests.hostile.runner import FEEDS, ITEMS, add_feed_urls, build_web, cycle_env, report, snapshot

BUSY = "another presswatch cycle is writing"

pytestmark = pytest.mark.slow


def cli(db: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "presswatch.cli", *args], env=cycle_env(db, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for_staging(db: Path, proc: subprocess.Popen, timeout: float = 30) -> None:
    """Until the cycle has taken the writer lock (its run directory exists)."""
    staging = db.parent / "staging"
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if staging.exists() and any(p.is_dir() for p in staging.iterdir()):
            return
        time.sleep(0.01)
    raise AssertionError("the first cycle never started")


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return warehouse.table_counts(con, ["feeds", "feed_entries", "articles", "article_urls",
                                            "fetch_events", "runs", "raw_pages"])
    finally:
        con.close()


def assert_clean(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == FEEDS * ITEMS
        assert con.execute("SELECT count(*) - count(DISTINCT (feed_id, guid)) FROM feed_entries"
                           ).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM feed_entries").fetchone()[0] == FEEDS * (ITEMS + 2)
    finally:
        con.close()


def test_second_cycle_exits_with_clear_message_or_waits(fixture_server, tmp_path) -> None:
    db = tmp_path / "w" / "presswatch.duckdb"
    add_feed_urls(db, build_web(fixture_server))

    first = cli(db, "run", "--all")
    wait_for_staging(db, first)
    t0 = time.monotonic()
    rc, out, err = finish(cli(db, "run", "--all"))
    refused_in = time.monotonic() - t0
    assert rc == 1 and BUSY in err and "--wait" in err, (rc, err)
    assert "Traceback" not in err
    assert finish(first)[0] == 0
    assert_clean(db)
    before = snapshot(db)

    # with --wait the second one queues behind the first, then runs (and finds nothing new)
    first = cli(db, "run", "--all")
    wait_for_staging(db, first)
    second = cli(db, "run", "--all", "--wait", "120")
    rc1, _, err1 = finish(first)
    rc2, out2, err2 = finish(second)
    assert (rc1, rc2) == (0, 0), (err1, err2)
    assert snapshot(db) == before  # re-running changed nothing
    assert counts(db)["runs"] == 3
    report({"suite": "concurrency", "busy_refusal_s": round(refused_in, 2),
            "busy_message": err.strip().splitlines()[-1]})


def test_cli_while_another_writer_holds_the_warehouse(fixture_server, tmp_path) -> None:
    """As when an Airflow task is loading: the CLI refuses at once, or waits with --wait."""
    db = tmp_path / "w" / "presswatch.duckdb"
    add_feed_urls(db, build_web(fixture_server))
    settings = load_settings(env={"PRESSWATCH_WAREHOUSE": str(db)})
    with warehouse.writer(settings):
        rc, _, err = finish(cli(db, "run", "--all"))
        assert rc == 1 and BUSY in err and f"pid {os.getpid()}" in err, err
        waiting = cli(db, "run", "--all", "--wait", "60")
        time.sleep(1.5)
        assert waiting.poll() is None  # still waiting for the lock
    rc, _, err = finish(waiting)
    assert rc == 0, err
    assert_clean(db)


def test_warehouse_parent_is_a_file(tmp_path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    rc, _, err = finish(cli(blocker / "presswatch.duckdb", "run", "--all"))
    assert rc == 1 and "cannot create the warehouse directory" in err and "Traceback" not in err
    assert blocker.read_text() == "x"


@contextlib.contextmanager
def tmpfs(path: Path, size: str, *opts: str):
    path.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *opts]), "tmpfs",
                          str(path)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip() or res.returncode}); "
                    "the read-only and disk-full cases need it")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount(path: Path, *opts: str) -> None:
    subprocess.run(["mount", "-o", ",".join(["remount", *opts]), str(path)], check=True)


def test_read_only_warehouse_directory(fixture_server, tmp_path) -> None:
    feeds = build_web(fixture_server)
    with tmpfs(tmp_path / "ro", "16m") as mnt:
        db = mnt / "presswatch.duckdb"
        add_feed_urls(db, feeds)
        before = db.read_bytes()
        remount(mnt, "ro")
        rc, _, err = finish(cli(db, "run", "--all"))
        assert rc == 1 and "not writable" in err and "Traceback" not in err, err
        assert db.read_bytes() == before and sorted(p.name for p in mnt.iterdir()) == [
            "presswatch.duckdb", "presswatch.duckdb.lock"]
        remount(mnt, "rw")
        rc, _, err = finish(cli(db, "run", "--all"))
        assert rc == 0, err
        assert_clean(db)
    empty_ro = tmp_path / "ro2"
    with tmpfs(empty_ro, "1m", "ro"):
        rc, _, err = finish(cli(empty_ro / "presswatch.duckdb", "run", "--all"))
        assert rc == 1 and "not writable" in err and "Traceback" not in err, err
        assert list(empty_ro.iterdir()) == []


@pytest.mark.parametrize("free_kb", [64, 1400])
def test_disk_full_leaves_nothing_half_written(fixture_server, tmp_path, free_kb) -> None:
    """The disk fills up while staging (64 KB left) or while DuckDB loads (more left): a clear
    error, the warehouse keeps its committed state, and the next cycle (space freed) completes."""
    feeds = build_web(fixture_server)
    with tmpfs(tmp_path / "full", "8m") as mnt:
        db = mnt / "presswatch.duckdb"
        add_feed_urls(db, feeds)
        before = counts(db)
        free = shutil.disk_usage(mnt).free
        filler = mnt / "filler"
        filler.write_bytes(b"\0" * max(0, free - free_kb * 1024))
        rc, _, err = finish(cli(db, "run", "--all"))
        last = err.strip().splitlines()[-1] if err.strip() else ""
        assert "Traceback" not in err, err
        if rc != 0:
            assert "No space left on device" in last and "free some space" in last, err
        filler.unlink()
        staging = mnt / "staging"
        leftovers = [p.name for p in staging.iterdir()] if staging.exists() else []
        committed = counts(db) != before
        if rc != 0:
            # all or nothing: either the load had not committed (nothing changed), or it had
            # and only a later step (stories/topics, its own transaction) ran out of space
            if counts(db) != before:
                assert_clean(db)
            assert leftovers == []  # the failed run's staged files were removed
        rc2, _, err2 = finish(cli(db, "run", "--all"))
        assert rc2 == 0, err2
        assert_clean(db)
        report({"suite": "disk_full", "free_kb": free_kb, "first_run_rc": rc, "message": last,
                "load_had_committed": committed})
