"""A synthetic news web for benchmarks: outlets with RSS feeds and realistic article pages,
served on 127.0.0.1 (one port per outlet, so each outlet is its own host for politeness) with a
configurable per-response latency. Deterministic for a given seed."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

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


# ------------------------------------------------------------------ a news web at scale (e2e)
# ``NewsWeb`` is the layout and the ground truth (no I/O); ``serve`` runs it on 127.0.0.1 in its
# own process (aiohttp, one port per outlet); ``WebServer`` starts and queries that process.

VOCAB = WORDS + ("""fukushima tepco tritium treated water discharge ocean release seafood ban
    china japan beijing tokyo apec forum delegates regional cooperation tariffs customs fishermen
    fleet harbour council budget ministry spokesman statement inquiry hearing parliament senate
    bill vote coalition opposition protest union strike wages hospital school teachers students
    research university scientists study climate storm flood drought harvest farmers prices
    fuel electricity grid solar wind nuclear plant reactor safety inspectors agency regulator
    license permit bank rates currency bonds shares quarter profit revenue losses company chief
    executive board merger deal contract tender railway airport bridge road transport ferry city
    mayor village region province border migrants asylum court judge appeal sentence prison
    minister president premier envoy talks treaty sanctions embassy visit week month year day
    morning evening said told added according would could might will also still however while
    after before during since about against between through under over into from with without
    new old first last next major small large local national international public private
    """.split())
KINDS = ("ok", "syndicated", "slow", "fail", "oversized")
OVERSIZED_BYTES = 12 * 1024 * 1024  # above presswatch's default 10 MB cap
UTM = "?utm_source=rss&utm_medium=feed"
ATOM_TAG = "?at_medium=RSS&at_campaign=top"


class Page(NamedTuple):
    outlet: int
    index: int  # /a/<index>.html on the outlet
    number: int  # global page number
    doc: int  # ground-truth document (a syndicated copy carries its original's)
    kind: str  # one of KINDS
    text_bytes: int


class NewsWeb:
    """``articles`` article pages on outlets of 20-100 pages each. Every outlet has an RSS feed
    (/rss.xml) listing all its pages; every 4th outlet also has an Atom "top stories" feed
    (/atom.xml) repeating its newest 20 under another URL spelling. Even outlets tag RSS links
    with utm_* parameters, and ``redirects`` of the RSS links go through /r/<i> (301 to the page).
    Shares of pages are syndicated copies of another outlet's article (same title and text, own
    boilerplate and URL), slow (``slow_s`` extra), failing (404/410/403, 1 in 40 of them 500) or
    oversized (12 MB: above presswatch's 10 MB cap, below trafilatura's 20 MB)."""

    def __init__(self, articles: int, *, seed: int = 7, syndicated: float = 0.05,
                 slow: float = 0.01, failing: float = 0.02, oversized: float = 0.001,
                 redirects: float = 0.03, slow_s: float = 1.0) -> None:
        if articles < 20:
            raise ValueError("at least 20 articles")
        self.articles, self.seed, self.slow_s = articles, seed, slow_s
        rng = random.Random(seed)
        sizes, left = [], articles
        while left >= 120:
            sizes.append(rng.randint(20, 100))
            left -= sizes[-1]
        sizes += [left // 2, left - left // 2] if left > 100 else [left]
        self.sizes = sizes
        self.first = [sum(sizes[:o]) for o in range(len(sizes))]  # global number of /a/0.html
        numbers = list(range(articles))
        special = rng.sample(numbers, k=min(articles, sum(
            max(1, round(articles * s)) for s in (syndicated, slow, failing, oversized))))
        kinds = ["ok"] * articles
        at = 0
        for kind, share in (("syndicated", syndicated), ("slow", slow), ("fail", failing),
                            ("oversized", oversized)):
            k = max(1, round(articles * share))
            for n in special[at:at + k]:
                kinds[n] = kind
            at += k
        outlet_of = [o for o, size in enumerate(sizes) for _ in range(size)]
        originals = [n for n in numbers if kinds[n] in ("ok", "slow")]
        self.pages: list[Page] = []
        for n in numbers:
            o = outlet_of[n]
            doc = n
            if kinds[n] == "syndicated":
                doc = rng.choice(originals)
                while outlet_of[doc] == o and len(sizes) > 1:
                    doc = rng.choice(originals)
            text_rng = random.Random(seed * 7_919 + doc)
            self.pages.append(Page(o, n - self.first[o], n, doc, kinds[n],
                                   text_rng.randint(3600, 8000)))
        self.redirected = {n for n in numbers if rng.random() < redirects}
        self.ports: list[int] = []

    # -- layout and truth ------------------------------------------------------------------

    @property
    def outlets(self) -> int:
        return len(self.sizes)

    def has_atom(self, outlet: int) -> bool:
        return outlet % 4 == 0

    def page(self, outlet: int, index: int) -> Page | None:
        if 0 <= outlet < len(self.sizes) and 0 <= index < self.sizes[outlet]:
            return self.pages[self.first[outlet] + index]
        return None

    def base(self, outlet: int) -> str:
        return f"http://127.0.0.1:{self.ports[outlet]}"

    def feed_urls(self, outlets: range | None = None) -> list[str]:
        urls = []
        for o in outlets if outlets is not None else range(self.outlets):
            urls.append(f"{self.base(o)}/rss.xml")
            if self.has_atom(o):
                urls.append(f"{self.base(o)}/atom.xml")
        return urls

    def truth(self, outlets: range | None = None) -> dict[str, int]:
        """Counts for the pages listed by the feeds of ``outlets`` (default: all)."""
        chosen = [p for p in self.pages if outlets is None or p.outlet in outlets]
        fetchable = [p for p in chosen if p.kind in ("ok", "slow", "syndicated")]
        docs = {p.doc for p in fetchable}
        return {"outlets": len({p.outlet for p in chosen}), "pages": len(chosen),
                "feeds": len(self.feed_urls(outlets if outlets is not None else None)),
                "feed_entries": sum(len(self.feed_items(o, "rss")) + len(self.feed_items(o, "atom"))
                                    for o in {p.outlet for p in chosen}),
                "documents": len(docs),
                **{f"pages_{k}": sum(p.kind == k for p in chosen) for k in KINDS}}

    def page_of_url(self, url: str) -> Page | None:
        """The page a URL (any spelling: query, /r/ redirect, canonical) stands for."""
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if not self.ports or parts.hostname != "127.0.0.1":
            return None
        if not hasattr(self, "_outlet_by_port"):
            self._outlet_by_port = {p: o for o, p in enumerate(self.ports)}
        o = self._outlet_by_port.get(parts.port or 80)
        path = parts.path
        try:
            if path.startswith("/a/") and path.endswith(".html"):
                i = int(path[3:-5])
            elif path.startswith("/r/"):
                i = int(path[3:])
            else:
                return None
        except ValueError:
            return None
        return self.page(o, i) if o is not None else None

    # -- content -----------------------------------------------------------------------------

    def _words(self, rng: random.Random, n: int) -> str:
        words = [rng.choice(VOCAB) for _ in range(n)]
        words[0] = words[0].capitalize()
        return " ".join(words)

    def title(self, doc: int) -> str:
        return self._words(random.Random(self.seed * 104_729 + doc), 8) + f" ({doc})"

    def body(self, page: Page) -> list[str]:
        """The article's paragraphs (identical on a syndicated copy and its original)."""
        rng = random.Random(self.seed * 15_485_863 + page.doc)
        paras, size = [], 0
        while True:  # whole paragraphs up to text_bytes (so 3-8 KB of text)
            para = self._words(rng, rng.randint(40, 90)) + "."
            if paras and size + len(para) + 1 > page.text_bytes:
                return paras
            paras.append(para)
            size += len(para) + 1

    def comments(self, page: Page) -> list[str]:
        rng = random.Random(self.seed * 32_452_843 + page.number)
        return [self._words(rng, 22) + "." for _ in range(6)]

    def published(self, page: Page) -> str:
        return f"2026-11-{1 + page.doc % 28:02d}T{page.doc % 24:02d}:{page.doc % 60:02d}:00+00:00"

    def html(self, page: Page) -> bytes:
        rng = random.Random(self.seed * 49_979_687 + page.number)
        o, base = page.outlet, self.base(page.outlet)
        outlet = f"Outlet {o} News"
        title = self.title(page.doc)
        body = "".join(f"<p>{p}</p>" for p in self.body(page))
        byline = "By Wire Service Staff" if page.kind == "syndicated" else f"By Reporter {page.doc % 97}"
        nav = "".join(f'<li><a href="{base}/section/{s}">{self._words(rng, 2)}</a></li>'
                      for s in range(25))
        related = "".join(
            f'<li><a href="{base}/a/{rng.randrange(self.sizes[o])}.html">{self._words(rng, 9)}</a></li>'
            for _ in range(8))
        comments = "".join(f'<div class="comment"><span class="author">reader{k}</span><p>{c}</p>'
                           f'<a href="#reply">Reply</a></div>'
                           for k, c in enumerate(self.comments(page)))
        share = "".join(f'<a class="share" href="#">{s}</a>' for s in ("Facebook", "X", "Email"))
        return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | {outlet}</title><link rel="canonical" href="{base}/a/{page.index}.html">
