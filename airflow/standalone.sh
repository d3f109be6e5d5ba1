#!/usr/bin/env bash
# `make airflow`: Airflow 3 standalone on 127.0.0.1 with the project's DAGs and plugin.
#   SQLite metadata in ./airflow_home, LocalExecutor, the one-slot `duckdb` pool, the admin
#   password printed. PRESSWATCH_DEMO=1 (default) also serves the bundled sample site on
#   127.0.0.1:${PRESSWATCH_DEMO_PORT:-8765} and registers its feeds in warehouse/demo.duckdb, so a
#   triggered presswatch_ingest run works offline. PRESSWATCH_DEMO=0: your own feeds and
#   warehouse (PRESSWATCH_* variables as for the CLI).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BIN:-$ROOT/.venv/bin}"
export PATH="$BIN:$PATH"

export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/airflow_home}"
PORT="${AIRFLOW_PORT:-8080}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__EXECUTOR=LocalExecutor
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"   # ~130 MB per worker
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$PORT"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=30
mkdir -p "$AIRFLOW_HOME"
# one secret for every component (tokens signed by the api-server must verify in the workers)
[ -s "$AIRFLOW_HOME/jwt_secret" ] || python -c "import secrets; print(secrets.token_urlsafe(48))" > "$AIRFLOW_HOME/jwt_secret"
export AIRFLOW__API_AUTH__JWT_SECRET="$(cat "$AIRFLOW_HOME/jwt_secret")"
export AIRFLOW__API__SECRET_KEY="$AIRFLOW__API_AUTH__JWT_SECRET"

if [ "${PRESSWATCH_DEMO:-1}" = "1" ]; then
  export PRESSWATCH_WAREHOUSE="${PRESSWATCH_WAREHOUSE:-$ROOT/warehouse/demo.duckdb}"
  export PRESSWATCH_ALLOW_NETWORKS="${PRESSWATCH_ALLOW_NETWORKS:-127.0.0.1/32}"
  export PRESSWATCH_HOST_DELAY_S="${PRESSWATCH_HOST_DELAY_S:-0}"
fi

airflow db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1 || { tail -30 "$AIRFLOW_HOME/db-migrate.log"; exit 1; }
airflow pools set duckdb 1 "presswatch: the one DuckDB writer" > /dev/null

DEMO_PID=""
cleanup() { [ -n "$DEMO_PID" ] && kill "$DEMO_PID" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if [ "${PRESSWATCH_DEMO:-1}" = "1" ]; then
  python "$ROOT/airflow/demo_feeds.py" --port "${PRESSWATCH_DEMO_PORT:-8765}" &
  DEMO_PID=$!
fi

PASSWORD_FILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
cat <<MSG

  Airflow UI:  http://127.0.0.1:$PORT   (user: admin, password: in $PASSWORD_FILE,
               also printed below the first time)
  Trigger:     Dags -> presswatch_ingest -> Trigger (or: AIRFLOW_HOME=$AIRFLOW_HOME airflow dags trigger presswatch_ingest)
  Watch:       the DAG's grid; then Browse -> Presswatch (feed health, articles, stories, topics)
  Warehouse:   ${PRESSWATCH_WAREHOUSE:-$ROOT/warehouse/presswatch.duckdb}
  Analysts:    duckdb -readonly $(dirname "${PRESSWATCH_WAREHOUSE:-$ROOT/warehouse/presswatch.duckdb}")/published/presswatch.duckdb

MSG
if [ -s "$PASSWORD_FILE" ]; then
  echo "  admin password: $(python -c "import json,sys; print(json.load(open(sys.argv[1])).get('admin',''))" "$PASSWORD_FILE")"
  echo
fi
airflow standalone
