# presswatch on Airflow 3.3: the official Airflow image plus this project, installed from
# pyproject.toml (not _PIP_ADDITIONAL_REQUIREMENTS). Build: docker compose build
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}
ARG AIRFLOW_VERSION

USER airflow
WORKDIR /opt/presswatch
COPY --chown=airflow:root pyproject.toml ./
COPY --chown=airflow:root plugins/presswatch ./plugins/presswatch
COPY --chown=airflow:root sql ./sql
# the pinned apache-airflow keeps pip from moving Airflow; our pins (duckdb, trafilatura,
# feedparser) come from pyproject.toml. Editable, so PRESSWATCH finds sql/ next to the package.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -e ".[airflow]" \
 && pip check
ENV PRESSWATCH_SQL_DIR=/opt/presswatch/sql \
    PRESSWATCH_WAREHOUSE=/opt/presswatch/warehouse/presswatch.duckdb
