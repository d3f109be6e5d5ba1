"""presswatch: a media monitoring pipeline (feeds -> pages -> text -> DuckDB).

The package does the work; the command line (``presswatch.cli``) and the Airflow
DAGs (``dags/``) are thin wrappers around it. Importing this package is cheap:
heavy modules (duckdb, trafilatura, feedparser) are imported by the modules that
need them, never here.
"""

__version__ = "0.1.0"
