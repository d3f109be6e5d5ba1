"""DAG integrity: every DAG imports cleanly, in a fresh interpreter that proves no heavy module
(duckdb, trafilatura, feedparser, pyarrow) is imported at parse time; tags, retries, pools and
schedules as documented in docs/airflow.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("duckdb", "trafilatura", "feedparser", "pyarrow")

PARSE = r"""
import json, sys, time
t0 = time.monotonic()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
out = {"errors": {k: str(v) for k, v in bag.import_errors.items()},
       "heavy": sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules),
       "seconds": round(time.monotonic() - t0, 2), "dags": {}}
for dag_id, dag in bag.dags.items():
    tasks = {}
    for t in dag.tasks:
        tasks[t.task_id] = {"pool": t.pool, "retries": t.retries,
                            "backoff": float(t.retry_exponential_backoff or 0),
                            "policy": type(t.retry_policy).__name__ if getattr(t, "retry_policy", None) else None,
                            "outlets": [getattr(o, "uri", str(o)) for o in t.outlets],
                            "mapped": type(t).__name__ == "MappedOperator" or bool(t.get_closest_mapped_task_group())}
    out["dags"][dag_id] = {
        "tags": sorted(dag.tags), "catchup": dag.catchup, "max_active_runs": dag.max_active_runs,
        "schedule": dag.schedule if isinstance(dag.schedule, str) else None,
        "assets": [a.uri for a in dag.schedule] if isinstance(dag.schedule, list) else [],
        "params": sorted(dag.params.keys()), "tasks": tasks,
    }
print("RESULT " + json.dumps(out, default=str))
"""


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    pytest.importorskip("airflow", reason="Airflow is not installed (pip install -e '.[airflow]')")
    home = tmp_path_factory.mktemp("airflow_parse")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PRESSWATCH_"))}
    env.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
               AIRFLOW__CORE__PLUGINS_FOLDER=str(REPO / "plugins"),
               )
    proc = subprocess.run([sys.executable, "-c", PARSE, str(REPO / "dags"), json.dumps(HEAVY)],
                          env=env, capture_output=True, text=True, timeout=180)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(lines[-1][len("RESULT "):])


def test_dags_import_without_errors_or_heavy_modules(parsed: dict) -> None:
    assert parsed["errors"] == {}
    assert set(parsed["dags"]) == {"presswatch_ingest", "presswatch_report", "presswatch_maintenance"}
    assert parsed["heavy"] == [], f"imported at parse time: {parsed['heavy']}"


def test_every_dag_is_tagged_not_catching_up_and_single_run(parsed: dict) -> None:
    for dag_id, d in parsed["dags"].items():
        assert "presswatch" in d["tags"], dag_id
        assert d["catchup"] is False and d["max_active_runs"] == 1, dag_id
        for task_id, t in d["tasks"].items():
            assert t["retries"] >= 1 and t["backoff"] >= 2.0, (dag_id, task_id)


def test_ingest_shape(parsed: dict) -> None:
    d = parsed["dags"]["presswatch_ingest"]
    assert d["schedule"] == "@daily"
    assert d["params"] == ["all_feeds", "shards"]
    tasks = d["tasks"]
    assert set(tasks) == {"plan", "poll", "select", "shard.fetch", "shard.extract", "load",
                          "post_load", "quality", "announce"}
    # every task that opens DuckDB is in the one-slot pool; network/CPU stages are not
    for name in ("plan", "select", "load", "post_load", "quality"):
        assert tasks[name]["pool"] == "duckdb", name
    for name in ("poll", "shard.fetch", "shard.extract", "announce"):
        assert tasks[name]["pool"] == "default_pool", name
    assert tasks["shard.fetch"]["mapped"] and tasks["shard.extract"]["mapped"]
    assert not tasks["load"]["mapped"]
    assert tasks["announce"]["outlets"] == ["presswatch://warehouse/"]
    assert all(t["policy"] == "ExceptionRetryPolicy" for t in tasks.values())


def test_report_runs_on_the_asset_and_maintenance_weekly(parsed: dict) -> None:
    report = parsed["dags"]["presswatch_report"]
    assert report["assets"] == ["presswatch://warehouse/"]
    assert {t["pool"] for t in report["tasks"].values()} == {"duckdb"}
    maint = parsed["dags"]["presswatch_maintenance"]
    assert maint["schedule"] == "@weekly"
    assert list(maint["tasks"]) == ["prune_raw_html", "reextract_failed", "checkpoint",
                                    "export_parquet"]
    assert {t["pool"] for t in maint["tasks"].values()} == {"duckdb"}


def test_schedule_comes_from_the_environment(tmp_path: Path) -> None:
    pytest.importorskip("airflow")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PRESSWATCH_"))}
    env.update(AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               PRESSWATCH_INGEST_SCHEDULE="0 */6 * * *",
               PRESSWATCH_DAG_RETRIES="0")
    code = ("import sys; from airflow.dag_processing.dagbag import DagBag; "
            "d = DagBag(dag_folder=sys.argv[1]).dags['presswatch_ingest']; "
            "print('RESULT', d.schedule, d.tasks[0].retries)")
    proc = subprocess.run([sys.executable, "-c", code, str(REPO / "dags")], env=env,
                          capture_output=True, text=True, timeout=180)
    assert "RESULT 0 */6 * * * 0" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
