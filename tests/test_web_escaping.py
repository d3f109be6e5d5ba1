"""Anything presswatch renders as HTML escapes stored text and links only http(s): the presswatch
page, built from a snapshot full of <script>-laden values, opened in headless Chromium."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from presswatch import warehouse
from presswatch.settings import load_settings

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
HOSTILE = [
    '"><script>window.__pwned = 1</script>',
    "<img src=x onerror=\"window.__pwned = 2\">",
    "<svg onload=\"window.__pwned = 3\"></svg>",
    "</title><script>window.__pwned = 4</script>",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hostile_snapshot(tmp_path, monkeypatch):
    from presswatch.snapshot import publish

    monkeypatch.setenv("PRESSWATCH_WAREHOUSE", str(tmp_path / "w.duckdb"))
    settings = load_settings()
    now = datetime.now(UTC)
    with warehouse.writer(settings) as con:
        for i, text in enumerate(HOSTILE):
            con.execute(
                "INSERT INTO feeds (feed_id, url, fetch_url, title, status, last_error, added_at, "
                "failures) VALUES (?, ?, ?, ?, 'failing', ?, ?, 3)",
                [i + 1, f"http://127.0.0.1/{i}/{text}", "javascript:alert(1)", text, text, now])
        con.execute("INSERT INTO feeds (feed_id, url, fetch_url, title, status, added_at) VALUES "
                    "(99, 'javascript:window.__pwned=5', 'javascript:x', 'js', 'dead', ?)", [now])
    publish(settings)
    return settings


def test_page_escapes_everything_and_runs_no_script(hostile_snapshot):
    if not CHROMIUM:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    import uvicorn
    from presswatch.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"http://127.0.0.1:{port}/", wait_until="load")
            page.wait_for_timeout(300)
            (REPO / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(REPO / "test-artifacts" / "web-escaping.png"), full_page=True)
            assert page.evaluate("window.__pwned") is None
            assert dialogs == []
            text = page.inner_text("body")
            assert "<script>window.__pwned = 1</script>" in text  # shown as text, not run
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))]
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
