"""The presswatch page in the Airflow UI: a small read-only FastAPI app over the published
snapshot (``warehouse/published/presswatch.duckdb``), never the live warehouse file."""
