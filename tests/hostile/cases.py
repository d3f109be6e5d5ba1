"""Generate the hostile web: >= 200 hostile feeds and pages plus 50 healthy feeds, all on 127.0.0.1.

Servers (each a FixtureServer, so each is its own politeness host):
  healthy   50 healthy feeds, 2 article pages each;
  hostile   the hostile feeds, the "trap" feeds whose items point at hostile pages, and those pages;
  limited   a rate-limited host (429/503 with Retry-After) carrying feeds and pages;
  tls_good / tls_wrong / tls_untrusted   HTTPS servers for the TLS-less redirect cases.
Canary listeners on 127.0.0.2 and 127.0.0.3 count every connection (must stay 0).

Every hostile item is a :class:`Case`: a feed URL (polled) or a page URL (linked from a trap feed),
with the set of reasons its first ``fetch_events`` row may carry (``None`` = fetched fine; the
hostility then lies in the content, checked by the test). Everything is built in memory from
seeds, so a run is reproducible.
"""

from __future__ import annotations

import gzip
import html
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from presswatch.urls import normalize_url

from tests.support.fixture_server import FixtureServer, Response, gzip_bomb
from tests.support.news import LOREM, article_page, atom, rss

DATE = "Fri, 20 Nov 2026 08:00:00 GMT"
MB = 1 << 20

OK = frozenset({None})
MAYBE_BROKEN = frozenset({None, "malformed_feed", "not_a_feed"})
TIMEOUT = frozenset({"timeout"})
TOO_LARGE = frozenset({"too_large"})
BLOCKED = frozenset({"blocked_private_network"})


@dataclass(frozen=True)
class Case:
    name: str
    group: str  # the category
    kind: str  # 'feed' | 'page'
    url: str  # normalised: as presswatch records it in feeds.fetch_url / fetch_events.url
    expect: frozenset  # acceptable reasons of its first fetch_events row (None = ok)


@dataclass(frozen=True)
class Healthy:
    feed: str
    pages: tuple[str, ...]


@dataclass
class HostileWeb:
    cases: list[Case] = field(default_factory=list)
    healthy: list[Healthy] = field(default_factory=list)
    traps: list[str] = field(default_factory=list)  # carrier feeds of the page cases (must load)
    marks: dict[str, object] = field(default_factory=dict)  # names the content checks look up

    def feeds(self) -> list[str]:
        return ([h.feed for h in self.healthy] + self.traps
                + [c.url for c in self.cases if c.kind == "feed"])

    def add(self, name: str, group: str, kind: str, url: str, expect: frozenset) -> str:
        norm = normalize_url(url) or url
        assert name not in {c.name for c in self.cases}, name
        self.cases.append(Case(name, group, kind, norm, frozenset(expect)))
        return norm


def paras(seed: str) -> list[str]:
    return [f"{seed}: {p}" for p in LOREM]


def _garbage(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _stream(total: int, chunk: int = MB) -> Iterator[bytes]:
    block = b"<p>" + b"a" * (chunk - 7) + b"</p>\n"
    sent = 0
    while sent < total:
        piece = block[: min(chunk, total - sent)]
        sent += len(piece)
        yield piece


def _deflate_bomb(size: int, raw: bool) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    zeros = bytes(MB)
    return b"".join(c.compress(zeros) for _ in range(size // MB)) + c.flush()


def _feed(items: list[dict[str, str]], title: str = "Hostile") -> bytes:
    return rss(items, title=title)


def _lol(depth: int, fmt: str) -> bytes:
    ents = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, depth + 1)]
    ref = f"&lol{depth};"
    root = "rss" if fmt == "rss" else "feed"
    dtd = f"<!DOCTYPE {root} [\n" + "\n".join(ents) + "\n]>"
    if fmt == "rss":
        doc = f'<rss version="2.0"><channel><title>{ref}</title><link>http://x/</link><item><title>{ref}</title><link>http://127.0.0.1/never</link><description>{ref}</description></item></channel></rss>'
    else:
        doc = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{ref}</title><id>urn:x</id><entry><id>urn:e</id><title>{ref}</title><summary>{ref}</summary></entry></feed>'
    return f'<?xml version="1.0"?>\n{dtd}\n{doc}'.encode()


def _quadratic(entity_kb: int, refs: int) -> bytes:
    value = "A" * (entity_kb * 1024)
    body = "&a;" * refs
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "{value}">]>\n'
            f'<rss version="2.0"><channel><title>q</title><link>http://x/</link><item>'
            f"<title>q</title><description>{body}</description></item></channel></rss>").encode()


