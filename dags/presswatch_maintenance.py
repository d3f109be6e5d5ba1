"""presswatch_maintenance: weekly upkeep of the warehouse.

Prune raw HTML older than PRESSWATCH_RAW_HTML_RETENTION_DAYS, re-extract pages whose text came
out empty, checkpoint, then publish a snapshot and export it as Parquet
(warehouse/published/parquet/<table>.parquet). Wiring only (docs/airflow.md).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import dag, task


@dag(
    dag_id="presswatch_maintenance",
    schedule=os.environ.get("PRESSWATCH_MAINTENANCE_SCHEDULE", "@weekly"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "presswatch",
        "retries": int(os.environ.get("PRESSWATCH_DAG_RETRIES", "3")),
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(hours=1),
    },
    tags=["presswatch", "maintenance"],
    doc_md=__doc__,
)
def presswatch_maintenance():
    @task(pool="duckdb")
    def prune_raw_html() -> dict:
        from presswatch.airflow_tasks import prune_raw_html
        return prune_raw_html()

    @task(pool="duckdb")
    def reextract_failed() -> dict:
        from presswatch.airflow_tasks import reextract_failed
        return reextract_failed()

    @task(pool="duckdb")
    def checkpoint() -> dict:
        from presswatch.airflow_tasks import checkpoint
        return checkpoint()

    @task(pool="duckdb")
    def export_parquet() -> dict:
        from presswatch.airflow_tasks import export_parquet
        return export_parquet()

    prune_raw_html() >> reextract_failed() >> checkpoint() >> export_parquet()


presswatch_maintenance()
