"""presswatch.feeds: RSS/Atom bytes -> ParsedFeed, including hostile and odd documents."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from presswatch.feeds import (
    MAX_CONTENT_BYTES,
    MAX_SUMMARY_BYTES,
    FeedEntry,
    ParsedFeed,
    clean_text,
    parse_feed,
    screen_entities,
)

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
NOW = datetime(2024, 8, 25, tzinfo=UTC)
FEED_URL = "https://feeds.example.net/dir/feed.xml"


def parse(name: str, content_type: str | None = "application/xml", **kw: object) -> ParsedFeed:
    return parse_feed(
        (FIXTURES / name).read_bytes(), FEED_URL, content_type=content_type, now=NOW, **kw
    )


def all_text(feed: ParsedFeed) -> str:
    parts = [str(feed.title), str(feed.site_url), str(feed.next_url)]
    for e in feed.entries:
        parts += [str(getattr(e, f)) for f in FeedEntry.__dataclass_fields__]
    return "\n".join(parts)


def rss(items: str, head: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}<rss version="2.0"><channel><title>T</title>'
        f"<link>https://t.example.com/</link>{items}</channel></rss>"
    ).encode()


# --- formats -------------------------------------------------------------------------------


def test_rss20_fields() -> None:
    feed = parse("rss20.xml")
    assert (feed.version, feed.problem, feed.malformed) == ("rss20", None, False)
    assert feed.title == "Example World News"
    assert feed.site_url == "https://news.example.com/"
    assert feed.language == "en-gb"
    assert feed.next_url == "https://feeds.example.net/feed.xml?page=2"
    first = feed.entries[0]
    assert first.guid == "example-1001"
    assert first.url == "https://news.example.com/world/2024/08/24/geneva-talks"
    assert "utm_source=rss" in first.raw_url
    assert first.title == "Leaders meet in Geneva & agree on talks"
    assert first.summary == "<p>Short summary of the <b>talks</b>.</p>"
    assert first.content_html.startswith("<p>Full text of the article")
    assert first.authors == ("Jane Doe",)
    assert first.tags == ("World", "Diplomacy")
    assert first.published_at == datetime(2024, 8, 24, 8, 30, tzinfo=UTC)
    assert first.date_source == "feed" and first.date_problem is None
    assert first.updated_at is None  # no fallback from updated to published
    assert first.language == "en-gb"


def test_rss20_relative_link_resolves_against_feed_url_and_author_name() -> None:
    second = parse("rss20.xml").entries[1]
    assert second.url == "https://feeds.example.net/business/markets-rally.html"
    assert second.guid == "https://news.example.com/business/markets-rally.html"
    assert second.authors == ("Rob Smith",)


def test_rss20_dedupes_guid_and_uses_permalink_guid() -> None:
    feed = parse("rss20.xml")
    assert [e.title for e in feed.entries] == [
        "Leaders meet in Geneva & agree on talks",
        "Markets rally",
        "Permalink guid only",
    ]
    assert feed.entries[2].url == "https://news.example.com/world/permalink-only"


def test_rss10_rdf() -> None:
    feed = parse("rss10.rdf")
    assert (feed.version, feed.problem, feed.language) == ("rss10", None, "de")
    e = feed.entries[0]
    assert e.title == "Erste Meldung über Größe"
    assert e.authors == ("Max Mustermann",)
    assert e.tags == ("Politik",)
    assert e.published_at == datetime(2024, 8, 24, 7, 15, tzinfo=UTC)  # dc:date
    assert len(feed.entries) == 2


def test_rss091() -> None:
    feed = parse("rss091.xml")
    assert feed.version.startswith("rss091") and feed.problem is None
    assert feed.entries[0].title == "Café opens"
    assert feed.entries[0].url == "http://oldschool.example.com/cafe.html"
    assert feed.entries[0].published_at is None and feed.entries[0].date_source is None


def test_atom10_xml_base_relative_links_and_next() -> None:
    feed = parse("atom10.xml")
    assert (feed.version, feed.problem) == ("atom10", None)
    assert feed.title == "Atom Example"
    assert feed.site_url == "https://atom.example.org/blog/"
    assert feed.next_url == "https://atom.example.org/blog/feed.atom?page=2"
    first, second, third = feed.entries
    assert first.url == "https://atom.example.org/blog/posts/first.html"
    assert first.authors == ("Alice", "Bob")
    assert first.tags == ("tech",)
    assert first.published_at == datetime(2024, 8, 24, 2, tzinfo=UTC)
    assert first.updated_at == datetime(2024, 8, 24, 3, tzinfo=UTC)
    assert 'src="https://atom.example.org/blog/img/a.png"' in first.content_html
    assert second.url == "https://other.example.org/second.html"  # entry-level xml:base
    assert second.published_at == datetime(2024, 8, 23, 10, tzinfo=UTC)  # updated only
    assert first.language == "en" and third.language == "fr"


def test_valid_feed_without_entries_is_fine() -> None:
    feed = parse_feed(rss(""), FEED_URL, now=NOW)
    assert (feed.version, feed.problem, feed.entries, feed.malformed) == ("rss20", None, (), False)


# --- not feeds / malformed -------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/rss+xml", None])
def test_html_page_is_not_a_feed(content_type: str | None) -> None:
    feed = parse("html_page.html", content_type=content_type)
    assert feed.problem == "not_a_feed" and feed.entries == () and feed.version is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"just some text",
        b'{"json": true}',
        b"<?xml version='1.0'?><foo><bar/></foo>",
    ],
)
def test_non_feeds(body: bytes) -> None:
    assert parse_feed(body, FEED_URL).problem == "not_a_feed"


def test_malformed_feed_keeps_items() -> None:
    feed = parse("malformed.xml")
    assert feed.problem == "malformed_feed" and feed.malformed is True
    assert [e.url for e in feed.entries] == [
        "https://broken.example.com/one",
        "https://broken.example.com/two",
    ]
    assert feed.entries[0].title == "First item & unescaped ampersand"


def test_bytes_body_is_never_opened_as_a_path(tmp_path: Path) -> None:
    # feedparser.parse(b"/some/path") would read that file; we hand it a BytesIO.
    real = tmp_path / "local.xml"
    real.write_bytes(rss("<item><title>LOCAL FILE</title><link>https://x.example/</link></item>"))
    feed = parse_feed(str(real).encode(), FEED_URL)
    assert feed.problem == "not_a_feed" and "LOCAL FILE" not in all_text(feed)
    assert parse_feed(b"/etc/passwd", FEED_URL).problem == "not_a_feed"


# --- security -------------------------------------------------------------------------------


def test_billion_laughs_is_fast_small_and_unexpanded() -> None:
    tracemalloc.start()
    start = time.monotonic()
    feed = parse("billion_laughs.xml")
    elapsed = time.monotonic() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2 and peak < 50 * 1024 * 1024
    assert "lollol" not in all_text(feed)
    assert len(all_text(feed)) < 10_000


def test_quadratic_blowup_is_not_expanded() -> None:
    # feedparser keeps "safe" internal entities and its loose parser expands them without
    # limit (found while writing this module: 260 KB grew to 4 GB). screen_entities stops it.
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "'
        + b"A" * 200_000
        + b'">\n]>\n'
        + rss(
            "<item><title>x</title><link>https://q.example/a</link><description>"
            + "&a;" * 20_000
            + "</description></item>"
        ).split(b"?>", 1)[1]
    )
    start = time.monotonic()
    feed = parse_feed(body, FEED_URL)
    assert time.monotonic() - start < 2
    assert "AAAAAAAAAA" not in all_text(feed)
    assert all(len(e.summary or "") < 200_000 for e in feed.entries)


def test_xxe_does_not_read_files() -> None:
    passwd = Path("/etc/passwd").read_text(errors="replace") if Path("/etc/passwd").exists() else ""
    feed = parse("xxe.xml")
    text = all_text(feed)
    assert "root:" not in text
    if passwd:
        first_line = passwd.splitlines()[0]
        assert first_line not in text
    assert feed.problem in ("malformed_feed", "not_a_feed", None)


class _Listener:
    """A loopback TCP server that records whether anything connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.thread.join(2)
        self.sock.close()


