"""The bundled sample news site (``make demo``): four small outlets served on 127.0.0.1.

Feeds in RSS 2.0, Atom (relative links under xml:base) and RSS 1.0/RDF; article pages with the
usual clutter (navigation, cookie banner, related stories, reader comments) that extraction must
leave out; a wire story republished by another outlet under a new headline; a Japanese outlet
whose pages are Shift_JIS with the charset only in a <meta http-equiv> tag; tracking parameters
on feed links.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any


@cache
def site() -> dict[str, Any]:
    text = resources.files("presswatch").joinpath("data/demo_site/site.json").read_text("utf-8")
    return json.loads(text)


def _outlet(slug: str) -> dict[str, Any]:
    return next(o for o in site()["outlets"] if o["slug"] == slug)


def _articles(slug: str) -> list[dict[str, Any]]:
    return [a for a in site()["articles"] if a["outlet"] == slug]


def render_page(base: str, a: dict[str, Any]) -> tuple[bytes, str]:
    o = _outlet(a["outlet"])
    url = f"{base}/{o['slug']}/{a['slug']}.html"
    e = html.escape
    charset = o.get("charset", "utf-8")
    meta_charset = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
                    if charset != "utf-8" else '<meta charset="utf-8">')
    others = [x for x in _articles(o["slug"]) if x is not a][:3]
    related = "".join(f'<li><a href="/{o["slug"]}/{x["slug"]}.html">{e(x["title"])}</a></li>'
                      for x in others)
    body = "".join(f"<p>{e(p)}</p>" for p in a["paras"])
    page = f"""<!DOCTYPE html>
<html lang="{o['language']}"><head>{meta_charset}
<title>{e(a['title'])} | {e(o['name'])}</title>
<link rel="canonical" href="/{o['slug']}/{a['slug']}.html">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{e(o['name'])}">
<meta property="article:published_time" content="{a['date']}">
<meta name="author" content="{e(a['author'])}">
</head><body>
<header><nav><a href="/">Home</a> <a href="/{o['slug']}/">{e(o['name'])}</a> World Business Sport Opinion</nav></header>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies or manage your preferences.</div>
<main><article>
<h1>{e(a['title'])}</h1>
<p class="byline">By {e(a['author'])} <time datetime="{a['date']}">{a['date'][:10]}</time></p>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p>First! This is outrageous, nobody tells the truth anymore.</p></div>
<div class="comment"><p>Great article, thanks for sharing.</p></div></section>
<div class="ad">Advertisement: Buy one get one free at MegaMart.</div>
</main><footer>Copyright {e(o['name'])}. All rights reserved. Privacy policy. Terms.</footer>
</body></html>"""
    return page.encode(charset), charset


def render_feed(base: str, slug: str) -> tuple[bytes, str]:
    o = _outlet(slug)
    e = html.escape
    items = _articles(slug)
    tracked = "?utm_source=rss&utm_medium=feed"
    if o["format"] == "atom10":
        entries = "".join(f"""<entry><id>tag:{slug}.example,2026:{a['slug']}</id>
<title>{e(a['title'])}</title><link rel="alternate" href="{a['slug']}.html{e(tracked)}"/>
<published>{a['date']}</published><updated>{a['date']}</updated>
<author><name>{e(a['author'])}</name></author><summary>{e(a['paras'][0])}</summary></entry>"""
                          for a in items)
        doc = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/{slug}/">
<title>{e(o['name'])}</title><id>tag:{slug}.example,2026:feed</id><updated>2026-11-21T00:00:00Z</updated>
<link rel="alternate" href="{base}/{slug}/"/>{entries}</feed>"""
        return doc.encode(), "application/atom+xml"
    if o["format"] == "rss10":
        seq = "".join(f'<rdf:li rdf:resource="{base}/{slug}/{a["slug"]}.html"/>' for a in items)
        entries = "".join(f"""<item rdf:about="{base}/{slug}/{a['slug']}.html">
<title>{e(a['title'])}</title><link>{base}/{slug}/{a['slug']}.html{e(tracked)}</link>
<description>{e(a['paras'][0])}</description><dc:date>{a['date']}</dc:date>
<dc:creator>{e(a['author'])}</dc:creator></item>""" for a in items)
        doc = f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{base}/{slug}/"><title>{e(o['name'])}</title><link>{base}/{slug}/</link>