def _xxe(kind: str, canary_url: str, fmt: str) -> bytes:
    root = "rss" if fmt == "rss" else "feed"
    dtd = {
        "file": f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        "http": f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{canary_url}/xxe">]>',
        "param": f'<!DOCTYPE {root} [<!ENTITY % p SYSTEM "{canary_url}/p.dtd"> %p;]>',
        "external_dtd": f'<!DOCTYPE {root} SYSTEM "{canary_url}/ext.dtd">',
        "public_dtd": f'<!DOCTYPE {root} PUBLIC "-//X//Y" "{canary_url}/pub.dtd">',
        "xinclude": "",
    }[kind]
    ref = "&xxe;" if kind in ("file", "http") else "x"
    inc = (f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{canary_url}/inc.xml"/>'
           if kind == "xinclude" else "")
    pi = f'<?xml-stylesheet type="text/xsl" href="{canary_url}/style.xsl"?>'
    if fmt == "rss":
        doc = (f'<rss version="2.0"><channel><title>t {ref}</title><link>http://x/</link>{inc}<item>'
               f"<title>leak {ref}</title><description>d {ref}</description></item></channel></rss>")
    else:
        doc = (f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t {ref}</title><id>urn:x</id>{inc}'
               f"<entry><id>urn:e</id><title>leak {ref}</title><summary>{ref}</summary></entry></feed>")
    return f'<?xml version="1.0"?>\n{pi}\n{dtd}\n{doc}'.encode()


