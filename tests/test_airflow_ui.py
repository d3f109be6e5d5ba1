"""A real browser against a real Airflow api-server on 127.0.0.1: log in, open the ingest DAG's
grid and the presswatch page, assert what they show, save screenshots in test-artifacts/.

Uses Debian's chromium (/usr/bin/chromium, installed by `make test` when missing) driven by
Playwright; skipped where neither is available. Reuses the migrated AIRFLOW_HOME and the
ingested warehouse of tests/test_dag_run.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

try:  # the module pytest imported (tests/ is on sys.path), so the fixtures are shared
    from test_dag_run import ADMIN_PASSWORD, REPO, airflow_env, ingested, query  # noqa: F401
except ImportError:
    from tests.test_dag_run import ADMIN_PASSWORD, REPO, airflow_env, ingested, query  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = os.environ.get("PRESSWATCH_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_server(airflow_env: dict[str, str], ingested: dict) -> Iterator[str]:  # noqa: F811
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(airflow_env, AIRFLOW__API__BASE_URL=base,
               AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{base}/execution/")
    log = open(Path(airflow_env["AIRFLOW_HOME"]) / "api-server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(["airflow", "api-server", "-H", "127.0.0.1", "-p", str(port),
                             "-w", "1"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=2):  # noqa: S310
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (Path(airflow_env["AIRFLOW_HOME"]) / "api-server.log").read_text()[-3000:]
                    pytest.fail(f"api-server did not come up on {base}:\n{tail}")
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists()
                              else shutil.which("chromium"), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def test_login_grid_and_presswatch_page(api_server: str, browser: object,
                                        airflow_env: dict[str, str]) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    snapshot = str(Path(airflow_env["PRESSWATCH_WAREHOUSE"]).parent / "published"
                   / "presswatch.duckdb")
    articles = query(airflow_env, "SELECT count(*) FROM articles", snapshot)[0][0]
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        # not logged in: the plugin refuses
        resp = page.goto(f"{api_server}/presswatch/")
        assert resp is not None and resp.status == 401
        assert "Log in to Airflow first" in page.content()

        page.goto(f"{api_server}/")
        page.wait_for_url("**/auth/login**")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/auth/login" not in url)

        page.goto(f"{api_server}/dags/presswatch_ingest")  # the DAG page opens on its grid
        page.get_by_text("post_load").first.wait_for()
        page.get_by_text("announce").first.wait_for()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "airflow-grid.png"), full_page=True)
        body = page.inner_text("body")
        assert "presswatch_ingest" in body and "quality" in body and "shard" in body

        # the menu entry opens the presswatch page inside the Airflow UI
        page.goto(f"{api_server}/plugin/presswatch")
        frame = page.frame_locator("iframe").first
        frame.locator("#total-articles").wait_for()
        assert frame.locator("#total-articles").inner_text() == str(articles)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "airflow-presswatch-menu.png"), full_page=True)

        page.goto(f"{api_server}/presswatch/")
        assert page.locator("#total-articles").inner_text() == str(articles)
        assert page.locator("#daily tr").count() >= 2
        assert page.locator("#topics svg").count() == 1
        assert page.locator("#runs tr").count() == 1 + query(
            airflow_env, "SELECT count(*) FROM runs", snapshot)[0][0]
        page.screenshot(path=str(ARTIFACTS / "airflow-presswatch-page.png"), full_page=True)
    finally:
        context.close()
