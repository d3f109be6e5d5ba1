"""presswatch_ingest: poll due feeds, fetch and extract pages in shards, load, stories, topics.

Wiring only: every task imports presswatch lazily and calls one function of
presswatch.airflow_tasks (docs/airflow.md). XCom carries ids, counts and paths.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import Asset, Param, dag, task, task_group
from airflow.sdk.definitions.retry_policy import ExceptionRetryPolicy, RetryAction, RetryRule

WAREHOUSE = Asset(name="presswatch_warehouse", uri="presswatch://warehouse/", extra={"published": "warehouse/published/presswatch.duckdb"})

DEFAULT_ARGS = {
    "owner": "presswatch",
    # retries are for systemic trouble (warehouse busy, disk, worker lost); dead feeds are data
    "retries": int(os.environ.get("PRESSWATCH_DAG_RETRIES", "3")),
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
    "retry_policy": ExceptionRetryPolicy(rules=[RetryRule(
        exception=["builtins.ValueError", "builtins.TypeError", "builtins.KeyError",
                   "builtins.ImportError", "presswatch.quality.QualityError"],
        action=RetryAction.FAIL, reason="a bug, bad settings or bad data: a retry will not help")]),
}


@dag(
    dag_id="presswatch_ingest",
    schedule=os.environ.get("PRESSWATCH_INGEST_SCHEDULE", "@daily"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["presswatch", "ingest"],
    params={"all_feeds": Param(False, type="boolean", description="Poll every feed, due or not"),
            "shards": Param(int(os.environ.get("PRESSWATCH_SHARDS", "4")), type="integer",
                            minimum=1, maximum=256, description="fetch/extract shards")},
    doc_md=__doc__,
)
def presswatch_ingest():
    @task(pool="duckdb")
    def plan(params=None) -> dict:
        from presswatch.airflow_tasks import plan_run
        return plan_run(all_feeds=bool(params["all_feeds"]))

    @task
    def poll(planned: dict) -> dict:
        from presswatch.airflow_tasks import poll_planned
        return poll_planned(planned["run_dir"])

    @task(pool="duckdb")
    def select(planned: dict, polled: dict, params=None) -> list[int]:
        from presswatch.airflow_tasks import select_shards
        return select_shards(planned["run_dir"], int(params["shards"]))

    @task_group
    def shard(run_dir: str, shard: int):
        @task
        def fetch(run_dir: str, shard: int) -> dict:
            from presswatch.airflow_tasks import fetch_shard
            return fetch_shard(run_dir, shard)

        @task
        def extract(run_dir: str, fetched: dict) -> dict:
            from presswatch.airflow_tasks import extract_shard
            return extract_shard(run_dir, fetched["shard"])

        return extract(run_dir, fetch(run_dir, shard))

    @task(pool="duckdb", trigger_rule="none_failed")
    def load(planned: dict, extracted: list | None = None) -> dict:
        from presswatch.airflow_tasks import load_staged
        return load_staged(planned["run_dir"])

    @task(pool="duckdb")
    def post_load(loaded: dict) -> dict:
        from presswatch.airflow_tasks import run_post_load
        return run_post_load(loaded["run_id"])

    @task(pool="duckdb")
    def quality(loaded: dict, extras: dict) -> dict:
        from presswatch.airflow_tasks import check_quality
        return check_quality(loaded["run_id"])

    @task(outlets=[WAREHOUSE])
    def announce(loaded: dict, extras: dict) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException
        if not loaded["changed"]:
            raise AirflowSkipException("warehouse unchanged: no asset event")
        return {"run_id": loaded["run_id"], "articles_new": loaded["articles_new"]}

    planned = plan()
    shards = select(planned, poll(planned))
    extracted = shard.partial(run_dir=planned["run_dir"]).expand(shard=shards)
    loaded = load(planned, extracted)
    extras = post_load(loaded)
    quality(loaded, extras)
    announce(loaded, extras)


presswatch_ingest()
