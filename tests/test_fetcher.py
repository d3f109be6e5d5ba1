"""Fetcher against the real fixture server: statuses, redirects, limits, politeness, robots."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from typing import Any

import pytest
from presswatch import reasons
from presswatch.fetcher import (
    BodyDecoder,
    Fetcher,
    FetchRequest,
    FetchResult,
    fetch_many,
    parse_content_type,
    reason_for_status,
)

try:
    from tests.support import Response
except ImportError:
    from support import Response

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
HTML = b"<html><head><title>x</title></head><body><p>hello</p></body></html>"


def fetch(settings, url: str, kind: str = "feed", **kw: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as f:
            return await f.fetch(url, kind, **kw)

    return asyncio.run(go())


def fetch_seq(settings, calls: list[tuple[str, str]]) -> tuple[list[FetchResult], list[float]]:
    """Sequential fetches with one Fetcher; returns results and start offsets."""

    async def go() -> tuple[list[FetchResult], list[float]]:
        out, starts = [], []
        t0 = time.monotonic()
        async with Fetcher(settings) as f:
            for url, kind in calls:
                starts.append(time.monotonic() - t0)
                out.append(await f.fetch(url, kind))
        return out, starts

    return asyncio.run(go())


def test_ok_fetch(settings, fixture_server) -> None:
    url = fixture_server.route(
        "/feed.xml",
        body=FEED,
        content_type='application/RSS+xml; charset="UTF-8"',
        headers={"ETag": '"abc"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"},
    )
    res = fetch(settings, url)
    assert (res.outcome, res.reason, res.status) == ("ok", None, 200)
    assert res.body == FEED and res.ok
    assert (res.content_type, res.charset) == ("application/rss+xml", "utf-8")
    assert (res.etag, res.last_modified) == ('"abc"', "Mon, 01 Jan 2024 00:00:00 GMT")
    assert res.final_url == url and res.redirects == ()
    assert res.bytes_received == len(FEED) and len(res.body_sha256 or "") == 64
    assert res.started_at.tzinfo is not None
    (req,) = fixture_server.requests("/feed.xml")
    assert req.headers["User-Agent"] == settings.user_agent
    assert req.headers["Accept-Encoding"] == "gzip, deflate"
    assert "application/rss+xml" in req.headers["Accept"]


def test_conditional_get(settings, fixture_server) -> None:
    url = fixture_server.conditional("/c.xml", FEED, etag='"v1"')
    first = fetch(settings, url)
    assert first.outcome == "ok" and first.etag == '"v1"'
    second = fetch(settings, url, etag=first.etag, last_modified=first.last_modified)
    assert (second.outcome, second.status, second.body) == ("not_modified", 304, None)
    sent = fixture_server.requests("/c.xml")[1].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == first.last_modified


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (500, "http_5xx"),
        (503, "http_5xx"),
        (404, "http_404"),
        (410, "http_410"),
        (401, "http_401"),
        (403, "http_403"),
        (418, "http_4xx"),
        (299, None),
    ],
)
def test_status_mapping(settings, fixture_server, status: int, reason: str | None) -> None:
    res = fetch(settings, fixture_server.route("/s", status=status, body=b"x"))
    assert res.status == status and res.reason == reason
    assert res.outcome == ("ok" if reason is None else "failed")
    assert reason_for_status(199) == "http_other" and reason_for_status(300) == "http_other"


def test_empty_body(settings, fixture_server) -> None:
    res = fetch(settings, fixture_server.route("/empty", body=b""))
    assert (res.outcome, res.reason, res.body) == ("failed", "empty_body", None)


def test_redirect_chain(settings, fixture_server) -> None:
    fixture_server.redirect("/a", "/b")
    fixture_server.redirect("/b", fixture_server.url("/c"), status=302)
    fixture_server.redirect("/c", "d?x=1#frag", status=308)
    fixture_server.route("/d", body=FEED)
    res = fetch(settings, fixture_server.url("/a"))
    assert res.outcome == "ok" and res.body == FEED
    assert res.final_url == fixture_server.url("/d?x=1")
    assert res.redirects == tuple(fixture_server.url(p) for p in ("/b", "/c", "/d?x=1"))
    assert res.url == fixture_server.url("/a")


def test_redirect_loop(settings, fixture_server) -> None:
    fixture_server.redirect("/x", "/y")
    fixture_server.redirect("/y", "/x")
    res = fetch(settings, fixture_server.url("/x"))
    assert (res.outcome, res.reason) == ("failed", "redirect_loop")
    assert fixture_server.hits("/x") == 1


def test_too_many_redirects(settings_factory, fixture_server) -> None:
    for i in range(10):
        fixture_server.redirect(f"/r{i}", f"/r{i + 1}")
    res = fetch(settings_factory(max_redirects=3), fixture_server.url("/r0"))
    assert (res.outcome, res.reason) == ("failed", "too_many_redirects")
    assert fixture_server.hits("/r3") == 1 and fixture_server.hits("/r4") == 0


def test_redirect_to_unsupported_scheme(settings, fixture_server) -> None:
    fixture_server.redirect("/ftp", "ftp://example.com/x")
    res = fetch(settings, fixture_server.url("/ftp"))
    assert (res.outcome, res.reason) == ("failed", "unsupported_scheme")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "unsupported_scheme"),
        ("mailto:a@b.c", "unsupported_scheme"),
        ("ftp://example.com/", "unsupported_scheme"),
        ("http://" + "a" * 9000, "url_too_long"),
        ("http:///nohost", "bad_url"),
        ("not a url", "bad_url"),
        ("http://exa mple.com/", "bad_url"),
        ("/relative/path", "bad_url"),
        ("http://example.com:99999/", "bad_url"),
        ("", "bad_url"),
    ],
)
def test_bad_urls_contact_nothing(settings, url: str, reason: str) -> None:
    res = fetch(settings, url)
    assert (res.outcome, res.reason, res.status) == ("failed", reason, None)
    assert res.duration_s < 0.1


def test_slow_drip_times_out(settings_factory, fixture_server) -> None:
    url = fixture_server.drip("/drip", interval_s=0.1)
    res = fetch(settings_factory(fetch_timeout_s=1.0), url)
    assert (res.outcome, res.reason) == ("failed", "timeout")
    assert 0.9 <= res.duration_s <= 1.5
    assert res.bytes_received >= 3


def test_slow_headers_time_out(settings_factory, fixture_server) -> None:
    url = fixture_server.route("/late", body=b"x", delay_s=5)
    res = fetch(settings_factory(fetch_timeout_s=0.5), url)
    assert res.reason == "timeout" and res.duration_s <= 1.0


def test_connection_refused(settings, fixture_server) -> None:
    port = fixture_server.port
    fixture_server.stop()
    res = fetch(settings, f"http://127.0.0.1:{port}/")
    assert (res.outcome, res.reason) == ("failed", "connection_error")


def test_huge_content_length(settings_factory, fixture_server) -> None:
    url = fixture_server.endless("/big", headers={"Content-Length": str(10**12)})
    res = fetch(settings_factory(max_bytes=1 << 20), url)
    assert (res.outcome, res.reason, res.bytes_received) == ("failed", "too_large", 0)


def test_endless_chunked(settings_factory, fixture_server) -> None:
    url = fixture_server.endless("/endless")
    res = fetch(settings_factory(max_bytes=1 << 20), url)
    assert res.outcome == "failed" and res.reason in ("too_large", "timeout")
    assert res.duration_s < 2.5


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "deflate-raw"])
def test_compressed_bodies(settings, fixture_server, encoding: str) -> None:
    body = HTML * 200
    url = fixture_server.gzip("/z", body, encoding=encoding)
    res = fetch(settings, url, "page")
    assert res.outcome == "ok" and res.body == body
    assert 0 < res.bytes_received < len(body) / 10


def test_gzip_bomb(settings_factory, fixture_server) -> None:
    url = fixture_server.gzip_bomb("/bomb")  # 1 GiB of zeros, ~1 MB on the wire
    settings = settings_factory(max_bytes=4 << 20)
    tracemalloc.start()
    try:
        t0 = time.monotonic()
        res = fetch(settings, url)
        elapsed = time.monotonic() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (res.outcome, res.reason) == ("failed", "too_large")
    assert elapsed < 1.5
    assert peak < 40 << 20, f"peak {peak / 1e6:.1f} MB"
    assert res.bytes_received < 1 << 20


def test_decoder_caps_multi_member_gzip() -> None:
    import gzip as gz

    member = gz.compress(bytes(1000))
    dec = BodyDecoder("gzip", 2500)
    assert len(dec.feed(member * 2)) == 2000
    with pytest.raises(Exception) as info:
        dec.feed(member)
    assert type(info.value).__name__ == "TooLarge"


def test_unknown_encoding(settings, fixture_server) -> None:
    url = fixture_server.route("/br", body=b"\x00\x01", headers={"Content-Encoding": "br"})
    assert fetch(settings, url).reason == "decode_error"


def test_pdf_page_skipped_unread(settings, fixture_server) -> None:
    url = fixture_server.endless(
        "/doc.pdf", content_type="application/pdf", headers={"Content-Length": str(50 << 20)}
    )
    res = fetch(settings, url, "page")
    assert (res.outcome, res.reason, res.status) == ("skipped", "not_html", 200)
    assert res.content_type == "application/pdf" and res.bytes_received == 0 and res.body is None
    # a feed is not gated by content type: the parser decides
    plain = fixture_server.route("/feed.txt", body=FEED, content_type="text/plain")
    assert fetch(settings, plain, "feed").outcome == "ok"


def test_parse_content_type() -> None:
    assert parse_content_type("Text/HTML; Charset='ISO-8859-1'") == ("text/html", "iso-8859-1")
    assert parse_content_type(None) == (None, None)


def test_retry_after_blocks_host(settings, fixture_server) -> None:
    limited = fixture_server.retry_after("/limited", "1")
    other = fixture_server.route("/other", body=FEED)
    (first, second), starts = fetch_seq(settings, [(limited, "feed"), (other, "feed")])
    assert (first.outcome, first.reason, first.retry_after_s) == ("failed", "http_429", 1.0)
    assert second.outcome == "ok" and second.retry_after_s is None
    assert starts[1] < 0.5  # the second fetch was issued at once and waited inside the limiter
    assert (second.started_at - first.started_at).total_seconds() >= 0.95


def test_retry_after_http_date_and_cap(settings, fixture_server) -> None:
    url = fixture_server.retry_after("/date", "Wed, 21 Oct 2015 07:28:00 GMT", status=503)
    res = fetch(settings, url)
    assert (res.reason, res.retry_after_s) == ("http_5xx", 0.0)
    far = fixture_server.retry_after("/far", "86400")
    assert fetch(settings, far).retry_after_s == 600.0


def test_tls_error(settings, fixture_server) -> None:
    res = fetch(settings, fixture_server.url("/").replace("http://", "https://"))
    assert (res.outcome, res.reason) == ("failed", "tls_error")


def test_host_delay(settings_factory, fixture_server) -> None:
    urls = [fixture_server.route(f"/d{i}", body=FEED) for i in range(3)]
    t0 = time.monotonic()
    results = fetch_many(settings_factory(host_delay_s=0.3), [(u, "feed") for u in urls])
    assert time.monotonic() - t0 >= 0.6
    starts = sorted(r.started_at for r in results)
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.28


def test_fetch_many_concurrency_and_order(settings_factory, fixture_server) -> None:
    for i in range(20):
        fixture_server.route(f"/slow{i}", body=f"<p>{i}</p>".encode(), delay_s=0.2)
    reqs = [FetchRequest(fixture_server.url(f"/slow{i}"), "page") for i in range(20)]
    seen: list[FetchResult] = []
    t0 = time.monotonic()
    results = fetch_many(
        settings_factory(concurrency=10, host_concurrency=10, respect_robots=False),
        reqs,
        on_result=seen.append,
    )
    elapsed = time.monotonic() - t0
    assert elapsed < 2.0, elapsed
    assert [r.body for r in results] == [f"<p>{i}</p>".encode() for i in range(20)]
    assert len(seen) == 20


def test_host_concurrency_limit(settings_factory, fixture_server) -> None:
    for i in range(4):
        fixture_server.route(f"/h{i}", body=b"<p/>", delay_s=0.3)
    t0 = time.monotonic()
    fetch_many(
        settings_factory(host_concurrency=1),
        [(fixture_server.url(f"/h{i}"), "feed") for i in range(4)],
    )
    assert time.monotonic() - t0 >= 1.1


def test_robots(settings, fixture_server) -> None:
    fixture_server.route(
        "/robots.txt", body=b"User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    fixture_server.route("/private/a", body=HTML)
    fixture_server.route("/public", body=HTML)
    fixture_server.redirect("/sneaky", "/private/a")
    calls = [
        (fixture_server.url("/private/a"), "page"),
        (fixture_server.url("/public"), "page"),
        (fixture_server.url("/private/a"), "feed"),
        (fixture_server.url("/sneaky"), "page"),
    ]
    (blocked, allowed, feed, sneaky), _ = fetch_seq(settings, calls)
    assert (blocked.outcome, blocked.reason) == ("skipped", "robots_disallowed")
    assert allowed.outcome == "ok" and feed.outcome == "ok"
    assert (sneaky.outcome, sneaky.reason) == ("skipped", "robots_disallowed")
    assert fixture_server.hits("/robots.txt") == 1
    assert fixture_server.hits("/private/a") == 1  # only the feed fetch


@pytest.mark.parametrize(
    ("status", "allowed"), [(403, False), (401, False), (404, True), (500, True)]
)
def test_robots_status(settings, fixture_server, status: int, allowed: bool) -> None:
    fixture_server.route("/robots.txt", status=status, body=b"nope")
    res = fetch(settings, fixture_server.route("/p", body=HTML), "page")
    assert res.outcome == ("ok" if allowed else "skipped")


def test_dynamic_handler_and_flaky(settings, fixture_server) -> None:
    fixture_server.route("/dyn", handler=lambda r: Response(200, r.query.encode() or b"none"))
    assert fetch(settings, fixture_server.url("/dyn?q=1")).body == b"q=1"
    url = fixture_server.flaky("/flaky", FEED, failures=2)
    results = [fetch(settings, url).reason for _ in range(3)]
    assert results == ["http_5xx", "http_5xx", None]


def test_reasons_are_in_closed_set() -> None:
    for status in (200, 304, 401, 403, 404, 410, 429, 451, 500, 599, 600):
        reasons.check(reason_for_status(status))