def test_external_dtd_and_entities_are_never_fetched() -> None:
    listener = _Listener()
    try:
        base = f"http://127.0.0.1:{listener.port}"
        heads = [
            f'<!DOCTYPE rss SYSTEM "{base}/evil.dtd">',
            f'<!DOCTYPE rss [<!ENTITY ext SYSTEM "{base}/ext.txt">]>',
            f'<!DOCTYPE rss [<!ENTITY % pe SYSTEM "{base}/pe.dtd"> %pe;]>',
        ]
        for head in heads:
            body = rss("<item><title>t &ext;</title><link>https://x.example/a</link></item>", head)
            parse_feed(body, FEED_URL)
        time.sleep(0.3)
    finally:
        listener.close()
    assert listener.connections == 0


def test_screen_entities() -> None:
    plain = rss("<item><title>x</title></item>")
    assert screen_entities(plain) is plain
    doctype_only = rss("", '<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "x.dtd">')
    assert screen_entities(doctype_only) == doctype_only
    cdata = rss("<item><description><![CDATA[<!ENTITY x 'y'>]]></description></item>")
    assert screen_entities(cdata) == cdata  # only the prolog matters
    declared = rss(
        "<item><title>&nbsp;x</title></item>", '<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'
    )
    cleaned = screen_entities(declared)
    assert cleaned is not None and b"<!ENTITY" not in cleaned and cleaned.startswith(b"<?xml")
    tricky = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "<b>"><!ENTITY c "zzz">]><rss/>'
    assert screen_entities(tricky) is None
    wide = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r [<!ENTITY a "x">]><rss/>'
    assert screen_entities(wide.encode("utf-16")) is None


