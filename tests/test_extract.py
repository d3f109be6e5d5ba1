import dataclasses
import os
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest
from presswatch.extract import (
    Extraction,
    ExtractJob,
    clean_text,
    date_from_url,
    extract_article,
    extract_many,
)

PAGES = Path(__file__).parent / "fixtures" / "pages"
FEED_HTML = (
    "<p>The harbour ferry resumed its regular service on Monday morning after the usual winter "
    "maintenance, carrying commuters and tourists between the old town and the island again.</p>"
    "<p>Operators said the vessel had been repainted and fitted with a new engine that uses "
    "considerably less fuel than the old one.</p><script>track()</script>"
    "<p>Tickets are available on board and at the kiosk by the pier.</p>"
)


def load(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.fixture(scope="module")
def news() -> Extraction:
    return extract_article(
        load("news_article.html"), "https://ledger.example/news/riverside-park?x=1"
    )


def test_news_article_body_kept_boilerplate_out(news):
    assert news.reason is None and news.method == "trafilatura"
    assert "voted nine to two" in news.text
    assert "symbolic price" in news.text
    assert "Councillor Ana Ruiz" in news.text
    for junk in (
        "cookie",
        "Accept all",
        "potholes",
        "good news for families",
        "Reader comments",
        "Related stories",
        "harbour renovation",
        "Advertisement",
        "cheap watches",
        "All rights reserved",
    ):
        assert junk not in news.text, junk
    # the headline is the title, not the first line of the body
    assert not news.text.startswith("City council approves")
    assert news.word_count > 80


def test_news_article_metadata(news):
    assert news.title == "City council approves new riverside park"
    assert news.canonical_url == "https://ledger.example/news/2024/riverside-park"
    assert news.authors == ("Maria Jensen",)
    assert news.published_at == datetime(2024, 3, 15, 8, 30, tzinfo=UTC)
    assert news.modified_at == datetime(2024, 3, 16, 11, 0, tzinfo=UTC)
    assert news.date_source == "page"
    assert news.language == "en"
    assert news.source == "The Daily Ledger"
    assert news.description == "The park will replace a disused rail yard."
    assert news.image == "https://ledger.example/img/park.jpg"
    assert news.encoding == "utf-8"
    assert news.extractor.startswith("trafilatura 2.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        news.text = ""  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(news)) == news


def test_shift_jis_page_via_meta_only():
    result = extract_article(load("shift_jis.html"), "https://jp.example/news/1")
    assert result.encoding == "cp932"
    assert "東京都は火曜日、来年度から新しい公園を川沿いに整備すると発表した。" in result.text
    assert result.title == "川沿いに新しい公園"
    assert result.language == "ja"


def test_gb2312_page():
    result = extract_article(load("gb2312.html"), "https://cn.example/news/1")
    assert result.encoding == "gb18030"
    assert "将河边废弃的铁路货场改建为公共公园" in result.text
    assert result.language == "zh"


def test_short_page_falls_back_to_feed_content():
    result = extract_article(
        load("short_page.html"),
        "https://x.example/p",
        feed_content_html=FEED_HTML,
        feed_title="Ferry returns",
    )
    assert result.method == "feed_content"
    assert result.reason is None
    assert "resumed its regular service" in result.text and "track()" not in result.text
    assert result.title == "Subscribe to read"


def test_short_page_without_feed_content_is_empty():
    result = extract_article(load("short_page.html"), "https://x.example/p")
    assert result.reason == "extraction_empty"
    assert len(result.text) < 250


def test_date_from_url_when_page_has_none():
    result = extract_article(load("url_date.html"), "https://x.example/2023/05/17/ferry-returns")
    assert result.published_at == datetime(2023, 5, 17, tzinfo=UTC)
    assert result.date_source == "url"


def test_no_date_anywhere():
    result = extract_article(load("url_date.html"), "https://x.example/news/ferry-returns")
    assert result.published_at is None and result.date_source is None
    assert result.canonical_url is None


def test_future_dates_rejected():
    html = load("news_article.html").replace(b"2024-03-15T09:30:00+01:00", b"2099-01-01T00:00:00Z")
    result = extract_article(html, "https://ledger.example/news/riverside-park")
    assert result.published_at is None or result.published_at.year < 2099


def test_url_dates():
    assert date_from_url("https://a.example/2024/03/05/story") == datetime(2024, 3, 5, tzinfo=UTC)
    assert date_from_url("https://a.example/news/story-2024-03-05.html") == datetime(
        2024, 3, 5, tzinfo=UTC
    )
    assert date_from_url("https://a.example/20240305/story") == datetime(2024, 3, 5, tzinfo=UTC)
    assert date_from_url("https://a.example/2024/02/31/story") is None
    assert date_from_url("https://a.example/story/12345678") is None


def test_clean_text_drops_boilerplate_lines():
    text = (
        "Big headline here\nFirst real paragraph of the story, long enough to matter.\n"
        "Advertisement\nRelated: Another story you will like\nRead more\n"
        "Sign up for our newsletter to get the news in your inbox\nLast paragraph."
    )
    assert clean_text(text, "Big headline here") == (
        "First real paragraph of the story, long enough to matter.\nLast paragraph."
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        os.urandom(20_000),
        b"\x00" * 1000,
        b"<html",
        b"<html><body>" + b"<div>" * 20_000 + b"</body></html>",
        b"%PDF-1.4\n" + os.urandom(5000),
    ],
)
def test_garbage_never_crashes(body):
    result = extract_article(body, "https://x.example/a")
    assert isinstance(result, Extraction)
    assert result.reason == "extraction_empty"


def test_garbage_with_feed_content_uses_feed():
    result = extract_article(b"", "https://x.example/a", feed_content_html=FEED_HTML)
    assert result.method == "feed_content" and result.reason is None


def test_extract_many_same_with_workers():
    jobs = [
        ExtractJob(load("news_article.html"), "https://ledger.example/news/riverside-park"),
        ExtractJob(load("shift_jis.html"), "https://jp.example/news/1"),
        ExtractJob(load("short_page.html"), "https://x.example/p", feed_content_html=FEED_HTML),
        ExtractJob(os.urandom(1000), "https://x.example/garbage"),
        ExtractJob(load("url_date.html"), "https://x.example/2023/05/17/ferry"),
        ExtractJob(load("gb2312.html"), "https://cn.example/news/1"),
    ]
    serial = extract_many(jobs, workers=1)
    parallel = extract_many(jobs, workers=2)
    assert [r.url for r in parallel] == [j.url for j in jobs]
    assert parallel == serial
