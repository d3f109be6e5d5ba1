"""A whole presswatch_ingest run through ``dag.test()`` against the sample site on 127.0.0.1,
then presswatch_report (snapshot), then a second ingest run proving idempotency.

Airflow runs in subprocesses with their own AIRFLOW_HOME (migrated once per session by the
``airflow_env`` fixture, which tests/test_airflow_ui.py reuses). Retries are 0
(PRESSWATCH_DAG_RETRIES=0): ``dag.test()`` would otherwise sleep through real retry delays.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "presswatch-test"  # noqa: S105 - a throwaway test login on 127.0.0.1

pytestmark = pytest.mark.slow

RUN_DAG = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
assert not bag.import_errors, bag.import_errors
from airflow.models.taskinstance import TaskInstance
from airflow.utils.session import create_session
results = []
for dag_id, conf in json.loads(sys.argv[2]):  # one process: the in-process API starts once
    dag = bag.dags[dag_id]
    run = dag.test(run_conf=conf)
    with create_session() as session:
        tis = session.query(TaskInstance).filter(TaskInstance.dag_id == dag.dag_id,
                                                 TaskInstance.run_id == run.run_id).all()
        states = {f"{ti.task_id}[{ti.map_index}]" if ti.map_index >= 0 else ti.task_id:
                  str(ti.state) for ti in tis}
    results.append({"dag_id": dag_id, "state": str(run.state), "run_id": run.run_id,
                    "tasks": states})
print("RESULT " + json.dumps(results))
"""


