"""The end-to-end benchmark's synthetic web and scorer (bench/synthetic.py, bench/e2e_score.py):
the ground truth must be right, or every figure in docs/benchmarks.md is wrong."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from e2e_score import score  # noqa: E402
from synthetic import NewsWeb, WebServer  # noqa: E402

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _web(n: int = 400) -> NewsWeb:
    web = NewsWeb(n)
    web.ports = list(range(30000, 30000 + web.outlets))
    return web


def test_layout_and_truth() -> None:
    web = _web(2000)
    assert sum(web.sizes) == 2000 and all(20 <= s <= 100 for s in web.sizes)
    truth = web.truth()
    assert truth["pages_syndicated"] == 100 and truth["pages_fail"] == 40
    assert truth["documents"] == 2000 - 100 - 40 - truth["pages_oversized"]
    for p in web.pages:
        if p.kind == "syndicated":
            original = web.pages[p.doc]
            assert original.outlet != p.outlet and original.kind in ("ok", "slow")
            assert web.body(p) == web.body(original) and web.title(p.doc) in web.html(p).decode()
        assert 2900 <= sum(len(x) + 1 for x in web.body(p)) <= 8000


def test_every_feed_spelling_maps_back_to_its_page() -> None:
    web = _web()
    for o in range(web.outlets):
        for kind in ("rss", "atom"):
            for page, link in web.feed_items(o, kind):
                assert web.page_of_url(web.base(o) + link) == page
    assert web.page_of_url("http://127.0.0.1:1/a/1.html") is None
    assert web.page_of_url("http://example.com/a/1.html") is None


def test_score_counts_variants_and_syndicated_copies() -> None:
    web = _web()
    ok = [p for p in web.pages if p.kind == "ok"]
    syn = next(p for p in web.pages if p.kind == "syndicated")
    original = web.pages[syn.doc]
    good = "\n".join(web.body(original))
    rows = [(f"{web.base(p.outlet)}/a/{p.index}.html", "\n".join(web.body(p)), None) for p in ok]
    rows.append((f"{web.base(ok[0].outlet)}/a/{ok[0].index}.html?utm_source=rss", rows[0][1], None))
    rows.append((f"{web.base(syn.outlet)}/r/{syn.index}", good + "\n" + web.comments(syn)[0], None))
    s = score(web, rows, sample=10_000)
    assert s["dup_variants"] == 1
    assert s["dup_syndicated"] == (1 if original.kind == "ok" else 0)
    assert s["stored"] == len(rows) and s["unmatched"] == 0 and s["bad_pages"] == 0
    assert s["text_ok"] == pytest.approx((len(rows) - 1) / len(rows), abs=1e-3)  # the comment


def test_server_feeds_pages_redirects_and_conditional_get() -> None:
    with WebServer(60, latency_s=0.0) as server:
        web = server.web
        rss = OPENER.open(web.feed_urls()[0], timeout=10)
        assert b"<rss" in rss.read() and rss.headers["ETag"]
        req = urllib.request.Request(web.feed_urls()[0],
                                     headers={"If-None-Match": rss.headers["ETag"]})
        with pytest.raises(urllib.error.HTTPError) as err:
            OPENER.open(req, timeout=10)
        assert err.value.code == 304
        page = next(p for p in web.pages if p.kind == "ok")
        resp = OPENER.open(f"{web.base(page.outlet)}/r/{page.index}", timeout=10)
        assert resp.geturl().endswith(f"/a/{page.index}.html")
        assert web.body(page)[0].encode() in resp.read()
        failing = next(p for p in web.pages if p.kind == "fail")
        with pytest.raises(urllib.error.HTTPError):
            OPENER.open(f"{web.base(failing.outlet)}/a/{failing.index}.html", timeout=10)
        stats = server.stats()
        assert stats["by_kind"]["feed"] == 1 and stats["by_kind"]["feed_304"] == 1
        assert stats["by_kind"]["redirect"] == 1 and stats["bytes"] > 5000
