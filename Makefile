# presswatch: every target installs what it needs into .venv first (nothing installed by hand).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run demo test test-fast lint bench clean airflow chromium postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,airflow,lake]'
	touch $(STAMP)

install: $(STAMP)

## run: one monitoring cycle against the bundled default sources (real news feeds)
run: install
	$(BIN)/presswatch feeds import plugins/presswatch/data/default_feeds.opml
	$(BIN)/presswatch topics import topics.yml
	$(BIN)/presswatch run --all --wait 60
	$(BIN)/presswatch status

## demo: the same pipeline against the bundled sample site on 127.0.0.1 (no network needed)
demo: install
	$(BIN)/presswatch demo

## airflow: `airflow standalone` on 127.0.0.1:8080 with the project's DAGs and plugin
airflow: install
	./airflow/standalone.sh

## chromium: Debian's Chromium for the browser tests (installed when missing)
chromium:
	@command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
		echo "chromium could not be installed: browser tests will be skipped"

## postgres: Debian's PostgreSQL server for the DuckLake tests (installed when initdb is missing)
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || \
		echo "postgresql could not be installed: the DuckLake tests will be skipped"

## test: the whole suite (slow end-to-end tests included)
test: install chromium postgres
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check plugins tests bench dags airflow
	$(BIN)/mypy

## bench: performance figures (~40 min; `make bench QUICK=1` for a ~10 min smoke run; not part of make test)
bench: install
	$(BIN)/python bench/ingest.py $(if $(QUICK),--quick)
	@if [ -d ../shared/datasets/article-extraction-benchmark ]; then \
		$(BIN)/python bench/extraction.py ../shared/datasets/article-extraction-benchmark; fi
	sh bench/contenders/setup_venv.sh
	$(BIN)/python bench/e2e.py $(if $(QUICK),--quick)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache warehouse/staging
