"""Contender 4: newspaper4k (run with .venv-contenders, see setup_venv.sh).

    .venv-contenders/bin/python newspaper_run.py FEEDS.txt WAREHOUSE.duckdb RESULT.json [--threads N]

Entry links from feedparser (a newspaper4k dependency), then Article(url).download() + .parse()
in a thread pool of N, exactly what newspaper4k's own ``fetch_news(urls, threads=N)`` does (but
one failed page does not abort the rest), then one bulk insert into DuckDB. Images are not
fetched (Configuration.fetch_images = False) and no NLP is run.

tldextract (used by newspaper4k) would download the public suffix list on first use; it is
pointed at its bundled snapshot so that nothing but 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tldextract.tldextract as _tld

_tld.TLD_EXTRACTOR = _tld.TLDExtract(suffix_list_urls=(), cache_dir=None)

import duckdb  # noqa: E402
import feedparser  # noqa: E402
from newspaper import Article, Config  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("feeds")
    ap.add_argument("db")
    ap.add_argument("result")
    ap.add_argument("--threads", type=int, default=32)
    args = ap.parse_args()
    config = Config()
    config.fetch_images = False
    config.memorize_articles = False
    config.request_timeout = 30

    def links(feed_url: str) -> list[str]:
        return [e.link for e in feedparser.parse(feed_url).entries if e.get("link")]

    def article(url: str) -> dict | None:
        try:
            a = Article(url, config=config)
            a.download()
            a.parse()
        except Exception:  # noqa: BLE001 - newspaper raises ArticleException on failed pages
            return None
        if not a.text:
            return None
        return {"url": a.url, "title": a.title,
                "published": a.publish_date.isoformat() if a.publish_date else None,
                "text": a.text}

    feeds = open(args.feeds).read().split()
    with ThreadPoolExecutor(args.threads) as pool:
        urls = [u for found in pool.map(links, feeds) for u in found]
        rows = [r for r in pool.map(article, urls) if r]
    jsonl = Path(args.db).with_suffix(".jsonl")
    with open(jsonl, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    con = duckdb.connect(args.db)
    con.execute("CREATE TABLE articles (url VARCHAR, title VARCHAR, published VARCHAR, "
                "text VARCHAR)")
    if rows:
        con.execute("INSERT INTO articles SELECT url, title, published, text FROM read_json(?, "
                    "format='newline_delimited', columns={'url': 'VARCHAR', 'title': 'VARCHAR', "
                    "'published': 'VARCHAR', 'text': 'VARCHAR'})", [str(jsonl)])
    con.close()
    with open(args.result, "w") as f:
        json.dump({"entries": len(urls), "feeds": len(feeds), "failures": len(urls) - len(rows)}, f)


if __name__ == "__main__":
    main()
