"""Serve the bundled sample site on 127.0.0.1 and register its feeds in the warehouse
(``make airflow`` with PRESSWATCH_DEMO=1). Runs until killed."""

from __future__ import annotations

import argparse
import threading

from presswatch import warehouse
from presswatch.demo import DemoSite
from presswatch.opml import FeedSource
from presswatch.settings import load_settings, project_root
from presswatch.sources import add_feeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    settings = load_settings()
    with DemoSite(args.port) as site:
        with warehouse.writer(settings, wait_s=60) as con:
            res = add_feeds(con, [FeedSource(url=u, title=None, site_url=None, category="demo",
                                             language=None) for u in site.feed_urls()])
            topics_file = project_root() / "topics.yml"
            if topics_file.exists():  # the shipped example topics, so the UI chart has data
                from presswatch.topics import import_topics

                import_topics(con, topics_file)
        print(f"sample site on {site.base_url}: {res.added} feeds added to {settings.warehouse} "
              f"({res.already_present} already there)", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
