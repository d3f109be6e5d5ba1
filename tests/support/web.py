"""A fixture news web covering every ingest behaviour, served by a FixtureServer."""

from __future__ import annotations

from dataclasses import dataclass, field

from .news import LOREM, article_page, atom, rss

SJIS_TEXT = [
    "東京電力は二十日、福島第一原子力発電所にたまる処理水の三回目の海洋放出を始めた。今回は約七千八百トンを十七日間かけて放出する計画だ。",
    "処理水は多核種除去設備で浄化した後、海水で薄めて放出される。放出口付近で採取した海水のトリチウム濃度は国の基準を大きく下回っている。",
    "国際原子力機関は現地に職員を常駐させ、独自に分析を続けている。地元の漁業関係者は風評被害への懸念を強めている。",
]


def paras(seed: str) -> list[str]:
    return [f"{seed}: {p}" for p in LOREM]


@dataclass
class FixtureWeb:
    feeds: dict[str, str] = field(default_factory=dict)  # name -> feed URL
    pages: dict[str, str] = field(default_factory=dict)  # name -> canonical page URL


def build(server, canary) -> FixtureWeb:  # noqa: ANN001 - test helper
    web = FixtureWeb()
    u = server.url
    date = "Fri, 20 Nov 2026 08:00:00 GMT"

    # article pages
    for name in ("a2", "a3", "a4", "a5", "p1", "p2", "p3", "flaky1", "moved1"):
        path = f"/news/{name}.html"
        server.route(path, body=article_page(f"Story {name}", paras(name), canonical=path))
        web.pages[name] = u(path)
    # WordPress-style permalink with an AMP twin at .../amp/ (normalised away before fetching)
    server.route("/news/a1/", body=article_page("Story a1", paras("a1"), canonical="/news/a1/"))
    server.route("/news/a1/amp/", body=article_page("Story a1", paras("a1"), canonical="/news/a1/"))
    web.pages["a1"] = u("/news/a1/")
    # an AMP copy under another path: only its canonical link says it is a5
    server.route("/amp/news/a5.html", body=article_page("Story a5", paras("a5"), canonical="/news/a5.html"))
    # Shift_JIS page, charset only in <meta http-equiv>
    sjis = article_page("処理水の放出始まる", SJIS_TEXT, canonical="/ja/shorisui.html", lang="ja",
                        charset_meta="Shift_JIS", site="日本日報").encode("shift_jis")
    server.route("/ja/shorisui.html", body=sjis, content_type="text/html")
    web.pages["sjis"] = u("/ja/shorisui.html")
    # a PDF served as an article
    server.route("/files/report.pdf", body=b"%PDF-1.4\n%fake pdf\n" + b"0" * 2000,
                 content_type="application/pdf")
    # an article that 404s
    # (/news/gone.html is not routed)

    # 1. conditional-GET feed with tracking-parameter variants
    web.feeds["conditional"] = server.conditional("/feeds/conditional.xml", rss([
        {"title": "Story a1", "link": u("/news/a1/?utm_source=rss&utm_medium=feed"), "date": date},
        {"title": "Story a5", "link": u("/news/a5.html"), "date": date},
        {"title": "Story a2", "link": u("/news/a2.html#comments"), "date": date},
        {"title": "A PDF", "link": u("/files/report.pdf"), "date": date},
        {"title": "Gone", "link": u("/news/gone.html"), "date": date},
        {"title": "Canary", "link": canary.url("/steal"), "date": date},
        {"title": "JS link", "link": "javascript:alert(1)", "guid": "js-1", "date": date},
    ]), content_type="application/rss+xml")
    # 2. the same article reached through its AMP variant, in another feed
    web.feeds["amp"] = server.route("/feeds/amp.xml", body=rss([
        {"title": "Story a1 (AMP)", "link": u("/news/a1/amp/"), "date": date},
        {"title": "Story a5 (AMP)", "link": u("/amp/news/a5.html?amp=1"), "date": date},
        {"title": "Story a3", "link": u("/news/a3.html"), "date": date},
        {"title": "Japanese", "link": u("/ja/shorisui.html"), "date": date},
    ]), content_type="application/rss+xml")
    # 3. flaky feed: 500 once, then OK
    web.feeds["flaky"] = server.flaky("/feeds/flaky.xml", rss([
        {"title": "Flaky story", "link": u("/news/flaky1.html"), "date": date}]),
        failures=1, fail_status=500, content_type="application/rss+xml")
    # 4. feed moved permanently
    server.route("/feeds/new-home.xml", body=rss([
        {"title": "Moved story", "link": u("/news/moved1.html"), "date": date}]),
        content_type="application/rss+xml")
    web.feeds["moved"] = server.redirect("/feeds/old-home.xml", "/feeds/new-home.xml", 301)
    # 5. dead feed (404)
    web.feeds["missing"] = server.url("/feeds/missing.xml")
    # 6. slow drip
    web.feeds["drip"] = server.drip("/feeds/drip.xml", interval_s=0.2)
    # 7. huge body and gzip bomb
    web.feeds["huge"] = server.endless("/feeds/huge.xml", content_type="application/rss+xml")
    web.feeds["bomb"] = server.gzip_bomb("/feeds/bomb.xml", size=1 << 28,
                                         content_type="application/rss+xml")
    # 8. redirect loop
    server.redirect("/feeds/loop-a.xml", "/feeds/loop-b.xml", 302)
    web.feeds["loop"] = server.redirect("/feeds/loop-b.xml", "/feeds/loop-a.xml", 302)
    # 9. atom paging with relative links (rel=next)
    web.feeds["atom"] = server.route("/feeds/atom/page1.xml", body=atom(
        [{"id": "urn:p1", "title": "Paged 1", "href": "../../news/p1.html"},
         {"id": "urn:p2", "title": "Paged 2", "href": "../../news/p2.html"}],
        base=u("/feeds/atom/"), next_href="page2.xml"), content_type="application/atom+xml")
    server.route("/feeds/atom/page2.xml", body=atom(
        [{"id": "urn:p3", "title": "Paged 3", "href": "../../news/p3.html"}],
        base=u("/feeds/atom/")), content_type="application/atom+xml")
    # 10. malformed feed whose items still parse
    malformed = rss([{"title": "Story a4", "link": u("/news/a4.html"), "date": date}]).replace(
        b"</channel></rss>", b"<item><title>broken & unescaped</title></channel>")
    web.feeds["malformed"] = server.route("/feeds/malformed.xml", body=malformed,
                                          content_type="application/rss+xml")
    # 11. an HTML page served as a feed
    web.feeds["html"] = server.route("/feeds/not-a-feed.xml",
                                     body=article_page("Just a page", paras("html")))
    # 12. a feed that redirects to the canary
    web.feeds["to_canary"] = server.redirect("/feeds/to-canary.xml", canary.url("/feed.xml"), 302)
    return web
