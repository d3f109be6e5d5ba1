import dataclasses
import os
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest
from presswatch import extract as extract_module
from presswatch.extract import (
    Extraction,
    ExtractJob,
    clean_text,
    count_words,
    date_from_url,
    extract_article,
    extract_many,
    looks_lost,
    page_prose_estimate,
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


def _spy_runs(monkeypatch, fake_fast_precision: str | None = None) -> list[dict]:
    """Record every trafilatura pass; optionally make the fast precision pass 'lose' the text."""
    calls: list[dict] = []
    real_run = extract_module._run

    def run(tree, url, **options):
        calls.append(options)
        if fake_fast_precision is not None and options == {"favor_precision": True, "fast": True}:
            return fake_fast_precision
        return real_run(tree, url, **options)

    monkeypatch.setattr(extract_module, "_run", run)
    return calls


def test_one_fast_precision_pass_on_a_normal_page(monkeypatch):
    calls = _spy_runs(monkeypatch)
    result = extract_article(load("news_article.html"), "https://ledger.example/news/x")
    assert calls == [{"favor_precision": True, "fast": True}]
    assert "voted nine to two" in result.text and result.method == "trafilatura"


def test_lost_precision_text_gets_the_full_and_balanced_passes(monkeypatch):
    lost = "Share this story on social media before you go, it only takes a moment."
    calls = _spy_runs(monkeypatch, fake_fast_precision=lost)
    result = extract_article(load("news_article.html"), "https://ledger.example/news/x")
    assert calls == [
        {"favor_precision": True, "fast": True},
        {"favor_precision": True},
        {"fast": True},
    ]
    assert "voted nine to two" in result.text and "symbolic price" in result.text
    assert result.method == "trafilatura" and result.reason is None


def test_looks_lost_against_page_prose():
    sentence = "The council voted on Thursday to turn the old rail yard into a public park. "
    article = (sentence * 12).strip()
    assert looks_lost("", 5000, 250)
    assert looks_lost("Too short to be an article.", 0, 250)
    assert not looks_lost(article, len(article) + 400, 250)  # page = article + some asides
    assert looks_lost(article, 4 * len(article) + 400, 250)  # most of the page's prose missing
    # menus and link lists are not prose: a long but sentence-free text is lost too
    menu = "\n".join(f"Section {i}" for i in range(100))
    assert looks_lost(menu, 2000, 250)


def test_page_prose_estimate_counts_sentences_not_code_or_menus():
    from lxml import html as lxml_html

    sentence = "The council voted on Thursday to turn the old rail yard into a park with gardens."
    assert len(sentence) >= 80
    page = lxml_html.document_fromstring(
        "<html><head><script>var x = '" + "a" * 500 + "';</script>"
        "<style>body{}" + " " * 200 + "p{margin:0}" * 20 + "</style></head><body>"
        "<nav><a href='/'>Home</a><a href='/news'>News</a></nav>"
        f"<p>{sentence} <a href='/x'>link</a> {sentence}</p>"
        f"<div>{sentence}<br>{sentence}</div></body></html>"
    )
    # four sentence-long text nodes (the <p> as a whole is shorter than its two text nodes)
    assert page_prose_estimate(page) == 4 * len(sentence)
    assert page_prose_estimate(lxml_html.document_fromstring("<p>Home</p>")) == 0


def test_count_words_latin_and_cjk():
    assert count_words("") == 0
    assert count_words("The park opens in May, 2025.") == 6
    assert count_words("東京都は公園 opens today") == 6 + 2
