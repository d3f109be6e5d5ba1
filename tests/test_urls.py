"""presswatch.urls: normalisation table, domains, sites, entry keys."""

from __future__ import annotations

import pytest
from presswatch.urls import entry_key, normalize_url, same_site, url_domain, url_host

NORMALIZE_CASES = [
    # (input, base, expected)
    ("https://example.com/a", None, "https://example.com/a"),
    ("HTTPS://Example.COM/Path", None, "https://example.com/Path"),
    ("http://example.com:80/a", None, "http://example.com/a"),
    ("https://example.com:443/a", None, "https://example.com/a"),
    ("https://example.com:8443/a", None, "https://example.com:8443/a"),
    ("http://example.com:443/a", None, "http://example.com:443/a"),
    ("https://example.com", None, "https://example.com/"),
    ("https://example.com/a#section", None, "https://example.com/a"),
    ("https://example.com/a?", None, "https://example.com/a"),
    ("https://example.com/a/", None, "https://example.com/a/"),
    ("https://example.com/a?b=2&a=1", None, "https://example.com/a?a=1&b=2"),
    ("https://example.com/a?x=2&x=1", None, "https://example.com/a?x=2&x=1"),
    (
        "https://example.com/a?utm_source=rss&utm_medium=feed&id=5",
        None,
        "https://example.com/a?id=5",
    ),
    ("https://example.com/a?UTM_Campaign=x", None, "https://example.com/a"),
    ("https://example.com/a?fbclid=abc&gclid=1&msclkid=2&dclid=3", None, "https://example.com/a"),
    (
        "https://example.com/a?mc_cid=1&mc_eid=2&igshid=3&_ga=4&yclid=5",
        None,
        "https://example.com/a",
    ),
    ("https://example.com/a?ocid=x&cmpid=y&xtor=RSS-3", None, "https://example.com/a"),
    (
        "https://www.bbc.co.uk/news/x?at_medium=RSS&at_campaign=KARANGA",
        None,
        "https://www.bbc.co.uk/news/x",
    ),
    ("https://www.theguardian.com/x?CMP=share_btn_tw", None, "https://www.theguardian.com/x"),
    ("https://example.com/a?ref=rss", None, "https://example.com/a"),
    ("https://example.com/a?ref=homepage", None, "https://example.com/a?ref=homepage"),
    ("https://example.com/a?ref_src=twsrc", None, "https://example.com/a"),
    ("https://example.com/?feed=rss2", None, "https://example.com/?feed=rss2"),
    ("https://example.com/news/story.amp.html", None, "https://example.com/news/story.html"),
    ("https://example.com/news/story.amp", None, "https://example.com/news/story"),
    ("https://example.com/2024/story/amp/", None, "https://example.com/2024/story/"),
    ("https://example.com/2024/story/amp", None, "https://example.com/2024/story"),
    ("https://example.com/a?amp", None, "https://example.com/a"),
    ("https://example.com/a?amp=1&p=2", None, "https://example.com/a?p=2"),
    ("https://example.com/a?outputType=amp", None, "https://example.com/a"),
    ("https://example.com/a?amp=0", None, "https://example.com/a?amp=0"),
    ("https://amp.example.com/story", None, "https://amp.example.com/story"),
    ("https://example.com/ampersand", None, "https://example.com/ampersand"),
    ("https://example.com/%7euser/%2f%aa", None, "https://example.com/~user/%2F%AA"),
    ("https://example.com/a b/ü", None, "https://example.com/a%20b/%C3%BC"),
    ("https://example.com/100%", None, "https://example.com/100%25"),
    ("https://example.com/a?q=a%2bb+c&r=%26", None, "https://example.com/a?q=a%2Bb+c&r=%26"),
    ("https://example.com/a/../b/./c", None, "https://example.com/b/c"),
    ("https://BÜCHER.example/x", None, "https://xn--bcher-kva.example/x"),
    ("https://example.com./a", None, "https://example.com/a"),
    ("  https://example.com/a \n", None, "https://example.com/a"),
    (
        "/story?id=1#x",
        "https://news.example.com/feed/rss.xml",
        "https://news.example.com/story?id=1",
    ),
    (
        "story.html",
        "https://news.example.com/world/feed.xml",
        "https://news.example.com/world/story.html",
    ),
    ("//cdn.example.com/a", "https://news.example.com/", "https://cdn.example.com/a"),
    ("https://other.example.com/x", "https://news.example.com/", "https://other.example.com/x"),
    ("http://[2001:DB8::1]:8080/a", None, "http://[2001:db8::1]:8080/a"),
    # rejected
    ("javascript:alert(1)", None, None),
    ("JavaScript:alert(1)", "https://example.com/", None),
    ("data:text/html,hi", None, None),
    ("mailto:a@example.com", None, None),
    ("ftp://example.com/file", None, None),
    ("file:///etc/passwd", None, None),
    ("/relative/without/base", None, None),
    ("https://", None, None),
    ("https:///path-only", None, None),
    ("https://user:pw@example.com/", None, None),
    ("https://example.com:99999/", None, None),
    ("https://exa mple.com/", None, None),
    ("https://example.com/" + "a" * 8200, None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("url", "base", "expected"), NORMALIZE_CASES)
def test_normalize_url(url: str, base: str | None, expected: str | None) -> None:
    assert normalize_url(url, base) == expected


@pytest.mark.parametrize(("url", "base", "expected"), [c for c in NORMALIZE_CASES if c[2]])
def test_normalize_url_is_idempotent(url: str, base: str | None, expected: str) -> None:
    assert normalize_url(expected) == expected


def test_case_count() -> None:
    assert len(NORMALIZE_CASES) >= 30


@pytest.mark.parametrize(
    ("url", "host", "domain"),
    [
        ("https://www.bbc.co.uk/news", "bbc.co.uk", "bbc.co.uk"),
        ("https://feeds.bbci.co.uk/news/world/rss.xml", "feeds.bbci.co.uk", "bbci.co.uk"),
        ("https://www3.nhk.or.jp/news/", "www3.nhk.or.jp", "nhk.or.jp"),
        ("https://news.yahoo.co.jp/x", "news.yahoo.co.jp", "yahoo.co.jp"),
        ("https://www.abc.net.au/news", "abc.net.au", "abc.net.au"),
        ("https://WWW.Example.COM:8080/x", "example.com", "example.com"),
        ("https://english.kyodonews.net/", "english.kyodonews.net", "kyodonews.net"),
        ("http://127.0.0.1:8000/x", "127.0.0.1", "127.0.0.1"),
        ("javascript:alert(1)", "", ""),
    ],
)
def test_url_host_and_domain(url: str, host: str, domain: str) -> None:
    assert url_host(url) == host
    assert url_domain(url) == domain


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://www.example.com/a", "https://example.com/b", True),
        ("https://m.example.com/a", "https://www.example.com/b", True),
        ("https://amp.example.com/a", "https://example.com/b", True),
        ("https://news.bbc.co.uk/a", "https://www.bbc.co.uk/b", True),
        ("https://a.example.com/", "https://b.example.com/", True),
        ("https://example.com/", "https://example.org/", False),
        ("https://foo.co.uk/", "https://bar.co.uk/", False),
        ("https://example.com/", "javascript:alert(1)", False),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same


def test_entry_key() -> None:
    assert entry_key("g-1", "https://e.com/a?utm_source=rss") == "https://e.com/a"
    assert entry_key("https://E.com/b#x", None) == "https://e.com/b"
    assert entry_key("tag:e.com,2024:1", None) == "tag:e.com,2024:1"
    assert entry_key(" g-2 ", "javascript:void(0)") == "g-2"
    assert entry_key(None, "javascript:void(0)") == "javascript:void(0)"
    with pytest.raises(ValueError):
        entry_key(None, None)
    with pytest.raises(ValueError):
        entry_key("  ", "")
