"""presswatch_report: after every ingest run that changed the warehouse, refresh the derived
views and publish the read-only snapshot analysts query while the next load runs:

    duckdb -readonly warehouse/published/presswatch.duckdb

Wiring only: each task calls one function of presswatch.airflow_tasks (docs/airflow.md).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, task

WAREHOUSE = Asset(name="presswatch_warehouse", uri="presswatch://warehouse/", extra={"published": "warehouse/published/presswatch.duckdb"})


@dag(
    dag_id="presswatch_report",
    schedule=[WAREHOUSE],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "presswatch",
        "retries": int(os.environ.get("PRESSWATCH_DAG_RETRIES", "3")),
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=15),
    },
    tags=["presswatch", "report"],
    doc_md=__doc__,
)
def presswatch_report():
    @task(pool="duckdb")
    def refresh() -> dict:
        from presswatch.airflow_tasks import refresh_derived
        return refresh_derived()

    @task(pool="duckdb")
    def publish(refreshed: dict) -> dict:
        from presswatch.airflow_tasks import publish_snapshot
        return publish_snapshot()

    publish(refresh())


presswatch_report()
