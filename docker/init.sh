#!/usr/bin/env bash
# airflow-init: migrate the metadata database, create the one-slot `duckdb` pool, create the
# warehouse directory. Idempotent: compose runs it before every start.
set -euo pipefail
airflow db migrate
airflow pools set duckdb 1 "presswatch: the one DuckDB writer"
mkdir -p "$(dirname "${PRESSWATCH_WAREHOUSE}")"
python -c "from presswatch import warehouse; from presswatch.settings import load_settings; \
import contextlib; s = load_settings(); \
cm = warehouse.writer(s, wait_s=60); con = cm.__enter__(); cm.__exit__(None, None, None); \
print('warehouse ready:', s.warehouse)"
echo "presswatch: metadata migrated, pool 'duckdb' (1 slot) ready"
