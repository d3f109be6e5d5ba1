"""Builders for realistic fixture news pages and feeds (used by pipeline tests)."""

from __future__ import annotations

import html

LOREM = [
    "The city council approved the new harbour budget on Tuesday after a debate that lasted "
    "more than six hours, with members split over the cost of dredging the northern channel.",
    "Officials said the plan would allow larger container ships to dock by 2028, creating "
    "hundreds of jobs in logistics and repair, although environmental groups warned about "
    "the effect on the estuary's seagrass meadows.",
    "The mayor called the vote a turning point for the port, which has lost traffic to rival "
    "terminals in recent years. Opponents said they would challenge the decision in court.",
    "Construction is expected to begin next spring, subject to a final review by the regional "
    "environment agency, which must publish its assessment within ninety days.",
]


def article_page(title: str, paragraphs: list[str] | None = None, *, canonical: str | None = None,
                 published: str | None = "2026-11-20T08:00:00Z", lang: str = "en",
                 charset_meta: str | None = "utf-8", site: str = "Fixture Gazette") -> str:
    paras = paragraphs or LOREM
    e = html.escape
    meta = ""
    if charset_meta == "utf-8":
        meta = '<meta charset="utf-8">'
    elif charset_meta:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
    canon = f'<link rel="canonical" href="{e(canonical)}">' if canonical else ""
    date = (f'<meta property="article:published_time" content="{published}">' if published else "")
    body = "".join(f"<p>{e(p)}</p>" for p in paras)
    return f"""<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{e(title)} - {e(site)}</title>
{canon}{date}<meta property="og:site_name" content="{e(site)}"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div id="cookie-consent">We use cookies. Accept all cookies to continue.</div>
<article><h1>{e(title)}</h1><p class="byline">By Jane Doe</p>{body}</article>
<aside><h3>Related stories</h3><ul><li><a href="/a">Another story entirely</a></li></ul></aside>
<div id="comments"><h3>Comments</h3><p>Reader comment: what a waste of money this is.</p></div>
<footer>Copyright Fixture Gazette. All rights reserved.</footer></body></html>"""


def rss(items: list[dict[str, str]], *, title: str = "Fixture feed", link: str = "http://127.0.0.1/",
        encoding: str = "utf-8", extra: str = "") -> bytes:
    e = html.escape
    parts = []
    for it in items:
        fields = [f"<title>{e(it['title'])}</title>", f"<link>{e(it['link'])}</link>"]
        if "guid" in it:
            fields.append(f'<guid isPermaLink="false">{e(it["guid"])}</guid>')
        if "date" in it:
            fields.append(f"<pubDate>{it['date']}</pubDate>")
        if "updated" in it:
            fields.append(f"<atom:updated>{it['updated']}</atom:updated>")
        if "content" in it:
            fields.append(f"<content:encoded><![CDATA[{it['content']}]]></content:encoded>")
        parts.append("<item>" + "".join(fields) + "</item>")
    doc = f"""<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>{e(title)}</title><link>{e(link)}</link><description>fixture</description>{extra}
{''.join(parts)}</channel></rss>"""
    return doc.encode(encoding, errors="xmlcharrefreplace")


def atom(entries: list[dict[str, str]], *, base: str, next_href: str | None = None,
         title: str = "Fixture atom") -> bytes:
    e = html.escape
    nxt = f'<link rel="next" href="{e(next_href)}"/>' if next_href else ""
    body = "".join(
        f"<entry><id>{e(x['id'])}</id><title>{e(x['title'])}</title>"
        f"<link rel=\"alternate\" href=\"{e(x['href'])}\"/><updated>{x.get('updated', '2026-11-20T08:00:00Z')}</updated></entry>"
        for x in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            f'xml:base="{e(base)}"><title>{e(title)}</title><id>urn:fixture:{e(title)}</id>'
            f"<updated>2026-11-20T08:00:00Z</updated>{nxt}{body}</feed>").encode()
