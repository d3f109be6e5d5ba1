"""Readers of the published snapshot are never blocked by the writer (issue: reliability)."""

from __future__ import annotations

import subprocess
import sys

from presswatch import warehouse
from presswatch.demo import DemoSite
from presswatch.opml import FeedSource
from presswatch.pipeline import run_cycle
from presswatch.snapshot import publish, snapshot_path
from presswatch.sources import add_feeds

READ = ("import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(c.execute('SELECT count(*) FROM articles').fetchone()[0])")


def test_snapshot_readable_while_the_warehouse_is_being_written(settings_factory):
    settings = settings_factory(extract_workers=1)
    with DemoSite() as site:
        with warehouse.writer(settings) as con:
            add_feeds(con, [FeedSource(u, None, None, None, None) for u in site.feed_urls()])
        run_cycle(settings, post_load=False)
    publish(settings)
    snap = snapshot_path(settings)
    with warehouse.writer(settings) as con:  # a writer holds the live file, mid-transaction
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM articles")
        # another process reads the snapshot: not blocked, and sees the published state
        out = subprocess.run([sys.executable, "-c", READ, str(snap)], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert int(out.stdout) == 8
        # while the live file refuses a second process, as DuckDB does
        live = subprocess.run([sys.executable, "-c", READ, str(settings.warehouse)],
                              capture_output=True, text=True, timeout=60)
        assert live.returncode != 0
        con.execute("ROLLBACK")
