"""presswatch: a media monitoring pipeline (feeds -> pages -> text -> DuckDB).

The package does the work; the command line (``presswatch.cli``) and the Airflow
DAGs (``dags/``) are thin wrappers around it. Importing this package is cheap:
heavy modules (duckdb, trafilatura, feedparser) are imported by the modules that
need them, never here.
"""

__version__ = "0.1.0"

# Arrow's default allocator (mimalloc) keeps what a process freed: after a 10,000-article fetch
# and extract, about 150 MB that the load then stacked its own memory on. The system allocator
# gives it back (docs/benchmarks.md). Arrow reads this when it is first loaded, so it is set on
# import (pyarrow is not imported here); a user's own setting wins.
import os as _os

_os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