def test_feed_declaring_harmless_entities_still_parses() -> None:
    body = rss(
        "<item><title>A&nbsp;B</title><link>https://x.example/a</link></item>",
        '<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n]>',
    )
    feed = parse_feed(body, FEED_URL)
    assert feed.problem == "malformed_feed" and len(feed.entries) == 1
    assert feed.entries[0].title == "A B"


# --- links, titles, sizes -------------------------------------------------------------------


def test_javascript_data_mailto_links_keep_raw_url_only() -> None:
    feed = parse("bad_links.xml")
    by_title = {e.title: e for e in feed.entries}
    for title, prefix in [
        ("JS link", "javascript:"),
        ("Data link", "data:"),
        ("Mailto", "mailto:"),
    ]:
        assert by_title[title].url is None
        assert by_title[title].raw_url.startswith(prefix)
    assert by_title["JS link"].guid == "js-1"


def test_script_removed_from_titles() -> None:
    titles = [e.title for e in parse("bad_links.xml").entries]
    assert "Real title &amp; more" in titles or "Real title & more" in titles
    assert "CDATA title with newlines" in titles
    assert not any("script" in t or "alert" in t or "steal" in t for t in titles)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Plain", "Plain"),
        ("a < b and c > d", "a < b and c > d"),
        ("AT&T &amp; Co &#8211; x", "AT&T & Co – x"),
        ("<script>alert(1)</script><style>p{}</style>Hi <b>there</b>", "Hi there"),
        ("  many \n\t spaces  ", "many spaces"),
        ("", None),
        ("<p> </p>", None),
        (None, None),
    ],
)
def test_clean_text(raw: str | None, clean: str | None) -> None:
    assert clean_text(raw) == clean


def test_long_title_capped() -> None:
    body = rss(f"<item><title>{'x' * 10_000}</title><link>https://x.example/a</link></item>")
    assert len(parse_feed(body, FEED_URL).entries[0].title) == 1000


def test_summary_and_content_capped() -> None:
    big = "é" * (MAX_CONTENT_BYTES)  # 2 bytes each in UTF-8
    body = rss(
        f'<item xmlns:content="http://purl.org/rss/1.0/modules/content/"><title>t</title>'
        f"<link>https://x.example/a</link><description>{big[:MAX_SUMMARY_BYTES]}</description>"
        f"<content:encoded>{big}</content:encoded></item>"
    )
    body = body.replace(b"<rss ", b'<rss xmlns:content="http://purl.org/rss/1.0/modules/content/" ')
    e = parse_feed(body, FEED_URL).entries[0]
    assert len(e.summary.encode()) <= MAX_SUMMARY_BYTES
    assert len(e.content_html.encode()) <= MAX_CONTENT_BYTES
    assert e.content_html.startswith("éé")


def test_3000_items_and_max_entries() -> None:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://big.example.com/{i}</link>"
        f"<guid isPermaLink='false'>g{i}</guid><pubDate>Sat, 24 Aug 2024 10:00:00 GMT</pubDate></item>"
        for i in range(3000)
    )
    body = rss(items)
    start = time.monotonic()
    feed = parse_feed(body, FEED_URL, now=NOW)
    assert time.monotonic() - start < 30
    assert len(feed.entries) == 3000 and feed.problem is None
    assert feed.entries[-1].url == "https://big.example.com/2999"
    assert len(parse_feed(body, FEED_URL, now=NOW, max_entries=100).entries) == 100


