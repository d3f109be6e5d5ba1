"""Bounded-time fuzzing (Hypothesis) of everything that parses bytes or text from strangers:
feed bytes, HTML bytes (charset decoding and extraction), URLs, feed lists, Content-Encoding
streams, Retry-After and Content-Type headers. Property: no uncaught exception, and the result
keeps its documented shape. Inputs are random bytes plus mutations of real fixtures (inserting
entity declarations, CDATA ends, NULs, BOMs, encoding declarations, cuts and duplications).

Budget: ``FUZZ_SCALE`` (environment, default 1.0) multiplies every example count; the whole
module takes about 45 s on 2 cores at 1.0 (7,350 generated inputs).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from presswatch.charsets import decode_html
from presswatch.extract import extract_article
from presswatch.feeds import parse_feed
from presswatch.fetcher import (
    BodyDecoder,
    DecodeError,
    TooLarge,
    UrlProblem,
    parse_content_type,
    validate_url,
)
from presswatch.opml import parse_feed_list
from presswatch.politeness import parse_retry_after
from presswatch.urls import MAX_URL_LENGTH, normalize_url

FIXTURES = Path(__file__).parent / "fixtures"
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
FEEDS = [p.read_bytes() for p in sorted((FIXTURES / "feeds").iterdir()) if p.is_file()]
PAGES = [p.read_bytes() for p in sorted((FIXTURES / "pages").iterdir()) if p.is_file()]
OPML = [
    b'<?xml version="1.0"?><opml version="2.0"><body><outline text="News">'
    b'<outline type="rss" xmlUrl="https://example.com/feed.xml" title="Ex"/>'
    b'<outline xmlUrl="http://example.org/a?utm_source=x" text="B" category="/world"/>'
    b"</outline></body></opml>",
    b"# feeds\nhttps://example.com/rss\n  http://example.org/atom.xml  \nnot a url\njavascript:alert(1)\n",
]
TOKENS = [b"<!ENTITY a \"x\">", b"<!DOCTYPE rss [", b"]>", b"&a;", b"&lol9;", b"<![CDATA[", b"]]>",
          b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b'<?xml version="1.0" encoding="utf-16"?>',
          b'encoding="shift_jis"', b"<item>", b"</item>", b"<entry>", b"<script>", b"&#0;", b"&#x110000;",
          b"<link>javascript:alert(1)</link>", b"<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>",
          b'<meta charset="utf-7">', b'<base href="http://127.0.0.2/">', b"\xc3\x28", b"\xed\xa0\x80",
          b"<" * 50, b"<div>" * 200, b'<link rel="canonical" href="javascript:x">']
RUN_BUDGET_S = 20.0  # a single input must never take this long

COMMON = dict(deadline=None, database=None, derandomize=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])


def examples(n: int) -> int:
    return max(5, int(n * SCALE))


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:  # noqa: ANN001
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["insert", "delete", "dup", "token", "flip", "cut"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(st.binary(max_size=64))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 256))]
        elif op == "dup":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 512))] * draw(st.integers(1, 8))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos:]
    return bytes(data)


def feed_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=2048), mutated(FEEDS))


def timed(fn, *args, **kwargs):  # noqa: ANN001,ANN002,ANN003,ANN201
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    assert time.perf_counter() - t0 < RUN_BUDGET_S
    return out


@settings(max_examples=examples(1500), **COMMON)
@given(body=feed_bytes(), ctype=st.sampled_from([None, "application/rss+xml", "text/html",
                                                "text/xml; charset=utf-16", "application/atom+xml"]))
def test_parse_feed_never_raises(body: bytes, ctype: str | None) -> None:
    parsed = timed(parse_feed, body, "http://127.0.0.1:9/feed.xml", content_type=ctype)
    assert parsed.problem in (None, "malformed_feed", "not_a_feed")
    assert len(parsed.entries) <= 5000
    assert len({e.guid for e in parsed.entries}) == len(parsed.entries)
    for e in parsed.entries:
        assert e.title is None or len(e.title) <= 1000
        assert e.url is None or e.url.startswith(("http://", "https://"))
        assert e.date_problem in (None, "future_date", "invalid_date")


LABELS = st.one_of(st.none(), st.sampled_from(
    ["utf-8", "UTF8", "shift_jis", "sjis", "euc-jp", "gb2312", "gbk", "big5", "euc-kr", "utf-16",
     "utf-16le", "utf-32", "iso-8859-1", "latin1", "windows-1252", "koi8-r", "utf-7", "x-bogus",
     "", " ", "\"utf-8\"", "cp037", "hz", "iso-2022-jp", "mac-roman"]), st.text(max_size=20))


@settings(max_examples=examples(1000), **COMMON)
@given(body=st.one_of(st.binary(max_size=4096), mutated(PAGES)), label=LABELS)
def test_decode_html_never_raises(body: bytes, label: str | None) -> None:
    text, encoding = timed(decode_html, body, label)
    assert isinstance(text, str) and isinstance(encoding, str) and encoding


@settings(max_examples=examples(150), **COMMON)
@given(body=st.one_of(st.binary(max_size=2048), mutated(PAGES)), label=LABELS,
       feed_html=st.one_of(st.none(), st.text(max_size=300)))
def test_extract_article_never_raises(body: bytes, label: str | None, feed_html: str | None) -> None:
    ex = timed(extract_article, body, "http://127.0.0.1:9/news/2026/11/20/story.html",
               header_charset=label, feed_content_html=feed_html, feed_title="Feed title")
    assert isinstance(ex.text, str) and ex.reason in (None, "extraction_empty")
    assert ex.canonical_url is None or isinstance(ex.canonical_url, str)


URL_PIECES = st.sampled_from(["http://", "https://", "HTTP://", "javascript:", "data:", "//", "/",
                              "127.0.0.1", "[::1]", "[fe80::1%25eth0]", "xn--", "bücher.de", ":80",
                              ":0", ":99999", "@", "user:pw@", "?", "#", "&utm_source=x", "%", "%2e%2e",
                              "/../", "./", "\\", " ", "\t", "\n", "\x00", "é", "\u202e", "amp/",
                              "?amp=1", "a" * 300])


@settings(max_examples=examples(3000), **COMMON)
@given(parts=st.lists(st.one_of(URL_PIECES, st.text(max_size=12)), max_size=12),
       base=st.one_of(st.none(), st.sampled_from(["http://127.0.0.1:9/a/b/", "https://x.example/",
                                                  "not a base", "http://[::1"])))
def test_normalize_url_never_raises(parts: list[str], base: str | None) -> None:
    raw = "".join(parts)
    out = normalize_url(raw, base)
    if out is not None:
        assert out.startswith(("http://", "https://")) and len(out) <= MAX_URL_LENGTH
        assert not any(c in out for c in " \t\r\n\x00")
    try:
        validate_url(raw)
    except UrlProblem:
        pass


def test_normalize_url_is_idempotent() -> None:
    # found by the fuzzer: one AMP suffix was stripped per call ('/a/amp/amp/' -> '/a/amp/')
    once = normalize_url("amp/amp/", "http://127.0.0.1:9/a/b/")
    assert normalize_url(once) == once


@settings(max_examples=examples(600), **COMMON)
@given(data=st.one_of(st.binary(max_size=2048), mutated(OPML), mutated(FEEDS[:3])))
def test_parse_feed_list_never_raises(data: bytes) -> None:
    result = timed(parse_feed_list, data)
    for source in result.sources:
        assert normalize_url(source.url) == source.url


@settings(max_examples=examples(600), **COMMON)
@given(data=st.binary(max_size=4096), coding=st.sampled_from(["gzip", "deflate", "x-gzip", "identity", None]),
       cuts=st.lists(st.integers(0, 4096), max_size=5), limit=st.integers(0, 10_000))
def test_body_decoder_bounded(data: bytes, coding: str | None, cuts: list[int], limit: int) -> None:
    import gzip
    import zlib

    payload = {"gzip": gzip.compress, "x-gzip": gzip.compress, "deflate": zlib.compress}.get(
        coding or "", lambda b: b)(data)
    if cuts and cuts[0] % 3 == 0:  # corrupt it now and then
        payload = payload[: cuts[0]] + bytes([cuts[-1] % 256]) + payload[cuts[0] + 1:]
    try:
        dec = BodyDecoder(coding, limit)
        out, start = [], 0
        for cut in sorted(c % (len(payload) + 1) for c in cuts) + [len(payload)]:
            out.append(dec.feed(payload[start:cut]))
            start = cut
        out.append(dec.flush())
    except (TooLarge, DecodeError):
        return
    assert len(b"".join(out)) <= limit


@settings(max_examples=examples(500), **COMMON)
@given(value=st.one_of(st.none(), st.text(max_size=60),
                       st.sampled_from(["120", "-1", "1e9", "Wed, 21 Oct 2015 07:28:00 GMT",
                                        "Fri, 31 Dec 9999 23:59:59 GMT", "99999999999999999999"])))
def test_header_parsers_never_raise(value: str | None) -> None:
    wait = parse_retry_after(value)
    assert wait is None or wait >= 0
    media, charset = parse_content_type(value)
    assert media is None or media == media.lower()


@pytest.mark.parametrize("seed", range(len(FEEDS)))
def test_fixture_feeds_parse_quickly(seed: int) -> None:
    """Sanity for the seeds themselves (the fuzz corpus): each parses well under a second."""
    t0 = time.perf_counter()
    parse_feed(FEEDS[seed], "http://127.0.0.1:9/feed.xml")
    assert time.perf_counter() - t0 < 1.0
