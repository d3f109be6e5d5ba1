"""The DuckLake warehouse backend: the same schema, loads, stories, topics and views as the DuckDB
file, with the catalog in PostgreSQL and the data as Parquet files in a directory or object store,
so that several processes (Celery workers) can write at once.

``PRESSWATCH_WAREHOUSE=ducklake:postgres:dbname=presswatch host=... user=...`` selects it;
``PRESSWATCH_LAKE_DATA_PATH`` says where the Parquet files go. :mod:`presswatch.warehouse`
dispatches here, so callers keep using ``warehouse.writer(settings)``/``reader(settings)``.

How it differs from the DuckDB file (docs/scaling.md):

- DuckLake has no PRIMARY KEY, UNIQUE or index. The tables come from the file's own migrations
  with their constraints stripped (``lake_schema.without_constraints``) and every keyed insert is a MERGE on the natural key
  over a deduplicated batch (``sql/lake/load/``); :func:`presswatch.warehouse.sql` returns
  ``sql/lake/<name>`` instead of ``sql/<name>`` where one exists while a lake connection is open.
- Writers do not lock each other out. DuckLake commits optimistically and reports a conflict
  when one transaction deletes from a table another one inserted into, but never for two
  inserts, so two loads could otherwise both insert the same new article. Every writing
  transaction therefore also updates the one-row ``lake_state`` table (the commit token, taken
  by :class:`LakeConnection` just before COMMIT): of two overlapping writers the later one
  fails at commit and is retried whole by :func:`retry` (bounded, exponential backoff with
  jitter) against the new snapshot, where its MERGEs see the other's rows.
- The connection's default database is the in-memory one, the lake is on the search path: the
  loader's temporary views of staged files stay local instead of becoming catalog entries.

The schema side (migrations, the bookkeeping tables, views) is :mod:`presswatch.lake_schema`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from presswatch.settings import Settings

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("presswatch.lake")

ALIAS = "presswatch"  # the lake's name in the connection (tables are presswatch.main.<table>)
RETRY_ATTEMPTS = 12
RETRY_BASE_S = 0.05
RETRY_CAP_S = 8.0
CONFLICT_MARKERS = (
    "Transaction conflict",  # a logical conflict DuckLake does not resolve itself
    "Exceeded the maximum retry count",  # DuckLake's own snapshot-id retries ran out
    "duplicate key value violates unique constraint",  # two first-ever ATTACHes bootstrapping
)
_WRITES = {"INSERT", "UPDATE", "DELETE", "MERGE_INTO"}
_DDL = {"CREATE", "DROP", "ALTER"}

T = TypeVar("T")

# True while a lake connection is open in this context: presswatch.warehouse.sql() then prefers
# sql/lake/<name>. (Threads start with their own context; each opens its own connection.)
ACTIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("presswatch_lake", default=False)

_stats_lock = threading.Lock()
STATS = {"conflicts": 0, "commits": 0}


def _count(key: str) -> None:
    with _stats_lock:
        STATS[key] += 1


def enabled(settings: Settings) -> bool:
    return bool(getattr(settings, "lake", None))


def data_path(settings: Settings) -> str:
    """Where the Parquet files live: PRESSWATCH_LAKE_DATA_PATH, else <warehouse dir>/lake/."""
    path = settings.lake_data_path or str(settings.warehouse.parent / "lake")
    return path if path.endswith("/") else path + "/"


def describe(settings: Settings) -> str:
    """The catalog without credentials, for messages and logs."""
    parts = [p for p in (settings.lake or "").split() if not p.lower().startswith("password")]
    return " ".join(parts)


# -- extensions (from PyPI wheels: nothing is downloaded at run time) ----------------------

def _wheel_extension(module: str, name: str, package: str) -> str:
    import importlib

    import duckdb

    from presswatch.warehouse import WarehouseError

    try:
        mod = importlib.import_module(module)
    except ImportError:
        raise WarehouseError(
            f"the DuckDB {name} extension is missing: install presswatch with the `lake` extra "
            f"(pip install -e '.[lake]', which brings {package}=={duckdb.__version__})") from None
    base = Path(mod.__file__ or "").parent / "extensions"
    wanted = base / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if wanted.exists():
        return str(wanted)
    found = sorted(base.glob(f"*/{name}.duckdb_extension"))
    if not found:
        raise WarehouseError(f"{package} has no {name}.duckdb_extension for DuckDB "
                             f"{duckdb.__version__}: install {package}=={duckdb.__version__}")
    return str(found[-1])


def extension_paths(settings: Settings) -> list[str]:
    paths = [_wheel_extension("duckdb_extension_postgres_scanner", "postgres_scanner",
                              "duckdb-extension-postgres-scanner"),
             _wheel_extension("duckdb_extension_ducklake", "ducklake",
                              "duckdb-extension-ducklake")]
    if "://" in data_path(settings):  # s3://, gs://, https://... need httpfs
        paths.append(_wheel_extension("duckdb_extension_httpfs", "httpfs",
                                      "duckdb-extension-httpfs"))
    return paths


# -- retries -------------------------------------------------------------------------------

def is_conflict(exc: BaseException) -> bool:
    """A commit that lost a race with another writer (worth retrying), not a real error."""
    import duckdb

    return isinstance(exc, duckdb.Error) and any(m in str(exc) for m in CONFLICT_MARKERS)


def retry(fn: Callable[[], T], *, attempts: int = RETRY_ATTEMPTS, base_s: float = RETRY_BASE_S,
          cap_s: float = RETRY_CAP_S, what: str = "transaction") -> T:
    """Run ``fn`` (a whole unit of work: it must begin and commit its own transaction) again
    after a commit conflict, up to ``attempts`` times. The wait grows as base·2^k but is at
    least about as long as the lost attempt took (capped, with jitter): the winner is then
    likely to have committed its next unit too, instead of every loser racing it again at once
    and all but one of them losing again."""
    for attempt in range(1, attempts + 1):
        t0 = time.monotonic()
        try:
            return fn()
        except Exception as exc:
            if not is_conflict(exc) or attempt == attempts:
                raise
            _count("conflicts")
            took = time.monotonic() - t0
            wait = min(cap_s, max(base_s * 2 ** attempt, took)) * random.uniform(0.5, 1.5)  # noqa: S311 - jitter
            log.info("%s lost a commit race (attempt %d of %d), retrying in %.2fs: %s", what,
                     attempt, attempts, wait, str(exc).splitlines()[-1][:160])
            time.sleep(wait)
    raise AssertionError("unreachable")


# -- the connection ------------------------------------------------------------------------

def _statement_types(con: Any, query: str) -> set[str]:
    try:
        return {s.type.name for s in con.extract_statements(query)}
    except Exception:  # let execute() report the syntax error itself
        return set()


class LakeConnection:
    """A DuckDB connection to the lake that takes the commit token in writing transactions.

    Everything is passed through to the DuckDB connection, except that ``execute`` watches
    transaction statements: a COMMIT of a transaction that wrote something first updates
    ``lake_state`` (sql/lake/commit_token.sql), and a write outside an explicit transaction
    runs in one of its own with the token, retried on conflict (one statement is safe to
    repeat as it is). Explicit transactions are retried by the caller (:func:`retry`)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, read_only: bool = False) -> None:
        self._con = con
        self.read_only = read_only
        self._in_txn = False
        self._dirty = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        return self._con

    def execute(self, query: str, parameters: Any = None) -> Any:
        if self.read_only or not isinstance(query, str):
            return self._con.execute(query, parameters)
        kinds = _statement_types(self._con, query)
        if "TRANSACTION" in kinds and len(kinds) == 1:
            return self._transaction(query, parameters)
        if kinds & (_WRITES | _DDL):
            if self._in_txn:
                self._dirty = True
            elif kinds & _WRITES:
                return retry(lambda: self._autocommit_write(query, parameters), what="write")
        return self._con.execute(query, parameters)

    def _transaction(self, query: str, parameters: Any) -> Any:
        word = query.strip().split(None, 1)[0].upper().rstrip(";")
        if word in ("BEGIN", "START"):
            result = self._con.execute(query, parameters)
            self._in_txn, self._dirty = True, False
            return result
        if word in ("COMMIT", "END") and self._in_txn:
            try:
                if self._dirty:
                    self._take_token()
                result = self._con.execute(query, parameters)
                if self._dirty:
                    _count("commits")
                return result
            finally:
                self._in_txn = self._dirty = False
        self._in_txn = self._dirty = False  # ROLLBACK / ABORT
        return self._con.execute(query, parameters)

    def _take_token(self) -> None:
        from presswatch.warehouse import sql

        self._con.execute(sql("lake/commit_token.sql"))

    def _autocommit_write(self, query: str, parameters: Any) -> Any:
        self._con.execute("BEGIN TRANSACTION")
        try:
            self._con.execute(query, parameters)
            # keep what the statement returned (e.g. a count) across the token and the commit
            rows, description = self._con.fetchall(), self._con.description
            self._take_token()
            self._con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                self._con.execute("ROLLBACK")
            raise
        _count("commits")
        return _Result(rows, description)

    def read_parquet(self, paths: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return self._con.read_parquet(paths, *args, **kwargs)
        return _ParquetFiles(self._con, paths)

    def close(self) -> None:
        self._con.close()


class _ParquetFiles:
    """``read_parquet(paths)`` whose ``create_view`` makes a TEMP view: the loader exposes staged
    files as views, which on the lake would otherwise be catalog entries (one commit each, and a
    conflict between two loaders creating the same name)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, paths: Any) -> None:
        self._con = con
        self._paths = [paths] if isinstance(paths, (str, Path)) else list(paths)

    def create_view(self, name: str, replace: bool = True) -> None:
        if not name.isidentifier():
            raise ValueError(f"bad view name {name!r}")
        files = ", ".join(_quote(str(p)) for p in self._paths)  # our staging paths, quoted
        verb = "CREATE OR REPLACE" if replace else "CREATE"
        self._con.execute(f"{verb} TEMP VIEW {name} AS SELECT * FROM read_parquet([{files}])")  # noqa: S608

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con.read_parquet(self._paths), name)


class _Result:
    """The rows of a statement run by :meth:`LakeConnection._autocommit_write`, with the
    cursor methods callers use on what ``execute`` returns."""

    def __init__(self, rows: list[tuple[Any, ...]], description: Any) -> None:
        self._rows, self.description = rows, description

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _object_store_secret(con: Any, env: Any) -> None:
    """S3-compatible data paths: a DuckDB secret from the usual AWS_* variables (AWS_ENDPOINT_URL
    for MinIO and other S3-compatible stores). Without AWS_ACCESS_KEY_ID nothing is created."""
    from urllib.parse import urlsplit

    if not env.get("AWS_ACCESS_KEY_ID"):
        return
    options = {"KEY_ID": env["AWS_ACCESS_KEY_ID"], "SECRET": env.get("AWS_SECRET_ACCESS_KEY", ""),
               "REGION": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"}
    endpoint = env.get("AWS_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else "https://" + endpoint)
        options.update({"ENDPOINT": parts.netloc, "URL_STYLE": "path"})
        use_ssl = "true" if parts.scheme == "https" else "false"
    body = ", ".join(f"{k} {_quote(v)}" for k, v in options.items())  # values quoted
    if endpoint:
        body += f", USE_SSL {use_ssl}"
    con.execute(f"CREATE OR REPLACE TEMPORARY SECRET presswatch_lake_s3 (TYPE s3, {body})")


def connect(settings: Settings, *, read_only: bool = False) -> LakeConnection:
    """Attach the lake (creating its catalog on first use) and return a connection to it."""
    import os

    import duckdb

    from presswatch.warehouse import WarehouseError

    if not enabled(settings):
        raise WarehouseError("no DuckLake catalog configured (PRESSWATCH_WAREHOUSE=ducklake:...)")
    config: dict[str, Any] = {"threads": os.cpu_count() or 1,
              "memory_limit": os.environ.get("PRESSWATCH_DUCKDB_MEMORY_LIMIT", "512MB"),
              "preserve_insertion_order": False, "autoload_known_extensions": False,
              "autoinstall_known_extensions": False}
    from presswatch.warehouse import private_spill_directory

    config["temp_directory"] = private_spill_directory()
    con = duckdb.connect(":memory:", config=config)
    path = data_path(settings)
    try:
        for ext in extension_paths(settings):
            con.execute(f"LOAD {_quote(ext)}")  # paths of our own installed packages
        if "://" not in path:
            Path(path).mkdir(parents=True, exist_ok=True)
        else:
            _object_store_secret(con, os.environ)
        options = f"DATA_PATH {_quote(path)}" + (", READ_ONLY" if read_only else "")
        # ATTACH takes no parameters: the catalog string and the path are quoted literals
        stmt = f"ATTACH {_quote(settings.lake or '')} AS {ALIAS} ({options})"
        retry(lambda: con.execute(stmt), what="attach")
        con.execute(f"SET search_path = 'memory.main,{ALIAS}.main'")
    except WarehouseError:
        con.close()
        raise
    except (duckdb.Error, OSError) as exc:
        con.close()
        detail = str(exc).replace(settings.lake or "\0", describe(settings)).splitlines()
        raise WarehouseError(
            f"cannot open the DuckLake warehouse {describe(settings)} (data in {path}): "
            f"{' '.join(detail)[:400]}. Check that PostgreSQL is reachable and the database "
            "exists, and that PRESSWATCH_LAKE_DATA_PATH is writable.") from exc
    return LakeConnection(con, read_only=read_only)


@contextlib.contextmanager
def session(settings: Settings, *, read_only: bool = False,
            migrated: bool = True) -> Iterator[LakeConnection]:
    """A lake connection, migrated (unless read-only or ``migrated=False``), for a with-block;
    presswatch.warehouse.sql() returns the lake's SQL variants inside it."""
    token = ACTIVE.set(True)
    try:
        con = connect(settings, read_only=read_only)
        try:
            if migrated and not read_only:
                from presswatch.lake_schema import migrate

                migrate(con)
            yield con
        finally:
            con.close()
    finally:
        ACTIVE.reset(token)
