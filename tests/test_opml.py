"""presswatch.opml: OPML and plain-text feed lists, the bundled default list."""

from __future__ import annotations

import time
from pathlib import Path

from presswatch.opml import (
    DEFAULT_FEEDS,
    FeedListResult,
    FeedSource,
    load_default_feeds,
    parse_feed_list,
)

NESTED = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
  <head><title>Mine</title></head>
  <body>
    <outline text="News">
      <outline text="Asia">
        <outline type="rss" text="NHK" xmlUrl="https://www3.nhk.or.jp/rss/news/cat0.xml"
                 htmlUrl="https://www3.nhk.or.jp/news/" language="ja"/>
        <outline type="rss" text="Tagged" title="Tagged title" category="/Tech/AI,/Other"
                 xmlUrl="HTTPS://Tagged.example.com/feed?utm_source=opml"/>
      </outline>
      <outline type="rss" text="Top level in News" xmlurl="https://news.example.com/rss"/>
    </outline>
    <outline type="rss" text="No folder" xmlUrl="https://nofolder.example.com/rss"/>
    <outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/>
    <outline type="rss" text="Relative" xmlUrl="/feed.xml"/>
    <outline type="rss" text="Dup" xmlUrl="https://nofolder.example.com/rss#dup"/>
    <outline text="Just a folder with no feeds"/>
  </body>
</opml>
"""


def test_bundled_default_feeds() -> None:
    assert DEFAULT_FEEDS.exists()
    result = load_default_feeds()
    assert isinstance(result, FeedListResult)
    assert result.rejected == ()
    assert len(result.sources) >= 15
    assert all(s.url.startswith("https://") for s in result.sources)
    assert all(s.title and s.category and s.language for s in result.sources)
    assert len({s.url for s in result.sources}) == len(result.sources)
    urls = {s.url for s in result.sources}
    assert "https://feeds.bbci.co.uk/news/world/rss.xml" in urls
    assert "https://rss.dw.com/rdf/rss-en-all" in urls
    assert {s.language for s in result.sources} >= {"en", "ja", "de", "fr"}


def test_nested_opml() -> None:
    result = parse_feed_list(NESTED)
    by_url = {s.url: s for s in result.sources}
    assert list(by_url) == [
        "https://www3.nhk.or.jp/rss/news/cat0.xml",
        "https://tagged.example.com/feed",
        "https://news.example.com/rss",
        "https://nofolder.example.com/rss",
    ]
    nhk = by_url["https://www3.nhk.or.jp/rss/news/cat0.xml"]
    assert nhk == FeedSource(
        url="https://www3.nhk.or.jp/rss/news/cat0.xml",
        title="NHK",
        site_url="https://www3.nhk.or.jp/news/",
        category="Asia",
        language="ja",
    )
    assert by_url["https://tagged.example.com/feed"].title == "Tagged title"
    assert by_url["https://tagged.example.com/feed"].category == "Tech/AI"
    assert by_url["https://news.example.com/rss"].category == "News"
    assert by_url["https://nofolder.example.com/rss"].category is None
    reasons = [why for _, why in result.rejected]
    assert reasons == ["unsupported_scheme", "bad_url"]
    assert all(where.startswith("outline ") for where, _ in result.rejected)


def test_plain_text_list() -> None:
    data = (
        "\ufeff# my feeds\n"
        "https://a.example.com/rss\n"
        "\n"
        "   https://b.example.com/feed.xml   # trailing comment\n"
        "  # indented comment\n"
        "ftp://c.example.com/feed\n"
        "not a url\n"
        "https://a.example.com/rss?utm_source=x\n"
    ).encode()
    result = parse_feed_list(data)
    assert [s.url for s in result.sources] == [
        "https://a.example.com/rss",
        "https://b.example.com/feed.xml",
    ]
    assert result.sources[0] == FeedSource("https://a.example.com/rss", None, None, None, None)
    assert result.rejected == (
        ("line 6: ftp://c.example.com/feed", "unsupported_scheme"),
        ("line 7: not", "bad_url"),
    )


def test_empty_inputs() -> None:
    assert parse_feed_list(b"") == FeedListResult((), ())
    assert parse_feed_list(b"# nothing\n\n") == FeedListResult((), ())


def test_entity_expansion_opml_is_safe() -> None:
    lol = b"".join(b'<!ENTITY l%d "%s">\n' % (i, (b"&l%d;" % (i - 1)) * 10) for i in range(1, 10))
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE opml [\n<!ENTITY l0 "lol">\n'
        + lol
        + b'<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        b'<opml version="2.0"><body>'
        b'<outline text="&l9;" title="&xxe;" xmlUrl="https://safe.example.com/rss"/>'
        b"</body></opml>"
    )
    start = time.monotonic()
    result = parse_feed_list(data)
    assert time.monotonic() - start < 2
    assert [s.url for s in result.sources] == ["https://safe.example.com/rss"]
    title = result.sources[0].title or ""
    assert "lollol" not in title and "root:" not in title and len(title) <= 1000


def test_not_opml_xml_reports_document() -> None:
    result = parse_feed_list(b"<?xml version='1.0'?><opml><body><outline")
    assert result.sources == ()


def test_default_feeds_file_is_package_data() -> None:
    assert (
        DEFAULT_FEEDS
        == Path(__file__).parents[1] / "plugins" / "presswatch" / "data" / "default_feeds.opml"
    )