def build(servers: dict[str, FixtureServer], canaries: list, tls_ports: dict[str, int]) -> HostileWeb:  # noqa: C901, PLR0915
    """Route every case on ``servers`` (keys: healthy, hostile, limited); return the catalogue."""
    web = HostileWeb()
    hs, hos, lim = servers["healthy"], servers["hostile"], servers["limited"]
    canary, canary3 = canaries
    cu = canary.url("").rstrip("/")
    rss_ct = "application/rss+xml"

    # ---- 50 healthy feeds, 2 pages each -----------------------------------------------
    for i in range(50):
        pages = []
        for j in range(2):
            path = f"/news/h{i}-{j}.html"
            hs.route(path, body=article_page(f"Healthy story {i}-{j}", paras(f"healthy {i}-{j}"),
                                             canonical=path))
            pages.append(hs.url(path))
        feed = hs.route(f"/feeds/h{i}.xml", body=_feed(
            [{"title": f"Healthy story {i}-{j}", "link": pages[j], "guid": f"h{i}-{j}",
              "date": DATE} for j in range(2)], title=f"Healthy {i}"), content_type=rss_ct)
        web.healthy.append(Healthy(normalize_url(feed) or feed,
                                   tuple(normalize_url(p) or p for p in pages)))

    hos.route("/robots.txt", body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    shared = hos.route("/news/shared.html", body=article_page("Shared", paras("shared"),
                                                               canonical="/news/shared.html"))
    item = [{"title": "Shared story", "link": shared, "guid": "shared-1", "date": DATE}]
    good_feed = _feed(item)
    u = hos.url

    def feed_case(name: str, group: str, expect: frozenset, **route: object) -> str:
        route.setdefault("content_type", rss_ct)
        return web.add(name, group, "feed", hos.route(f"/f/{name}.xml", **route), expect)  # type: ignore[arg-type]

    # ---- XML entity attacks ------------------------------------------------------------
    for depth in range(3, 11):
        feed_case(f"lol_rss_{depth}", "billion laughs", MAYBE_BROKEN, body=_lol(depth, "rss"))
    for depth in (5, 7, 9, 10):
        feed_case(f"lol_atom_{depth}", "billion laughs", MAYBE_BROKEN, body=_lol(depth, "atom"),
                  content_type="application/atom+xml")
    for kb, refs in ((10, 1000), (64, 4000), (100, 20000)):
        feed_case(f"quadratic_{kb}k_{refs}", "billion laughs", MAYBE_BROKEN, body=_quadratic(kb, refs))
    feed_case("lol_utf16", "billion laughs", MAYBE_BROKEN,
              body=_lol(9, "rss").decode().replace('<?xml version="1.0"?>',
                                                    '<?xml version="1.0" encoding="utf-16"?>').encode("utf-16"))
    for kind in ("file", "http", "param", "external_dtd", "public_dtd", "xinclude"):
        for fmt in ("rss", "atom"):
            feed_case(f"xxe_{kind}_{fmt}", "XXE", MAYBE_BROKEN, body=_xxe(kind, cu, fmt))
    web.marks["xxe_marker"] = "root:x:0:0"

    # ---- compression bombs ---------------------------------------------------------------
    for size in (16, 64, 256, 1024):
        feed_case(f"gzip_bomb_{size}m", "gzip bomb", TOO_LARGE, body=gzip_bomb(size * MB),
                  headers={"Content-Encoding": "gzip"})
    bomb = gzip_bomb(256 * MB)
    for name, enc in (("gzip_bomb_chunked", "gzip"), ("xgzip_bomb_chunked", "x-gzip")):
        web.add(name, "gzip bomb", "feed", hos.route(
            f"/f/{name}.xml", handler=lambda _r, e=enc: Response(
                200, iter([bomb[i:i + 65536] for i in range(0, len(bomb), 65536)]),
                {"Content-Encoding": e}, rss_ct)), TOO_LARGE)
    members = gzip.compress(bytes(MB), 9, mtime=0) * 40
    feed_case("gzip_members_bomb", "gzip bomb", TOO_LARGE, body=members,
              headers={"Content-Encoding": "gzip"})
    for size in (64, 256):
        feed_case(f"deflate_bomb_{size}m", "deflate bomb", TOO_LARGE,
                  body=_deflate_bomb(size * MB, raw=False), headers={"Content-Encoding": "deflate"})
    feed_case("deflate_raw_bomb", "deflate bomb", TOO_LARGE, body=_deflate_bomb(64 * MB, raw=True),
              headers={"Content-Encoding": "deflate"})
    feed_case("double_gzip", "bad encoding", frozenset({"decode_error"}),
              body=gzip.compress(gzip.compress(good_feed)), headers={"Content-Encoding": "gzip, gzip"})
    feed_case("brotli_claimed", "bad encoding", frozenset({"decode_error"}), body=good_feed,
              headers={"Content-Encoding": "br"})
    feed_case("corrupt_gzip", "bad encoding", frozenset({"decode_error"}),
              body=b"\x1f\x8b\x08\x00" + _garbage(5000, 1), headers={"Content-Encoding": "gzip"})
    feed_case("corrupt_deflate", "bad encoding", frozenset({"decode_error"}),
              body=b"\x78\x9c" + _garbage(5000, 2), headers={"Content-Encoding": "deflate"})
    feed_case("truncated_gzip", "bad encoding", MAYBE_BROKEN | {"decode_error"},
              body=gzip.compress(good_feed * 20)[:300], headers={"Content-Encoding": "gzip"})

    # ---- time: slow drips, slow headers, never-ending bodies ----------------------------
    for interval in (0.05, 0.1, 0.3, 0.9):
        web.add(f"drip_{interval}", "slow drip", "feed",
                hos.drip(f"/f/drip_{interval}.xml", interval_s=interval, content_type=rss_ct), TIMEOUT)
    web.add("drip_xml_prefix", "slow drip", "feed", hos.drip(
        "/f/drip_xml_prefix.xml", interval_s=0.1, piece=b"<item><title>x</title></item>",
        content_type=rss_ct), TIMEOUT)
    for delay in (3.0, 30.0):
        feed_case(f"slow_headers_{int(delay)}s", "slow drip", TIMEOUT, body=good_feed, delay_s=delay)
    stopped = hos._stopped  # noqa: SLF001 - stop the generators with the server

    def slow_endless(chunk: int, every: float) -> Iterator[bytes]:
        while not stopped.wait(every):
            yield b"<item>" + b"z" * chunk + b"</item>"

    for chunk, every in ((1024, 0.05), (64, 0.01)):
        web.add(f"endless_slow_{chunk}", "never-ending chunked body", "feed", hos.route(
            f"/f/endless_slow_{chunk}.xml", handler=lambda _r, c=chunk, e=every: Response(
                200, slow_endless(c, e), {}, rss_ct)), TIMEOUT)
    for chunk in (1024, 64 * 1024):
        web.add(f"endless_fast_{chunk}", "never-ending chunked body", "feed",
                hos.endless(f"/f/endless_fast_{chunk}.xml", chunk_size=chunk, content_type=rss_ct),
                TOO_LARGE)
    feed_case("short_content_length", "lying length", MAYBE_BROKEN | {"protocol_error"}, handler=lambda _r: Response(
        200, iter([b"<rss version='2.0'><channel>" + b"a" * 4096]), {"Content-Length": "100"}, rss_ct))
    feed_case("long_content_length", "lying length", frozenset({"protocol_error", "connection_error"}),
              handler=lambda _r: Response(200, iter([good_feed[:50]]), {"Content-Length": "100000"},
                                          rss_ct))
    feed_case("body_50mb_length", "50 MB body", TOO_LARGE, handler=lambda _r: Response(
        200, _stream(50 * MB), {"Content-Length": str(50 * MB)}, rss_ct))
    feed_case("body_50mb_chunked", "50 MB body", TOO_LARGE,
              handler=lambda _r: Response(200, _stream(50 * MB), {}, rss_ct))
    feed_case("body_50mb_text_plain", "50 MB body", TOO_LARGE,
              handler=lambda _r: Response(200, _stream(50 * MB), {}, "text/plain"))

    # ---- redirects -------------------------------------------------------------------------
    for status in (301, 302, 303, 307, 308):
        web.add(f"self_loop_{status}", "redirect loop", "feed",
                hos.redirect(f"/f/self_loop_{status}.xml", f"/f/self_loop_{status}.xml", status),
                frozenset({"redirect_loop"}))
    hos.redirect("/f/loop2_b.xml", "/f/loop2_a.xml", 302)
    web.add("loop2", "redirect loop", "feed", hos.redirect("/f/loop2_a.xml", "/f/loop2_b.xml", 302),
            frozenset({"redirect_loop"}))
    hos.redirect("/f/loop3_b.xml", "/f/loop3_c.xml", 307)
    hos.redirect("/f/loop3_c.xml", u("/f/loop3_a.xml"), 308)
    web.add("loop3", "redirect loop", "feed", hos.redirect("/f/loop3_a.xml", "/f/loop3_b.xml", 301),
            frozenset({"redirect_loop"}))
    hos.redirect("/f/loopq.xml", "/f/loopq.xml?x=1#frag", 302)
    web.add("loop_fragment", "redirect loop", "feed", hos.url("/f/loopq.xml"),
            frozenset({"redirect_loop", "too_many_redirects"}))
    web.add("loop_growing", "redirect chain over the bound", "feed", hos.route(
        "/f/grow.xml", handler=lambda r: Response(302, b"", {"Location": r.target + "&n=1"
                                                            if "?" in r.target else r.target + "?n=1"},
                                                  None)), frozenset({"too_many_redirects"}))
    for length in (6, 8, 12, 30):
        for k in range(length):
            hos.redirect(f"/f/chain{length}_{k}.xml", f"/f/chain{length}_{k + 1}.xml", 302)
        hos.route(f"/f/chain{length}_{length}.xml", body=good_feed, content_type=rss_ct)
        web.add(f"chain_{length}", "redirect chain over the bound", "feed",
                hos.url(f"/f/chain{length}_0.xml"), frozenset({"too_many_redirects"}))
    for k in range(5):
        hos.redirect(f"/f/chain5_{k}.xml", f"/f/chain5_{k + 1}.xml", 301)
    hos.route("/f/chain5_5.xml", body=good_feed, content_type=rss_ct)
    web.add("chain_5_at_bound", "redirect chain over the bound", "feed", hos.url("/f/chain5_0.xml"), OK)
    feed_case("redirect_no_location", "redirect", frozenset({"http_other"}), status=301, body=b"")
    long_target = "http://127.0.0.1:1/" + "a" * 9000
    bad_targets = {
        "javascript": ("javascript:alert(1)", {"unsupported_scheme"}),
        "data": ("data:application/rss+xml;base64," + "PHJzcz4=", {"unsupported_scheme"}),
        "file": ("file:///etc/passwd", {"unsupported_scheme"}),
        "ftp": ("ftp://127.0.0.1/feed.xml", {"unsupported_scheme"}),
        "gopher": (f"gopher://127.0.0.2:{canary.port}/", {"unsupported_scheme"}),
        "broken_ipv6": ("http://[::1/feed", {"bad_url"}),
        "bracket_userinfo": ("http://[::1]@", {"bad_url"}),  # made yarl raise IndexError
        # a Location over 8 KB, or with a NUL, is refused by the HTTP parser itself (8190-byte
        # header lines): protocol_error; validate_url's url_too_long guards the other paths
        "over_8kb": (long_target, {"url_too_long", "protocol_error"}),
        "control_chars": ("http://127.0.0.1/a\x00b", {"bad_url", "protocol_error"}),
        # resolved like browsers do, as a path on the same host
        "empty_host": ("http:///feed.xml", {"bad_url", "blocked_private_network", "http_404"}),
    }
    for name, (target, exp) in bad_targets.items():
        web.add(f"redirect_to_{name}", "redirect to another scheme", "feed",
                hos.redirect(f"/f/to_{name}.xml", target, 302), frozenset(exp))
    private_targets = {
        "canary": f"http://127.0.0.2:{canary.port}/feed.xml",
        "canary3": f"http://127.0.0.3:{canary3.port}/feed.xml",
        "canary_trailing_dot": f"http://127.0.0.2.:{canary.port}/feed.xml",
        "canary_decimal": f"http://2130706434:{canary.port}/feed.xml",
        "canary_hex": f"http://0x7f000002:{canary.port}/feed.xml",
        "canary_octal": f"http://0177.0.0.2:{canary.port}/feed.xml",
        "canary_short": f"http://127.2:{canary.port}/feed.xml",
        "canary_mapped_v6": f"http://[::ffff:127.0.0.2]:{canary.port}/feed.xml",
        "loopback_v6": f"http://[::1]:{canary.port}/feed.xml",
        "unspecified": f"http://0.0.0.0:{canary.port}/feed.xml",
        "rfc1918_10": "http://10.0.0.1/feed.xml",
        "rfc1918_172": "http://172.16.0.1/feed.xml",
        "rfc1918_192": "http://192.168.1.1/feed.xml",
        "cgnat": "http://100.64.0.1/feed.xml",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "link_local_v6": "http://[fe80::1]/feed.xml",
        "ula_v6": "http://[fc00::1]/feed.xml",
        "multicast": "http://224.0.0.1/feed.xml",
        "nat64_canary": f"http://[64:ff9b::7f00:2]:{canary.port}/feed.xml",
    }
    loose = {"canary_trailing_dot", "canary_octal", "canary_short", "canary_decimal", "canary_hex"}
    for name, target in private_targets.items():
        exp = BLOCKED | ({"bad_url"} if name in loose else set())
        for status in (302, 307):
            web.add(f"redirect_{status}_{name}", "redirect to a private address", "feed",
                    hos.redirect(f"/f/r{status}_{name}.xml", target, status), exp)
    hos.redirect("/f/hop2_private_1.xml", "/f/hop2_private_2.xml", 301)
    hos.redirect("/f/hop2_private_2.xml", private_targets["canary"], 302)
    web.add("redirect_second_hop_canary", "redirect to a private address", "feed",
            hos.url("/f/hop2_private_1.xml"), BLOCKED)
    web.add("feed_on_canary", "private address", "feed", canary.url("/feed.xml"), BLOCKED)
    web.add("feed_on_canary_decimal", "private address", "feed",
            f"http://2130706434:{canary.port}/direct.xml", BLOCKED)
    web.add("feed_on_metadata", "private address", "feed", "http://169.254.169.254/feed.xml", BLOCKED)

    # ---- TLS-less redirects ------------------------------------------------------------
    tls_refused = frozenset({"tls_error", "connection_error", "protocol_error"})
    plain_port = hos.port
    web.add("https_to_plain_port", "TLS-less", "feed",
            f"https://127.0.0.1:{plain_port}/f/tls_plain.xml", tls_refused)
    hos.route("/f/tls_plain.xml", body=good_feed, content_type=rss_ct)
    web.add("redirect_http_to_https_plain_port", "TLS-less", "feed",
            hos.redirect("/f/up_to_https.xml", f"https://127.0.0.1:{plain_port}/f/tls_plain.xml"),
            tls_refused)
    web.add("plain_http_to_tls_port", "TLS-less", "feed",
            f"http://127.0.0.1:{tls_ports['good']}/feed.xml",
            frozenset({"protocol_error", "connection_error", "timeout", "http_4xx"}))
    web.add("https_downgrade_to_http", "TLS-less", "feed",
            f"https://127.0.0.1:{tls_ports['good']}/downgrade.xml", OK)
    web.add("https_wrong_host_cert", "TLS-less", "feed",
            f"https://127.0.0.1:{tls_ports['wrong']}/feed.xml", frozenset({"tls_error"}))
    web.add("https_untrusted_cert", "TLS-less", "feed",
            f"https://127.0.0.1:{tls_ports['untrusted']}/feed.xml", frozenset({"tls_error"}))
    web.marks["tls_downgrade_target"] = hos.url("/f/tls_plain.xml")

    # ---- charsets -------------------------------------------------------------------------
    text = "Café déjà vu – 東京 Überraschung"
    charset_cases = {
        "latin1_declared_utf8": ("latin-1", "utf-8", rss_ct, "ignore"),
        "utf8_declared_latin1": ("utf-8", "iso-8859-1", rss_ct, "strict"),
        "sjis_declared_utf8": ("shift_jis", "utf-8", rss_ct, "ignore"),
        "koi8_declared_none": ("koi8-r", None, rss_ct, "ignore"),
        "gbk_header_latin1": ("gbk", "gbk", "application/rss+xml; charset=iso-8859-1", "ignore"),
        "utf16_no_bom_declared_utf8": ("utf-16-le", "utf-8", rss_ct, "strict"),
        "bogus_charset_label": ("utf-8", "x-no-such-charset", "text/xml; charset=x-bogus", "strict"),
        "cp1252_header_utf8": ("cp1252", "cp1252", "text/xml; charset=utf-8", "ignore"),
    }
    for name, (real, declared, ctype, errors) in charset_cases.items():
        decl = f' encoding="{declared}"' if declared else ""
        doc = (f'<?xml version="1.0"{decl}?><rss version="2.0"><channel><title>{text}</title>'
               f"<link>http://x/</link><item><title>{text}</title><link>{html.escape(shared)}</link>"
               f"<guid>{name}</guid></item></channel></rss>")
        feed_case(f"charset_{name}", "wrong or missing charset", MAYBE_BROKEN,
                  body=doc.encode(real, errors), content_type=ctype)

    # ---- garbage, truncation, empty --------------------------------------------------------
    for n, size in enumerate((1, 100, 4096, 100_000, 1_000_000)):
        feed_case(f"garbage_html_{size}", "binary garbage", frozenset({"not_a_feed"}) | MAYBE_BROKEN,
                  body=_garbage(size, 10 + n), content_type="text/html")
    for n, ctype in enumerate((rss_ct, None, "application/octet-stream", "image/png")):
        feed_case(f"garbage_ct_{n}", "binary garbage", MAYBE_BROKEN, body=_garbage(50_000, 20 + n),
                  content_type=ctype)
    feed_case("garbage_after_xml_decl", "binary garbage", MAYBE_BROKEN,
              body=b'<?xml version="1.0"?><rss version="2.0">' + _garbage(20_000, 30))
    feed_case("nul_bytes", "binary garbage", MAYBE_BROKEN, body=good_feed.replace(b"<title>", b"<ti\x00tle>"))
    full = _feed([{"title": f"Truncated {k}", "link": shared, "guid": f"t{k}", "date": DATE}
                  for k in range(20)])
    full_atom = atom([{"id": f"urn:t{k}", "title": f"T {k}", "href": shared} for k in range(20)],
                     base=u("/"))
    for pct in (1, 10, 30, 50, 70, 90, 99):
        feed_case(f"truncated_rss_{pct}", "truncated XML", MAYBE_BROKEN,
                  body=full[: len(full) * pct // 100])
        feed_case(f"truncated_atom_{pct}", "truncated XML", MAYBE_BROKEN,
                  body=full_atom[: len(full_atom) * pct // 100], content_type="application/atom+xml")
    feed_case("empty_200", "empty body", frozenset({"empty_body"}), body=b"")
    feed_case("empty_204", "empty body", frozenset({"empty_body"}), body=b"", status=204)
    feed_case("whitespace_only", "empty body", frozenset({"not_a_feed"}), body=b" \r\n\t " * 100)
    feed_case("empty_gzip", "empty body", frozenset({"empty_body", "decode_error"}),
              body=gzip.compress(b""), headers={"Content-Encoding": "gzip"})
    feed_case("html_as_feed", "not a feed", frozenset({"not_a_feed"}),
              body=article_page("Not a feed", paras("nf")), content_type="text/html")
    feed_case("json_as_feed", "not a feed", frozenset({"not_a_feed"}),
              body=b'{"items": [{"title": "x"}]}', content_type="application/json")

    # ---- big, long, scripted, duplicated, dated -------------------------------------------
    for n in (2000, 5500):
        items = [{"title": f"Item {k}", "link": f"{shared}?utm_source=feed&utm_campaign={k}",
                  "guid": f"big{n}-{k}", "date": DATE} for k in range(n)]
        feed_case(f"items_{n}", "thousands of items", OK, body=_feed(items))
    web.marks["items_feeds"] = {u(f"/f/items_{n}.xml"): min(n, 5000) for n in (2000, 5500)}
    entries = [{"id": f"urn:a{k}", "title": f"A {k}", "href": f"{shared}#e{k}"} for k in range(3000)]
    feed_case("atom_3000", "thousands of items", OK, body=atom(entries, base=u("/")),
              content_type="application/atom+xml")
    for k in range(1, 12):  # rel=next forever: bounded by feed_page_limit
        hos.route(f"/f/paged_{k}.xml", body=atom([{"id": f"urn:pg{k}", "title": f"P {k}", "href": shared}],
                                                 base=u("/f/"), next_href=f"paged_{k + 1}.xml"),
                  content_type="application/atom+xml")
    web.add("atom_next_forever", "thousands of items", "feed", u("/f/paged_1.xml"), OK)
    hos.route("/f/pgloop_2.xml", body=atom([{"id": "urn:l2", "title": "L2", "href": shared}],
                                           base=u("/f/"), next_href="pgloop_1.xml"),
              content_type="application/atom+xml")
    web.add("atom_next_loop", "thousands of items", "feed", hos.route(
        "/f/pgloop_1.xml", body=atom([{"id": "urn:l1", "title": "L1", "href": shared}], base=u("/f/"),
                                     next_href="pgloop_2.xml"), content_type="application/atom+xml"), OK)
    long_title = "T" * 10_000
    feed_case("title_10k", "10,000-character titles", OK, body=_feed(
        [{"title": long_title, "link": shared, "guid": "long-1", "date": DATE}], title=long_title))
    feed_case("title_10k_words", "10,000-character titles", OK, body=_feed(
        [{"title": ("word " * 2000)[:10_000], "link": shared, "guid": "long-2", "date": DATE}]))
    feed_case("summary_1mb", "10,000-character titles", OK, body=rss(
        [{"title": "Big summary", "link": shared, "guid": "long-3", "date": DATE}],
        extra="").replace(b"</item>", b"<description>" + b"s" * MB + b"</description></item>"))
    web.marks["long_feeds"] = [u("/f/title_10k.xml"), u("/f/title_10k_words.xml")]
    long_links = [
        {"title": "8 KB link", "link": shared + "?q=" + "a" * 8200, "guid": "l8k"},
        {"title": "100 KB link", "link": "http://127.0.0.1/" + "b" * 100_000, "guid": "l100k"},
        {"title": "unicode long", "link": "http://127.0.0.1/" + "é" * 5000, "guid": "lu"},
    ]
    feed_case("links_over_8kb", "URLs over 8 KB", OK, body=_feed(long_links))
    bad_links = ["javascript:alert(1)", " JaVaScRiPt:alert(document.cookie)", "java\tscript:alert(1)",
                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
                 "mailto:x@example.com", "ftp://127.0.0.1/x", "//127.0.0.2/protocol-relative"]
    feed_case("links_bad_schemes", "javascript: and data: links", OK, body=_feed(
        [{"title": f"bad {k}", "link": link, "guid": f"bad-{k}", "date": DATE}
         for k, link in enumerate(bad_links)]))
    web.marks["link_feeds"] = [u("/f/links_over_8kb.xml"), u("/f/links_bad_schemes.xml")]
    script = "<script>alert('x')</script>"
    script_items = [
        {"title": f"Hello {script} world", "link": shared, "guid": "s1", "date": DATE},
        {"title": "<img src=x onerror=alert(1)>Img", "link": shared, "guid": "s2", "date": DATE},
        {"title": "&lt;script&gt;alert(2)&lt;/script&gt; escaped", "link": shared, "guid": "s3"},
    ]
    scripted = _feed(script_items).replace(
        b"</item>", b"<description><![CDATA[<p>ok</p><script>alert(3)</script>"
                    b"<a href=\"javascript:alert(4)\">x</a><svg onload=alert(5)>]]></description></item>")
    feed_case("script_rss", "<script> in titles and summaries", OK, body=scripted)
    feed_case("script_atom", "<script> in titles and summaries", OK, content_type="application/atom+xml",
              body=(f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>'
                    f'<id>urn:s</id><entry><id>urn:s1</id><title type="html">{html.escape(script)}T</title>'
                    f'<link href="{shared}"/><summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                    f'<script>alert(6)</script><p onclick="alert(7)">p</p></div></summary>'
                    f'<content type="html">{html.escape(script)}</content></entry></feed>').encode())
    web.marks["script_feeds"] = [u("/f/script_rss.xml"), u("/f/script_atom.xml")]
    dup_page = hos.route("/news/dup.html", body=article_page("Dup", paras("dup"), canonical="/news/dup.html"))
    for k in range(5):
        feed_case(f"dup_guid_{k}", "duplicate GUIDs across feeds", OK, body=_feed(
            [{"title": "Dup", "link": dup_page, "guid": "dup-guid-1", "date": DATE},
             {"title": "Dup again", "link": dup_page, "guid": "dup-guid-1", "date": DATE},
             {"title": "Dup 2", "link": shared, "guid": "dup-guid-2", "date": DATE}]))
    web.marks["dup_page"] = normalize_url(dup_page)
    dates = {
        "future_9999": "Fri, 31 Dec 9999 23:59:59 GMT", "future_2100": "Mon, 01 Jan 2100 00:00:00 GMT",
        "invalid_text": "yesterday-ish", "invalid_feb31": "Sat, 31 Feb 2024 10:00:00 GMT",
        "zero": "0000-00-00T00:00:00Z", "huge_year": "99999-01-01T00:00:00Z",
        "bad_tz": "Fri, 20 Nov 2026 08:00:00 +9999", "ancient": "Mon, 01 Jan 1900 00:00:00 GMT",
        "epoch_negative": "-1", "overflow": "Fri, 20 Nov 2026 99:99:99 GMT",
    }
    feed_case("dates_rss", "future and invalid dates", OK, body=_feed(
        [{"title": f"Dated {k}", "link": shared, "guid": f"date-{k}", "date": v}
         for k, v in dates.items()]))
    feed_case("dates_atom", "future and invalid dates", OK, content_type="application/atom+xml",
              body=atom([{"id": f"urn:d{k}", "title": k, "href": shared, "updated": v}
                         for k, v in (("future", "2999-01-01T00:00:00Z"), ("bad", "2026-13-45T25:61:00Z"),
                                      ("text", "not a date"))], base=u("/")))
    web.marks["dates_feed"] = u("/f/dates_rss.xml")

    # ---- HTTP errors and rate limits -------------------------------------------------------
    for status, exp in ((401, "http_401"), (403, "http_403"), (404, "http_404"), (410, "http_410"),
                        (418, "http_4xx"), (500, "http_5xx"), (502, "http_5xx"), (599, "http_5xx"),
                        (299, None), (199, "http_other")):
        if status in (199, 299):
            continue  # the stdlib server cannot send 1xx finals; 299 is just a 2xx
        feed_case(f"status_{status}", "HTTP errors", frozenset({exp}), status=status, body=b"no")
    for name, value, status in (("429_1s", "1", 429), ("429_http_date", "Wed, 21 Oct 2015 07:28:00 GMT", 429),
                                ("429_garbage", "soon", 429), ("503_retry", "2", 503),
                                ("429_superscript_digit", "\xc2\xb9", 429),  # UTF-8 "¹"
                                ("429_3600s", "3600", 429)):
        exp = {"http_429"} if status == 429 else {"http_5xx"}
        web.add(f"rate_{name}", "HTTP 429 with Retry-After", "feed",
                lim.retry_after(f"/f/{name}.xml", value, status=status), frozenset(exp | {"http_429"}))
    for k in range(3):  # more feeds of the same rate-limited host: deferred, not stalled
        web.add(f"rate_neighbour_{k}", "HTTP 429 with Retry-After", "feed",
                lim.route(f"/f/neighbour_{k}.xml", body=good_feed, content_type=rss_ct, delay_s=0.5),
                frozenset({None, "http_429"}))

    # ---- hostile pages, linked from trap feeds ---------------------------------------------
    page_cases: list[tuple[str, str, str, frozenset]] = []  # (name, group, url, expect)

    def page(name: str, group: str, expect: frozenset, **route: object) -> None:
        page_cases.append((name, group, hos.route(f"/p/{name}.html", **route), expect))  # type: ignore[arg-type]

    page("gzip_bomb", "gzip bomb", TOO_LARGE, body=gzip_bomb(1024 * MB), headers={"Content-Encoding": "gzip"})
    page("deflate_bomb", "deflate bomb", TOO_LARGE, body=_deflate_bomb(256 * MB, raw=False),
         headers={"Content-Encoding": "deflate"})
    page_cases.append(("drip", "slow drip", hos.drip("/p/drip.html", interval_s=0.1), TIMEOUT))
    page("slow_headers", "slow drip", TIMEOUT, body=b"<html>late</html>", delay_s=10.0)
    page_cases.append(("endless", "never-ending chunked body", hos.endless("/p/endless.html"), TOO_LARGE))
    page("body_50mb", "50 MB body", TOO_LARGE, handler=lambda _r: Response(200, _stream(50 * MB), {},
                                                                           "text/html"))
    page("body_50mb_length", "50 MB body", TOO_LARGE, handler=lambda _r: Response(
        200, _stream(50 * MB), {"Content-Length": str(50 * MB)}, "text/html"))
    hos.redirect("/p/loop_b.html", "/p/loop.html", 302)
    page("loop", "redirect loop", frozenset({"redirect_loop"}), status=302,
         headers={"Location": "/p/loop_b.html"}, content_type=None)
    for k in range(10):
        hos.redirect(f"/p/chain_{k}.html", f"/p/chain_{k + 1}.html", 301)
    page_cases.append(("chain", "redirect chain over the bound", hos.url("/p/chain_0.html"),
                       frozenset({"too_many_redirects"})))
    for name in ("canary", "canary_decimal", "canary_mapped_v6", "metadata", "rfc1918_10", "link_local_v6"):
        page(f"redirect_{name}", "redirect to a private address", BLOCKED | ({"bad_url"} if name in loose else set()),
             status=302, headers={"Location": private_targets[name]}, content_type=None)
    page_cases.append(("direct_canary", "private address", canary.url("/article.html"), BLOCKED))
    page_cases.append(("direct_metadata", "private address", "http://169.254.169.254/latest/", BLOCKED))
    page_cases.append(("direct_canary3", "private address", canary3.url("/a.html"), BLOCKED))
    page("redirect_javascript", "redirect to another scheme", frozenset({"unsupported_scheme"}),
         status=302, headers={"Location": "javascript:alert(1)"}, content_type=None)
    page("garbage", "binary garbage", OK, body=_garbage(200_000, 40), content_type="text/html")
    page("garbage_small", "binary garbage", OK, body=_garbage(3000, 41), content_type="text/html; charset=utf-8")
    page("pdf", "not html", frozenset({"not_html"}), body=b"%PDF-1.4" + _garbage(10_000, 42),
         content_type="application/pdf")
    page("empty", "empty body", frozenset({"empty_body"}), body=b"")
    page("status_404", "HTTP errors", frozenset({"http_404"}), status=404, body=b"gone")
    page("status_500", "HTTP errors", frozenset({"http_5xx"}), status=500, body=b"oops")
    page_cases.append(("robots", "robots.txt", hos.route("/private/secret.html", body=b"<p>no</p>"),
                       frozenset({"robots_disallowed"})))
    body_sjis = article_page("文字化け", ["東京電力は二十日、処理水の放出を始めた。" * 8] * 3,
                             charset_meta="utf-8", lang="ja").encode("shift_jis")
    page("charset_sjis_declared_utf8", "wrong or missing charset", OK, body=body_sjis,
         content_type="text/html; charset=utf-8")
    page("charset_latin1_no_label", "wrong or missing charset", OK, content_type="text/html",
         body=article_page("Café", paras("déjà vu café"), charset_meta=None).encode("latin-1"))
    page("charset_bogus_label", "wrong or missing charset", OK, content_type="text/html; charset=x-bogus",
         body=article_page("Bogus", paras("bogus label")).encode())
    page("charset_utf16_header_utf8_body", "wrong or missing charset", OK,
         content_type="text/html; charset=utf-16", body=article_page("U16", paras("utf16 header")).encode())
    page("title_10k", "10,000-character titles", OK,
         body=article_page("T" * 10_000, paras("long title page")))
    page("script_title", "<script> in titles and summaries", OK,
         body=article_page("<script>alert(1)</script>", paras("script title")).replace(
             "<article>", "<article><script>document.write('x')</script>"))
    page("meta_refresh_canary", "private address", OK,
         body=article_page("Refresh", paras("meta refresh")).replace(
             "<head>", f'<head><meta http-equiv="refresh" content="0;url={cu}/refresh">'
                       f'<link rel="stylesheet" href="{cu}/style.css"><img src="{cu}/pixel.gif">'))
    page("canonical_to_canary", "private address", OK,
         body=article_page("Canon", paras("canonical canary"), canonical=f"{cu}/canonical.html"))
    page("huge_under_cap", "big page", OK,
         body=article_page("Huge", paras("huge page") * 300))
    lim.retry_after("/p/limited.html", "3600")
    page_cases.append(("rate_limited_page", "HTTP 429 with Retry-After", lim.url("/p/limited.html"),
                       frozenset({"http_429"})))
    for k in range(2):
        lim.route(f"/p/limited_neighbour_{k}.html", body=article_page(f"N {k}", paras(f"lim {k}")))
        page_cases.append((f"rate_limited_neighbour_{k}", "HTTP 429 with Retry-After",
                           lim.url(f"/p/limited_neighbour_{k}.html"), frozenset({None, "http_429"})))

    for start in range(0, len(page_cases), 8):
        chunk = page_cases[start:start + 8]
        items = [{"title": f"Trap {name}", "link": url, "guid": f"trap-{name}", "date": DATE}
                 for name, _g, url, _e in chunk]
        trap = hos.route(f"/traps/t{start // 8}.xml", body=_feed(items, title="Traps"),
                         content_type=rss_ct)
        web.traps.append(normalize_url(trap) or trap)
        for name, group, url, expect in chunk:
            web.add(f"page_{name}", group, "page", url, expect)
    return web


def serve_tls_routes(good: FixtureServer, wrong: FixtureServer, untrusted: FixtureServer,
                     target: str) -> None:
    """Routes of the HTTPS servers: a downgrade redirect (https -> http) and plain feeds."""
    good.redirect("/downgrade.xml", target, 301)
    for s in (good, wrong, untrusted):
        s.route("/feed.xml", body=_feed([{"title": "TLS", "link": target, "guid": "tls"}]),
                content_type="application/rss+xml")