def test_entry_without_id_or_link_gets_content_hash_guid() -> None:
    feed = parse_feed(
        rss("<item><title>No id</title></item><item><title>Other</title></item>"), FEED_URL
    )
    guids = [e.guid for e in feed.entries]
    assert len(guids) == 2 and all(g.startswith("sha1:") for g in guids) and guids[0] != guids[1]
    assert all(e.url is None and e.raw_url is None for e in feed.entries)


# --- dates ----------------------------------------------------------------------------------


def test_feed_dates_checked() -> None:
    by_title = {e.title: e for e in parse("dates.xml").entries}
    assert by_title["Good"].published_at == datetime(2024, 8, 24, 10, tzinfo=UTC)
    assert (by_title["Future"].published_at, by_title["Future"].date_problem) == (
        None,
        "future_date",
    )
    assert (by_title["Ancient"].published_at, by_title["Ancient"].date_problem) == (
        None,
        "invalid_date",
    )
    assert (by_title["Garbage"].published_at, by_title["Garbage"].date_problem) == (
        None,
        "invalid_date",
    )
    assert by_title["None"].published_at is None and by_title["None"].date_problem is None
    assert by_title["None"].date_source is None
    assert by_title["DC only"].published_at == datetime(2024, 8, 19, 20, tzinfo=UTC)
    assert by_title["Future"].date_source is None


def test_out_of_range_iso_date_is_not_rolled_over() -> None:
    # feedparser turns 2024-13-45 into a 2025 date; we refuse it instead.
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>t</title><id>x</id><entry><id>e1</id><title>bad</title><link href="https://x.example/a"/>
<updated>2024-13-45T10:00:00Z</updated></entry></feed>"""
    e = parse_feed(atom, FEED_URL, now=NOW).entries[0]
    assert (e.published_at, e.updated_at, e.date_problem) == (None, None, "invalid_date")


def test_max_future_s_respected() -> None:
    body = rss(
        "<item><title>t</title><link>https://x.example/a</link>"
        "<pubDate>Sun, 25 Aug 2024 12:00:00 GMT</pubDate></item>"
    )
    assert parse_feed(body, FEED_URL, now=NOW, max_future_s=86400).entries[0].published_at
    late = parse_feed(body, FEED_URL, now=NOW, max_future_s=3600).entries[0]
    assert (late.published_at, late.date_problem) == (None, "future_date")


# --- encodings ------------------------------------------------------------------------------


def test_shift_jis_declared_in_xml_only() -> None:
    feed = parse("shift_jis.xml", content_type="application/rss+xml")
    assert feed.problem is None
    assert feed.title == "日本のニュース"
    assert feed.entries[0].title == "東京で会議が開かれた"
    assert "「ソ連」や「表示」" in feed.entries[0].summary  # 0x5C trail bytes survive
    assert feed.entries[0].published_at == datetime(2024, 8, 24, 9, tzinfo=UTC)


def test_gb2312() -> None:
    feed = parse("gb2312.xml", content_type=None)
    assert feed.title == "中文新闻" and feed.entries[0].title == "北京举行国际会议"
    assert feed.language == "zh-cn"


def test_wrong_charset_in_header() -> None:
    # Header says ISO-8859-1 for an RSS media type, the document is UTF-8 (declared so).
    # feedparser follows RFC 3023 and tries the header first; the bytes still decode as
    # latin-1, so the sensible outcome is "parsed, entries kept", with either correct text
    # (XML declaration won) or mojibake, never a failure or a lost item.
    feed = parse("charset_mismatch.xml", content_type="application/rss+xml; charset=iso-8859-1")
    assert feed.problem in (None, "malformed_feed")
    assert len(feed.entries) == 1 and feed.entries[0].url == "https://mis.example.com/1"
    assert feed.entries[0].title in (
        "Crème brûlée – naïve",
        "Crème brûlée – naïve".encode().decode("latin-1"),
    )
    # Without a header charset the XML declaration wins.
    assert parse("charset_mismatch.xml", content_type="application/rss+xml").entries[0].title == (
        "Crème brûlée – naïve"
    )
