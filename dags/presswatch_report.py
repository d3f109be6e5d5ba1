"""presswatch_report: after every ingest run that changed the warehouse, refresh the derived
views, publish the read-only snapshot analysts query while the next load runs:

    duckdb -readonly warehouse/published/presswatch.duckdb

then write the daily digest from that snapshot (HTML + Markdown of the latest day with data
and of the day before, into PRESSWATCH_REPORT_DIR) and send spike alerts. Alert e-mail goes
through the Airflow SMTP provider when an Airflow connection ``smtp_default`` exists, else
through presswatch's own smtplib sender when PRESSWATCH_SMTP_HOST is set; the webhook when
PRESSWATCH_WEBHOOK_URL is set. alert_history keeps a repeated run from sending twice.

Wiring only: each task calls one function of presswatch.airflow_tasks (docs/airflow.md,
docs/digest.md).
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

    @task(pool="duckdb")  # reads the published snapshot; the pool keeps DuckDB work serial
    def digest(published: dict) -> dict:
        from presswatch.airflow_tasks import write_digests
        return write_digests()

    @task(pool="duckdb")  # writes alert_history in the warehouse
    def alert(published: dict) -> dict:
        from presswatch.airflow_tasks import send_alerts
        return send_alerts()

    published = publish(refresh())
    digest(published)
    alert(published)


presswatch_report()
