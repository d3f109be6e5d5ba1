"""Helpers shared by the subprocess-based reliability tests (hostile suite, crash recovery,
concurrency): the environment of a ``python -m presswatch.cli`` cycle, process-tree memory
sampling from /proc, adding feeds, reporting figures."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

import duckdb
from presswatch import warehouse
from presswatch.opml import FeedSource
from presswatch.sources import add_feeds

from tests.support.news import LOREM, article_page, rss

DEADLINE_S = 2.0
FEEDS, ITEMS = 6, 6  # the "quiet web" of the crash and concurrency tests
DATE = "Fri, 20 Nov 2026 08:00:00 GMT"
MAX_BYTES = 5 * 1024 * 1024


def cycle_env(warehouse_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``python -m presswatch.cli`` subprocess (shared with the crash tests)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PRESSWATCH_") and k.lower() not in ("http_proxy", "https_proxy")}
    if os.environ.get("PRESSWATCH_SQL_DIR"):
        env["PRESSWATCH_SQL_DIR"] = os.environ["PRESSWATCH_SQL_DIR"]
    env.update({
        "PRESSWATCH_WAREHOUSE": str(warehouse_path),
        "PRESSWATCH_ALLOW_NETWORKS": "127.0.0.1/32",
        "PRESSWATCH_HOST_DELAY_S": "0",
        "PRESSWATCH_FETCH_TIMEOUT_S": str(DEADLINE_S),
        "PRESSWATCH_CONNECT_TIMEOUT_S": "1",
        "PRESSWATCH_MAX_BYTES": str(MAX_BYTES),
        "PRESSWATCH_EXTRACT_WORKERS": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra)
    return env


class TreeMemory:
    """Samples the resident memory of a process and all its descendants (from /proc)."""

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_tree_kb = 0  # max over samples of the sum of VmRSS
        self.hwm_kb: dict[int, int] = {}  # per process high-water mark (VmHWM)
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @staticmethod
    def _children() -> dict[int, list[int]]:
        kids: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(entry))
        return kids

    def _tree(self) -> list[int]:
        kids, out, todo = self._children(), [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(kids.get(p, []))
        return out

    def _sample(self) -> None:
        total = 0
        for p in self._tree():
            try:
                fields = dict(line.split(":", 1) for line in
                              Path(f"/proc/{p}/status").read_text().splitlines() if ":" in line)
            except OSError:
                continue
            rss = int(fields.get("VmRSS", "0 kB").split()[0])
            hwm = int(fields.get("VmHWM", "0 kB").split()[0])
            total += rss
            self.hwm_kb[p] = max(self.hwm_kb.get(p, 0), hwm)
            if p not in self.names:
                with contextlib.suppress(OSError):
                    cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")
                    self.names[p] = cmd.decode(errors="replace")[-60:]
        self.peak_tree_kb = max(self.peak_tree_kb, total)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval_s)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def breakdown(self) -> dict[str, float]:
        return {f"{p} {self.names.get(p, '?')}": round(kb / 1024, 1) for p, kb in self.hwm_kb.items()}

    @property
    def peak_mb(self) -> float:
        """Peak of the tree's resident memory: max over samples of the sum of VmRSS."""
        return round(self.peak_tree_kb / 1024, 1)

    @property
    def bound_mb(self) -> float:
        """Upper bound: the sum of every process's own peak (VmHWM), as if all coincided."""
        return round(sum(self.hwm_kb.values()) / 1024, 1)


def add_feed_urls(warehouse_path: Path, urls: list[str]) -> None:
    from presswatch.settings import load_settings

    settings = load_settings(env={"PRESSWATCH_WAREHOUSE": str(warehouse_path)})
    with warehouse.writer(settings) as con:
        res = add_feeds(con, [FeedSource(url=u, title=None, site_url=None, category=None,
                                         language=None) for u in urls])
    assert not res.rejected, res.rejected


def report(figures: dict) -> None:
    print(json.dumps(figures, sort_keys=True))
    out = os.environ.get("PRESSWATCH_FIGURES")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(figures, sort_keys=True) + "\n")


def build_web(server) -> list[str]:  # noqa: ANN001 - a FixtureServer
    """FEEDS feeds of ITEMS unique articles each, slow enough for a cycle of a few seconds;
    plus a dead link (hard failure, not retried soon) and a javascript: link per feed."""
    feeds = []
    for f in range(FEEDS):
        items = []
        for i in range(ITEMS):
            path = f"/news/c{f}-{i}.html"
            paras = [f"crash {f}-{i}: {p}" for p in LOREM]
            server.route(path, body=article_page(f"Crash story {f}-{i}", paras, canonical=path),
                         delay_s=0.03)
            items.append({"title": f"Crash story {f}-{i}", "link": server.url(path),
                          "guid": f"c{f}-{i}", "date": DATE})
        items.append({"title": "Dead", "link": server.url(f"/news/dead{f}.html"), "guid": f"d{f}"})
        items.append({"title": "JS", "link": "javascript:alert(1)", "guid": f"js{f}"})
        feeds.append(server.route(f"/feeds/c{f}.xml", body=rss(items, title=f"Crash {f}"),
                                  content_type="application/rss+xml", delay_s=0.2))
    return feeds


def snapshot(db: Path) -> dict[str, list]:
    """The warehouse's content, without run ids and wall-clock timestamps."""
    queries = {
        "articles": """SELECT article_id, url, title, text, language, published_at, date_source,
                              domain, content_hash, word_count, revision, extraction_method,
                              extraction_reason, feed_id FROM articles""",
        "feed_entries": """SELECT feed_id, guid, url, url_normalized, title, summary, published_at,
                                  updated_at, date_problem, article_id, page_status, page_reason,
                                  page_attempts FROM feed_entries""",
        "article_urls": "SELECT url, article_id, kind FROM article_urls",
        "feeds": "SELECT feed_id, url, fetch_url, status, etag, body_sha256, last_error FROM feeds",
        "raw_pages": "SELECT article_id, final_url, content_type, octet_length(html_gzip) > 0 FROM raw_pages",
        "article_revisions": "SELECT article_id, revision FROM article_revisions",
    }
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {k: sorted(con.execute(v).fetchall(), key=repr) for k, v in queries.items()}
    finally:
        con.close()