<meta property="og:site_name" content="{outlet}"><meta property="og:title" content="{title}">
<meta property="article:published_time" content="{self.published(page)}">
<meta name="description" content="{self._words(rng, 20)}">
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"page": {page.number}}});</script>
<style>body{{font-family:serif;margin:0}} .ad{{min-height:250px}} nav li{{display:inline}}</style>
</head><body><header><a href="{base}/">{outlet}</a><nav><ul>{nav}</ul></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button></div>
<main><article><h1>{title}</h1><p class="byline">{byline}</p>
<time datetime="{self.published(page)}">{self.published(page)[:10]}</time>
<div class="share-bar">{share}</div><div class="article-body">{body}</div></article>
<div class="ad">Advertisement</div>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
<section class="comments"><h2>{len(self.comments(page))} comments</h2>{comments}</section>
<div class="newsletter">Sign up for our newsletter. Subscribe to get the news in your inbox.</div>
</main><footer><p>Copyright 2026 {outlet}. All rights reserved.</p>
<ul><li><a href="{base}/about">About us</a></li><li><a href="{base}/privacy">Privacy</a></li></ul>
</footer></body></html>""".encode()

    def feed_items(self, outlet: int, kind: str) -> list[tuple[Page, str]]:
        """(page, link as the feed spells it); newest (highest index) first."""
        pages = self.pages[self.first[outlet]:self.first[outlet] + self.sizes[outlet]][::-1]
        if kind == "atom":
            return [(p, f"/a/{p.index}.html{ATOM_TAG}") for p in pages[:20]] if self.has_atom(
                outlet) else []
        tag = UTM if outlet % 2 == 0 else ""
        return [(p, f"/r/{p.index}" if p.number in self.redirected else f"/a/{p.index}.html{tag}")
                for p in pages]

    def feed(self, outlet: int, kind: str) -> bytes:
        base = self.base(outlet)
        items = self.feed_items(outlet, kind)
        if kind == "atom":
            entries = "".join(
                f"<entry><title>{self.title(p.doc)}</title><link href=\"{base}{link}\"/>"
                f"<id>{base}/a/{p.index}.html</id><updated>{self.published(p)}</updated>"
                f"<summary>{self.body(p)[0][:160]}</summary></entry>" for p, link in items)
            return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                    f"<title>Outlet {outlet} top stories</title><id>{base}/atom.xml</id>"
                    f'<link href="{base}/"/><updated>2026-11-28T08:00:00+00:00</updated>'
                    f"{entries}</feed>").encode()
        from email.utils import format_datetime

        rows = "".join(
            f"<item><title>{self.title(p.doc)}</title><link>{base}{link}</link>"
            f"<guid isPermaLink=\"false\">outlet-{outlet}-{p.index}</guid><pubDate>"
            f"{format_datetime(datetime.fromisoformat(self.published(p)), usegmt=True)}</pubDate>"
            f"<description>{self.body(p)[0][:160]}</description></item>" for p, link in items)
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Outlet {outlet} News</title><link>{base}/</link>"
                f"<description>All stories</description>{rows}</channel></rss>").encode()


# ------------------------------------------------------------------ serving it (own process)

FEED_LAST_MODIFIED = "Sat, 28 Nov 2026 08:00:00 GMT"


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.bytes = 0  # response body bytes actually written to sockets
        self.by_kind: dict[str, int] = {}

    def count(self, kind: str, n: int) -> None:
        self.requests += 1
        self.bytes += n
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "bytes": self.bytes, "by_kind": dict(self.by_kind)}


async def _serve(web: NewsWeb, latency_s: float, max_seconds: float, cache: bool) -> None:
    import asyncio
    import json
    import sys

    from aiohttp import web as aioweb

    stats = Stats()
    outlet_by_port: dict[int, int] = {}
    blob = b"<script>window.__PRELOADED_STATE__ = '" + b"x" * OVERSIZED_BYTES + b"';</script>"

    def not_modified(request: aioweb.Request, etag: str) -> bool:
        return (request.headers.get("If-None-Match") == etag
                or request.headers.get("If-Modified-Since") == FEED_LAST_MODIFIED)

    def reply(request: aioweb.Request, kind: str, status: int, body: bytes = b"",
              ctype: str = "text/html; charset=utf-8", **headers: str) -> aioweb.Response:
        resp = aioweb.Response(status=status, body=body, headers={"Content-Type": ctype, **headers})
        head = request.method == "HEAD"
        # bytes on the wire, approximately: status line + headers (ours and aiohttp's) + body
        sent = 120 + sum(len(k) + len(v) + 4 for k, v in resp.headers.items())
        stats.count(kind + ("_head" if head else ""), sent + (0 if head else len(body)))
        return resp

    async def handle(request: aioweb.Request) -> aioweb.StreamResponse:
        port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
        if port not in outlet_by_port:  # the control port
            if request.path == "/__stats":
                return aioweb.json_response(stats.as_dict())
            return aioweb.Response(status=404)
        o = outlet_by_port[port]
        path = request.path
        page = None
        if path.startswith(("/a/", "/r/")):
            page = web.page_of_url(f"http://127.0.0.1:{port}{path}")
        await asyncio.sleep(latency_s + (web.slow_s if page and page.kind == "slow" else 0))
        if path in ("/rss.xml", "/atom.xml") and (path == "/rss.xml" or web.has_atom(o)):
            kind = path[1:-4]
            etag = f'"{web.seed}-{o}-{kind}"'
            if not_modified(request, etag):
                return reply(request, "feed_304", 304, ETag=etag)
            ctype = "application/rss+xml" if kind == "rss" else "application/atom+xml"
            return reply(request, "feed", 200, feeds[o, kind], ctype, ETag=etag,
                         **{"Last-Modified": FEED_LAST_MODIFIED})
        if path == "/robots.txt":
            return reply(request, "robots", 200, b"User-agent: *\nAllow: /\n", "text/plain")
        if page is None:
            return reply(request, "not_found", 404, b"<h1>Not found</h1>")
        if path.startswith("/r/"):
            return reply(request, "redirect", 301, b"", Location=f"/a/{page.index}.html")
        if page.kind == "fail":
            status = 500 if page.number % 40 == 0 else (404, 410, 403)[page.number % 3]
            return reply(request, "fail", status, b"<h1>Error</h1>")
        etag = f'"p{web.seed}-{page.number}"'
        if not_modified(request, etag):
            return reply(request, "page_304", 304, ETag=etag)
        if request.method == "HEAD":
            return reply(request, "page", 200, ETag=etag)
        body = pages[page.number] if pages else web.html(page)
        if page.kind != "oversized":
            return reply(request, "page", 200, body, ETag=etag)
        head, tail = body.split(b"</head>", 1)
        chunks = [head, blob, b"</head>" + tail]
        resp = aioweb.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        resp.content_length = sum(map(len, chunks))
        await resp.prepare(request)
        sent = 0
        try:
            for chunk in chunks:
                for k in range(0, len(chunk), 256 * 1024):
                    await resp.write(chunk[k:k + 256 * 1024])
                    sent += len(chunk[k:k + 256 * 1024])
            await resp.write_eof()
        except (ConnectionError, OSError):
            pass  # the client gave up on it (a size cap): count what went out
        finally:
            stats.count("oversized", sent)
        return resp

    app = aioweb.Application()
    pages: list[bytes] = []  # generated before serving: no contender pays for it
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = aioweb.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()

    async def site() -> int:
        s = aioweb.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await s.start()
        return s._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    control = await site()
    for o in range(web.outlets):
        web.ports.append(await site())
        outlet_by_port[web.ports[-1]] = o
    feeds = {(o, kind): web.feed(o, kind) for o in range(web.outlets) for kind in ("rss", "atom")
             if kind == "rss" or web.has_atom(o)}
    if cache:
        pages.extend(web.html(p) for p in web.pages)
    print(json.dumps({"control": control, "ports": web.ports}), flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.buffer.read)  # EOF: the parent is gone
    try:
        await asyncio.wait_for(stdin_closed, max_seconds)
    except TimeoutError:
        pass
    await runner.cleanup()


class WebServer:
    """Runs ``NewsWeb(articles, **options)`` in a child process (so its CPU is not the measured
    process's); ``.web`` has the ports filled in, ``.stats()`` the server's counters."""

    def __init__(self, articles: int, *, latency_s: float = 0.05, seed: int = 7,
                 max_seconds: float = 4 * 3600, **options: float) -> None:
        self.args = [str(articles), "--latency", str(latency_s), "--seed", str(seed),
                     "--max-seconds", str(max_seconds)]
        for k, v in options.items():
            self.args += [f"--{k.replace('_', '-')}", str(v)]
        self.web = NewsWeb(articles, seed=seed, **options)
        self.latency_s = latency_s
        self.proc: Any = None

    def __enter__(self) -> WebServer:
        import json
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, __file__, "serve", *self.args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the synthetic web did not start")
        info = json.loads(line)
        self.web.ports, self.control = info["ports"], info["control"]
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except Exception:  # noqa: BLE001
            self.proc.kill()
            self.proc.wait()

    def stats(self) -> dict[str, Any]:
        import json
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{self.control}/__stats", timeout=10) as r:
            return json.loads(r.read())


def main() -> None:
    import argparse
    import asyncio

    ap = argparse.ArgumentParser(description="Serve a synthetic news web on 127.0.0.1.")
    ap.add_argument("command", choices=["serve", "describe"])
    ap.add_argument("articles", type=int)
    ap.add_argument("--latency", type=float, default=0.05, help="seconds added to every response")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-seconds", type=float, default=4 * 3600)
    ap.add_argument("--no-cache", action="store_true", help="generate pages per request")
    for share in ("syndicated", "slow", "failing", "oversized", "redirects", "slow-s"):
        ap.add_argument(f"--{share}", type=float)
    args = ap.parse_args()
    options = {k: getattr(args, k) for k in ("syndicated", "slow", "failing", "oversized",
                                             "redirects", "slow_s") if getattr(args, k) is not None}
    web = NewsWeb(args.articles, seed=args.seed, **options)
    if args.command == "describe":
        web.ports = list(range(20000, 20000 + web.outlets))
        print(web.truth())
        return
    asyncio.run(_serve(web, args.latency, args.max_seconds, not args.no_cache))


if __name__ == "__main__":
    main()
