"""The digest opened in headless Chromium (file://, no server, no network): its SVG charts
render and are visible, nothing is fetched, and no script from article content runs (hostile
titles, outlet names, javascript:/data: links). Screenshots: tests/artifacts/digest.png
(the fixture) and tests/artifacts/digest-demo.png; with UPDATE_SCREENSHOTS=1 the demo digest
is also saved as docs/images/digest.png for the README."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from presswatch import digest, digest_render

try:
    from tests.support.digest_data import DAY, demo_warehouse, fixture_warehouse
except ImportError:
    from support.digest_data import DAY, demo_warehouse, fixture_warehouse

pytestmark = [pytest.mark.browser]

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def _digest_file(path: Path, out: Path) -> Path:
    con = duckdb.connect(str(path), read_only=True)
    try:
        d = digest.gather(con, DAY)
    finally:
        con.close()
    return digest_render.write_digest(d, out).html


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("chromium is not installed (make chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _open(browser, html: Path, width: int = 1000, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    seen = {"requests": [], "dialogs": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_timeout(200)
    return page, seen


def _charts_render(page) -> None:
    charts = page.locator("svg.chart")
    assert charts.count() == 9
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 20, box
    bars = page.locator("svg.attention rect.bar")
    assert bars.count() > 60 and bars.first.is_visible()
    assert page.locator("svg.attention polyline.share").count() >= 1
    assert page.locator("svg.attention rect.incomplete").count() == 6  # 2 days x 3 topics


def test_digest_renders_charts_and_runs_no_script(browser, tmp_path):
    html = _digest_file(fixture_warehouse(tmp_path / "fixture.duckdb"), tmp_path / "out")
    page, seen = _open(browser, html)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "digest.png"), full_page=True)
    _charts_render(page)
    assert page.evaluate("window.__pwned") is None
    assert seen["dialogs"] == [] and seen["errors"] == []
    assert seen["requests"] == [html.as_uri()]  # self-contained: nothing else is fetched
    assert page.locator("script, iframe, object, embed, img").count() == 0
    text = page.inner_text("body")
    assert '<script>window.__pwned=1</script> "Quoted"' in text  # shown as text, not run
    assert '<b onmouseover="window.__pwned=7">Evil</b> Times' in text
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and all(h.startswith(("http://", "https://", "#")) for h in hrefs), hrefs
    # the hostile title is not a link; an ordinary story is
    hostile = page.locator("li", has_text="window.__pwned=1").first
    assert hostile.locator("a").count() == 0
    assert page.get_by_role("link", name="Harbour budget story 1 of 2026-11-20").count() == 1
    page.hover("svg.attention g.day >> nth=29")  # tooltips are SVG <title>s, hovering is inert
    assert page.evaluate("window.__pwned") is None
    page.close()


def test_demo_digest_screenshot(browser, tmp_path):
    html = _digest_file(demo_warehouse(tmp_path / "demo.duckdb"), tmp_path / "out")
    page, seen = _open(browser, html, width=1000, height=1560)
    _charts_render(page)
    assert seen["errors"] == [] and seen["requests"] == [html.as_uri()]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "digest-demo.png"), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(REPO / "docs" / "images" / "digest.png"))
    page.close()
