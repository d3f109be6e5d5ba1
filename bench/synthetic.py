"""A synthetic news web for benchmarks: outlets with RSS feeds and realistic article pages,
served on 127.0.0.1 (one port per outlet, so each outlet is its own host for politeness) with a
configurable per-response latency. Deterministic for a given seed."""

from __future__ import annotations

import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = ("the government said on tuesday that new rules for ports shipping and fishing would "
         "take effect next year after months of talks with industry groups local officials "
         "and residents who had raised concerns about costs jobs safety water energy prices "
         "trade exports imports summit leaders ministers agreement economy growth inflation "
         "market investors analysts court ruling police report election campaign voters").split()


def paragraph(rng: random.Random, n_words: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n_words)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def article_html(rng: random.Random, title: str, outlet: str, text_bytes: int) -> bytes:
    paras, size = [], 0
    while size < text_bytes:
        p = paragraph(rng, rng.randint(40, 90))
        paras.append(p)
        size += len(p) + 1
    body = "".join(f"<p>{p}</p>" for p in paras)
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(25))
    related = "".join(f'<li><a href="/related/{rng.randint(1, 10**6)}">{paragraph(rng, 8)}</a></li>'
                      for _ in range(8))
    comments = "".join(f'<div class="comment"><p>{paragraph(rng, 20)}</p></div>' for _ in range(6))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<meta property="og:site_name" content="{outlet}"><script>var analytics = {{id: 42}};</script>
<style>body{{font-family:serif}} .ad{{display:block}}</style></head><body>
<header><ul class="nav">{nav}</ul></header><div class="cookie">We use cookies. Accept all.</div>
<main><article><h1>{title}</h1><p class="byline">By Staff Reporter</p>{body}</article>
<aside class="related"><h2>Related</h2><ul>{related}</ul></aside>
<section class="comments"><h2>Comments</h2>{comments}</section>
<div class="ad">Advertisement</div></main><footer>Copyright {outlet}</footer></body></html>""".encode()


class _Server(ThreadingHTTPServer):
    request_queue_size = 512
    daemon_threads = True


class SyntheticWeb:
    """``outlets`` outlets x ``per_outlet`` articles; feeds list the articles (RSS 2.0)."""

    def __init__(self, outlets: int, per_outlet: int, *, latency_s: float = 0.0,
                 text_bytes: int = 5000, seed: int = 7) -> None:
        self.outlets, self.per_outlet = outlets, per_outlet
        self.latency_s, self.text_bytes, self.seed = latency_s, text_bytes, seed
        self.servers: list[ThreadingHTTPServer] = []
        self.bytes_served = 0
        self.requests = 0
        self._lock = threading.Lock()

    def page(self, outlet: int, i: int) -> bytes:
        rng = random.Random(self.seed * 1_000_003 + outlet * 10_007 + i)
        return article_html(rng, f"Outlet {outlet} story {i}", f"Outlet {outlet}", self.text_bytes)

    def feed(self, outlet: int, base: str) -> bytes:
        items = "".join(
            f"<item><title>Outlet {outlet} story {i}</title><link>{base}/a/{i}.html</link>"
            f"<guid>{base}/a/{i}.html</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate></item>"
            for i in range(self.per_outlet))
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Outlet {outlet}</title><link>{base}/</link><description>x</description>"
                f"{items}</channel></rss>").encode()

    def start(self) -> SyntheticWeb:
        web = self

        for outlet in range(self.outlets):
            class Handler(BaseHTTPRequestHandler):
                outlet_no = outlet
                protocol_version = "HTTP/1.1"

                def log_message(self, *a: object) -> None:
                    pass

                def do_GET(self) -> None:  # noqa: N802
                    if web.latency_s:
                        time.sleep(web.latency_s)
                    base = f"http://127.0.0.1:{self.server.server_address[1]}"
                    etag = f'"{web.seed}-{self.outlet_no}"'
                    if self.path == "/feed.xml":
                        if self.headers.get("If-None-Match") == etag:
                            return self._send(304, b"", "application/rss+xml", etag)
                        return self._send(200, web.feed(self.outlet_no, base), "application/rss+xml", etag)
                    if self.path == "/robots.txt":
                        return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
                    if self.path.startswith("/a/"):
                        i = int(self.path[3:].split(".")[0])
                        return self._send(200, web.page(self.outlet_no, i), "text/html; charset=utf-8")
                    self._send(404, b"", "text/plain")

                def _send(self, status: int, body: bytes, ctype: str, etag: str | None = None) -> None:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    if etag:
                        self.send_header("ETag", etag)
                    self.end_headers()
                    self.wfile.write(body)
                    with web._lock:
                        web.bytes_served += len(body)
                        web.requests += 1

            server = _Server(("127.0.0.1", 0), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
        return self

    def stop(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()

    def feed_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{s.server_address[1]}/feed.xml" for s in self.servers]

    def page_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{s.server_address[1]}/a/{i}.html"
                for s in self.servers for i in range(self.per_outlet)]
