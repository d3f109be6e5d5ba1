#!/bin/sh
# Contender 4 (newspaper4k) lives in its own venv: its pins (lxml, requests, feedparser, nltk, ...)
# must not move the project's. Idempotent; `make bench` calls it. Exits 0 even if PyPI is out of
# reach (the benchmark then reports contender 4 as "not installed").
set -u
cd "$(dirname "$0")/../.."
VENV=.venv-contenders
STAMP=$VENV/.installed-newspaper4k
[ -f "$STAMP" ] && exit 0
PY=${PYTHON:-python3}
"$PY" -m venv "$VENV" || { echo "contenders venv: python3 -m venv failed" >&2; exit 0; }
"$VENV/bin/pip" install --quiet --upgrade pip >/dev/null 2>&1
if "$VENV/bin/pip" install --quiet newspaper4k "duckdb==1.5.5"; then
    touch "$STAMP"
else
    echo "contenders venv: newspaper4k could not be installed; contender 4 will be skipped" >&2
fi
exit 0