def _airflow_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIRFLOW", "PRESSWATCH_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API_AUTH__JWT_SECRET": "presswatch-test-jwt-secret-not-for-production",
        "AIRFLOW__API__SECRET_KEY": "presswatch-test-secret-key",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRESSWATCH_WAREHOUSE": str(home / "warehouse" / "presswatch.duckdb"),
        "PRESSWATCH_ALLOW_NETWORKS": "127.0.0.1/32",
        "PRESSWATCH_HOST_DELAY_S": "0",
        "PRESSWATCH_FETCH_TIMEOUT_S": "5",
        "PRESSWATCH_EXTRACT_WORKERS": "2",
        "PRESSWATCH_DAG_RETRIES": "0",
        "PRESSWATCH_SHARDS": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated AIRFLOW_HOME (SQLite) with the duckdb pool, shared by the Airflow tests.

    Imported by test_airflow_ui.py too; the marker file makes the second instantiation reuse
    the first one's home instead of migrating again.
    """
    pytest.importorskip("airflow", reason="Airflow is not installed (pip install -e '.[airflow]')")
    home = tmp_path_factory.getbasetemp() / "airflow_home"
    env = _airflow_env(home)
    ready = home / ".presswatch-ready"
    if not ready.exists():
        home.mkdir(parents=True, exist_ok=True)
        (home / "simple_auth_manager_passwords.json.generated").write_text(
            json.dumps({"admin": ADMIN_PASSWORD}), encoding="utf-8")
        t0 = time.monotonic()
        for cmd in (["airflow", "db", "migrate"],
                    ["airflow", "pools", "set", "duckdb", "1", "the one DuckDB writer"]):
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        ready.write_text(f"migrated in {time.monotonic() - t0:.1f}s\n", encoding="utf-8")
    yield env


def run_dags(env: dict[str, str], runs: list[tuple[str, dict]]) -> list[dict]:
    """``dag.test()`` each (dag_id, conf) in turn, in one Airflow subprocess."""
    proc = subprocess.run(
        [sys.executable, "-c", RUN_DAG, str(REPO / "dags"), json.dumps(runs)],
        env=env, capture_output=True, text=True, timeout=400)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-6000:] + proc.stderr[-6000:]
    return json.loads(lines[-1][len("RESULT "):])


def add_demo_feeds(env: dict[str, str], feed_urls: list[str]) -> None:
    from presswatch import warehouse
    from presswatch.opml import FeedSource
    from presswatch.settings import load_settings
    from presswatch.sources import add_feeds

    settings = load_settings(env=env)
    with warehouse.writer(settings, wait_s=30) as con:
        add_feeds(con, [FeedSource(url=u, title=None, site_url=None, category="demo",
                                   language=None) for u in feed_urls])


def query(env: dict[str, str], sql: str, path: str | None = None) -> list[tuple]:
    import duckdb

    con = duckdb.connect(path or env["PRESSWATCH_WAREHOUSE"], read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def ingested(airflow_env: dict[str, str]) -> dict:
    """Ingest + report once against the demo site (also used by the browser test; the cached
    result file keeps a second instantiation of this fixture from running the DAGs again)."""
    from presswatch.demo import DemoSite

    cached = Path(airflow_env["AIRFLOW_HOME"]) / ".presswatch-ingested.json"
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))

    with DemoSite() as site:
        add_demo_feeds(airflow_env, site.feed_urls())
        t0 = time.monotonic()
        first, report, second = run_dags(airflow_env, [
            ("presswatch_ingest", {"all_feeds": True}), ("presswatch_report", {}),
            ("presswatch_ingest", {"all_feeds": True})])
        print(f"three dag.test() runs in {time.monotonic() - t0:.1f}s")
    result = {"first": first, "report": report, "second": second}
    cached.write_text(json.dumps(result), encoding="utf-8")
    return result


def test_ingest_run_loads_and_is_idempotent(airflow_env: dict[str, str], ingested: dict) -> None:
    first, report, second = ingested["first"], ingested["report"], ingested["second"]
    assert first["state"] == "success", first
    assert {first["tasks"][t] for t in ("plan", "poll", "select", "load", "post_load", "quality",
                                        "announce")} == {"success"}, first["tasks"]
    mapped = [k for k in first["tasks"] if k.startswith("shard.fetch[")]
    assert mapped, first["tasks"]  # fetch ran as mapped tasks
    assert report["state"] == "success", report

    runs = query(airflow_env, "SELECT trigger, feeds_polled, articles_new FROM runs ORDER BY loaded_at")
    assert len(runs) == 2 and {r[0] for r in runs} == {"airflow"}
    feeds = query(airflow_env, "SELECT count(*) FROM feeds")[0][0]
    assert runs[0][1] == feeds > 0
    articles = query(airflow_env, "SELECT count(*), count(DISTINCT url), "
                                  "count(*) FILTER (WHERE length(text) > 200) FROM articles")[0]
    assert articles[0] >= 5 and articles[0] == articles[1] == articles[2]
    assert runs[0][2] == articles[0]

    # second run: the same site again -> nothing new, nothing duplicated
    assert second["state"] == "success", second
    assert runs[1][2] == 0
    assert second["tasks"]["quality"] == "success"
    assert query(airflow_env, "SELECT count(*) FROM articles")[0][0] == articles[0]
    assert query(airflow_env, "SELECT count(*) FROM feed_entries")[0][0] == query(
        airflow_env, "SELECT count(DISTINCT (feed_id, guid)) FROM feed_entries")[0][0]

    # staged files are gone; the published snapshot has the first run's articles
    staging = Path(airflow_env["PRESSWATCH_WAREHOUSE"]).parent / "staging-airflow"
    assert not staging.exists() or not any(staging.iterdir())
    snap = Path(airflow_env["PRESSWATCH_WAREHOUSE"]).parent / "published" / "presswatch.duckdb"
    assert query(airflow_env, "SELECT count(*) FROM articles", str(snap))[0][0] == articles[0]
    assert not os.access(snap, os.W_OK) or os.geteuid() == 0


def test_second_ingest_leaves_the_data_identical(airflow_env: dict[str, str], ingested: dict) -> None:
    """The report's snapshot holds the state after the first run; after the second ingest the
    data tables must be row-for-row the same (compared both ways with EXCEPT)."""
    import duckdb

    snap = Path(airflow_env["PRESSWATCH_WAREHOUSE"]).parent / "published" / "presswatch.duckdb"
    assert snap.exists()
    con = duckdb.connect(airflow_env["PRESSWATCH_WAREHOUSE"], read_only=True)
    try:
        quoted = str(snap).replace("'", "''")  # ATTACH takes no bound parameter; our own path
        con.execute(f"ATTACH '{quoted}' AS snap (READ_ONLY)")
        for table in ("articles", "article_urls", "feed_entries", "story_links", "topic_matches"):
            for a, b in ((table, f"snap.{table}"), (f"snap.{table}", table)):
                diff = con.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT FROM {b})").fetchone()[0]  # noqa: S608
                assert diff == 0, (table, a, b, diff)
    finally:
        con.close()