<description>{e(o['name'])}</description><items><rdf:Seq>{seq}</rdf:Seq></items></channel>{entries}</rdf:RDF>"""
        return doc.encode(), "application/rdf+xml"
    charset = o.get("charset", "utf-8")
    from datetime import datetime
    from email.utils import format_datetime

    entries = "".join(f"""<item><title>{e(a['title'])}</title>
<link>{base}/{slug}/{a['slug']}.html{e(tracked)}</link><guid isPermaLink="false">{slug}-{a['slug']}</guid>
<pubDate>{format_datetime(datetime.fromisoformat(a['date'].replace('Z', '+00:00')))}</pubDate>
<dc:creator>{e(a['author'])}</dc:creator><description>{e(a['paras'][0])}</description></item>"""
                      for a in items)
    doc = f"""<?xml version="1.0" encoding="{charset}"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>{e(o['name'])}</title><link>{base}/{slug}/</link><description>{e(o['name'])}</description>
<language>{o['language']}</language>{entries}</channel></rss>"""
    return doc.encode(charset, errors="xmlcharrefreplace"), "application/rss+xml"


def feed_paths() -> list[str]:
    ext = {"atom10": "atom.xml", "rss10": "index.rdf", "rss20": "rss.xml"}
    return [f"/{o['slug']}/{ext[o['format']]}" for o in site()["outlets"]]


class _Handler(BaseHTTPRequestHandler):
    server_version = "presswatch-demo/1"

    def log_message(self, *args: object) -> None:  # keep the terminal for the summary
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        base = self.server.base_url  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        if path in feed_paths():
            body, ctype = render_feed(base, path.split("/")[1])
            return self._send(200, body, ctype)
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        for a in site()["articles"]:
            if path == f"/{a['outlet']}/{a['slug']}.html":
                body, charset = render_page(base, a)
                # the Shift_JIS outlet declares its charset only in the page's meta tag
                ctype = "text/html" if charset != "utf-8" else "text/html; charset=utf-8"
                return self._send(200, body, ctype)
        self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 drops connections under concurrency
    daemon_threads = True


class DemoSite:
    """The sample site on 127.0.0.1 (a real HTTP server in a background thread)."""

    def __init__(self, port: int = 0) -> None:
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.server.base_url = self.base_url  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> DemoSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def feed_urls(self) -> list[str]:
        return [self.base_url + p for p in feed_paths()]


def demo_settings(base: Any) -> Any:
    import ipaddress

    from presswatch.settings import load_settings, project_root

    settings = load_settings()
    default = project_root() / "warehouse" / "presswatch.duckdb"
    warehouse = settings.warehouse if settings.warehouse != default else (
        project_root() / "warehouse" / "demo.duckdb")
    nets = tuple({*settings.allow_networks, ipaddress.ip_network("127.0.0.1/32")})
    return replace(settings, warehouse=Path(warehouse), allow_networks=nets, host_delay_s=0.0)


def run_demo(port: int, keep_serving: bool, echo: Callable[[str], None],
             runner: Callable[[Any], Any]) -> None:
    from presswatch import warehouse
    from presswatch.opml import FeedSource
    from presswatch.settings import project_root
    from presswatch.sources import add_feeds

    with DemoSite(port) as demo:
        settings = demo_settings(demo.base_url)
        echo(f"sample site: {demo.base_url}  warehouse: {settings.warehouse}")
        with warehouse.writer(settings, wait_s=30) as con:
            add_feeds(con, [FeedSource(url=u, title=None, site_url=None, category="demo",
                                       language=None) for u in demo.feed_urls()])
            topics_file = project_root() / "topics.yml"
            if topics_file.exists():
                from presswatch.topics import import_topics

                import_topics(con, topics_file)
        summary = runner(settings)
        for line in summary.lines():
            echo(line)
        echo("")
        echo("query it:")
        echo(f"  PRESSWATCH_WAREHOUSE={settings.warehouse} presswatch status")
        echo(f"  duckdb -readonly {settings.warehouse} \"SELECT domain, title, language, date_source FROM articles\"")  # noqa: S608
        echo(f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{settings.warehouse}', read_only=True).sql('SELECT domain, title FROM articles'))\"")  # noqa: S608
        if keep_serving:
            echo("serving the sample site; Ctrl-C to stop")
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass
