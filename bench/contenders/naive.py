"""Contender 2: the straightforward script a user might write (run with the project's .venv).

    python naive.py FEEDS.txt WAREHOUSE.duckdb RESULT.json

feedparser.parse(url) per feed, trafilatura.fetch_url + trafilatura.extract per entry (one at a
time), executemany into DuckDB per feed, the URL as primary key (INSERT OR IGNORE). Only change
from the obvious script: trafilatura's SSRF protection is switched off so it may fetch from
127.0.0.1 (the same allowance presswatch gets through PRESSWATCH_ALLOW_NETWORKS).
"""

from __future__ import annotations

import json
import sys

import duckdb
import feedparser
import trafilatura
from trafilatura.settings import use_config


def main() -> None:
    feeds_file, db, result = sys.argv[1:4]
    config = use_config()
    config.set("DEFAULT", "SSRF_PROTECTION", "off")
    con = duckdb.connect(db)
    con.execute("CREATE TABLE IF NOT EXISTS articles (url VARCHAR PRIMARY KEY, title VARCHAR, "
                "published VARCHAR, text VARCHAR)")
    entries = failures = 0
    for feed_url in open(feeds_file).read().split():
        feed = feedparser.parse(feed_url)
        rows = []
        for entry in feed.entries:
            entries += 1
            html = trafilatura.fetch_url(entry.link, config=config)
            text = trafilatura.extract(html, url=entry.link, config=config) if html else None
            if not text:
                failures += 1
                continue
            rows.append((entry.link, entry.get("title"), entry.get("published"), text))
        if rows:
            con.executemany("INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?)", rows)
    con.close()
    with open(result, "w") as f:
        json.dump({"entries": entries, "failures": failures}, f)


if __name__ == "__main__":
    main()
