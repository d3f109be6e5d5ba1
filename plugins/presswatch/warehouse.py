"""The DuckDB warehouse: connections, numbered migrations, the single-writer lock, SQL files.

Every SQL statement lives in ``sql/`` and is read through :func:`sql`; parameters are always
bound. Only one process may write a DuckDB file at a time, so every write goes through
:func:`writer` which holds an OS file lock beside the database for its whole duration; a second
writer waits (up to ``wait_s``) or gets :class:`WarehouseBusy` with a message saying what to do.

With ``PRESSWATCH_WAREHOUSE=ducklake:...`` the same functions open a DuckLake warehouse instead
(:mod:`presswatch.lake`): no writer lock (writers commit concurrently and are retried on commit
conflicts), and :func:`sql` prefers ``sql/lake/<name>`` where the lake needs another statement.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from presswatch.settings import Settings, project_root

if TYPE_CHECKING:
    import duckdb

T = TypeVar("T")


class WarehouseError(RuntimeError):
    """A problem with the warehouse file the user can act on (the message says how)."""


class WarehouseBusy(WarehouseError):
    pass


def sql_dir() -> Path:
    override = os.environ.get("PRESSWATCH_SQL_DIR")
    return Path(override) if override else project_root() / "sql"


@functools.lru_cache(maxsize=256)
def _read_sql(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=256)
def _lake_variant(directory: str, name: str) -> str | None:
    path = Path(directory) / "lake" / name
    return str(path) if path.exists() else None


def sql(name: str) -> str:
    """The text of ``sql/<name>`` (e.g. ``sql('load/upsert_feeds.sql')``); while a DuckLake
    connection is open in this context, ``sql/lake/<name>`` when it exists."""
    from presswatch import lake

    if lake.ACTIVE.get():
        variant = _lake_variant(str(sql_dir()), name)
        if variant:
            return _read_sql(variant)
    return _read_sql(str(sql_dir() / name))


def retry_conflicts(con: Any, fn: Callable[[], T]) -> T:
    """Run ``fn`` (a unit of work that begins and commits its own transaction on ``con``); on a
    DuckLake connection run it again when its commit lost a race with another writer. On the
    DuckDB file (one writer) it simply runs once."""
    from presswatch import lake

    if isinstance(con, lake.LakeConnection):
        return lake.retry(fn)
    return fn()


def fts_extension_path() -> str:
    """The FTS extension shipped in the ``duckdb-extension-fts`` wheel (no download at run time)."""
    import duckdb
    import duckdb_extension_fts

    base = Path(duckdb_extension_fts.__file__).parent / "extensions"
    wanted = base / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if wanted.exists():
        return str(wanted)
    found = sorted(base.glob("*/fts.duckdb_extension"))
    if not found:
        raise WarehouseError(
            "the DuckDB FTS extension is missing: reinstall with `pip install -e .` "
            "(duckdb-extension-fts must match the duckdb version)"
        )
    return str(found[-1])


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"LOAD '{fts_extension_path()}'")  # path from our own package, not user input


WRITER_ROW_GROUP_SIZE = 10240  # rows; measured best for 5 KB texts on 2 cores (bench/ingest.py)
# DuckDB's memory limit unless PRESSWATCH_DUCKDB_MEMORY_LIMIT says otherwise. The writer's is
# small: what it keeps under the limit is mostly blocks it already read (texts), and a cycle's
# load, stories and tagging ran as fast at 128 MB as at 256 MB, 100-130 MB smaller at 50,000
# articles (docs/benchmarks.md). Readers (queries, digests) keep room for their sorts and joins.
WRITER_MEMORY_LIMIT = "128MB"
READER_MEMORY_LIMIT = "256MB"


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    import duckdb

    config: dict[str, Any] = {
        "threads": os.cpu_count() or 1,
        "memory_limit": os.environ.get("PRESSWATCH_DUCKDB_MEMORY_LIMIT") or (
            READER_MEMORY_LIMIT if read_only else WRITER_MEMORY_LIMIT),
        "preserve_insertion_order": False,
    }
    try:
        if read_only:
            return duckdb.connect(str(path), read_only=True, config=config)
        # The writer attaches the file with small row groups: a bulk insert then writes full row
        # groups straight into the database file while it runs (DuckDB's optimistic writes), so
        # COMMIT only records metadata instead of pushing every text through the WAL and a
        # checkpoint again (docs/decisions.md, "Load"). The option is not stored in the file; it
        # applies to this connection only. The path is quoted, since ATTACH takes no parameters.
        # An in-memory main database spills to "./.tmp" under fixed file names, so two such
        # processes started in one directory overwrite each other's spill files (measured: both
        # crash in DuckDB). Each writer spills to a directory of its own in the system's temp
        # directory (not beside the warehouse: a full warehouse disk must not also stop the
        # next cycle from spilling).
        config["temp_directory"] = private_spill_directory()
        con = duckdb.connect(":memory:", config=config)
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS presswatch (ROW_GROUP_SIZE {WRITER_ROW_GROUP_SIZE})")
        con.execute("USE presswatch")
        return con
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise WarehouseBusy(
                f"{path} is in use by another presswatch process (only one may write). "
                "Wait for it to finish, or query the published snapshot instead."
            ) from exc
        raise WarehouseError(f"cannot open {path}: {msg}") from exc


@contextlib.contextmanager
def _file_lock(lock_path: Path, wait_s: float) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = _lock_holder(lock_path)
                    raise WarehouseBusy(
                        f"another presswatch cycle is writing {lock_path.with_suffix('')}"
                        f"{holder}; it was not started twice. Wait for it to finish "
                        "(or pass --wait SECONDS)."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _lock_holder(lock_path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(lock_path.read_text().strip())
        return f" (pid {pid})"
    return ""


def _check_writable(settings: Settings) -> None:
    directory = settings.warehouse.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(
            f"cannot create the warehouse directory {directory}: {exc.strerror}. "
            "Set PRESSWATCH_WAREHOUSE to a writable path."
        ) from exc
    if not os.access(directory, os.W_OK):
        raise WarehouseError(
            f"the warehouse directory {directory} is not writable. "
            "Fix its permissions or set PRESSWATCH_WAREHOUSE to a writable path."
        )


@contextlib.contextmanager
def writer(settings: Settings, wait_s: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writing connection, migrated, under the writer lock. (On DuckLake: a migrated
    connection and no lock; concurrent writers are retried on commit conflicts.)"""
    if _is_lake(settings):
        with _lake_session(settings) as con:
            yield con
        return
    _check_writable(settings)
    with _file_lock(Path(str(settings.warehouse) + ".lock"), wait_s):
        con = _open(settings.warehouse, read_only=False)
        try:
            migrate(con)
            yield con
        finally:
            con.close()


@contextlib.contextmanager
def writer_lock(settings: Settings, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the writer lock without a connection (a whole CLI cycle holds it)."""
    _check_writable(settings)
    with _file_lock(Path(str(settings.warehouse) + ".lock"), wait_s):
        yield


@contextlib.contextmanager
def reader(settings: Settings, path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection (to the warehouse or a published snapshot)."""
    if path is None and _is_lake(settings):
        with _lake_session(settings, read_only=True) as con:
            yield con
        return
    target = path or settings.warehouse
    if not target.exists():
        raise WarehouseError(
            f"no warehouse at {target} yet: run `presswatch run` (or `make demo`) first"
        )
    con = _open(target, read_only=True)
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def connect_unlocked(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated read-write connection for code that already holds :func:`writer_lock`."""
    if _is_lake(settings):
        with _lake_session(settings) as lake_con:
            yield lake_con
        return
    con = _open(settings.warehouse, read_only=False)
    try:
        migrate(con)
        yield con
    finally:
        con.close()


def _is_lake(settings: Settings) -> bool:
    return bool(getattr(settings, "lake", None))


def _lake_session(settings: Settings, read_only: bool = False) -> Any:
    from presswatch import lake

    return lake.session(settings, read_only=read_only)


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted((sql_dir() / "migrations").glob("[0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:3]), path.stem, path))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending numbered migrations (each in its own transaction), then re-create views."""
    from presswatch import lake

    if isinstance(con, lake.LakeConnection):
        from presswatch.lake_schema import migrate as migrate_lake

        return migrate_lake(con)
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    pending = [m for m in migrations() if m[0] not in done]
    applied = []
    for i, (version, name, path) in enumerate(pending):
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name]
            )
            if i == len(pending) - 1:
                # in the last migration's transaction: a crash (kill -9) between the commit and
                # the views would otherwise leave a migrated warehouse without views for good
                refresh_views(con)
            con.execute("COMMIT")
        except BaseException:
            rollback_quietly(con)
            raise
        applied.append(name)
    if not pending:  # keep views current (a release may change a view without a migration)
        con.execute("BEGIN TRANSACTION")
        try:
            refresh_views(con)
            con.execute("COMMIT")
        except BaseException:
            rollback_quietly(con)
            raise
    return applied


def refresh_views(con: duckdb.DuckDBPyConnection) -> None:
    from presswatch import lake

    if isinstance(con, lake.LakeConnection):
        from presswatch.lake_schema import refresh_views as refresh_lake_views

        lake.retry(lambda: refresh_lake_views(con, force=True), what="views")
        return
    for path in sorted((sql_dir() / "views").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0) if row else 0


def table_counts(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, Any]:
    allowed = {"feeds", "feed_entries", "articles", "article_urls", "fetch_events", "runs",
               "article_revisions", "raw_pages", "stories", "topic_matches", "topics"}
    out = {}
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    for t in tables:
        if t in allowed and t in existing:  # identifiers from a fixed list, never user input
            row = con.execute(f"SELECT count(*) FROM {t}").fetchone()  # noqa: S608
            out[t] = row[0] if row else 0
    return out


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK after an error; a failed COMMIT has rolled back already, and its error (not
    "no transaction is active") is the one the caller must see."""
    with contextlib.suppress(Exception):
        con.execute("ROLLBACK")


def private_spill_directory() -> str:
    """A spill directory of its own for an in-memory DuckDB connection (DuckDB creates it when it
    first spills and removes it on close): the default, "./.tmp" with fixed file names, is
    shared by every such process started in the same directory."""
    import tempfile
    import uuid

    return str(Path(tempfile.gettempdir()) / f"presswatch-duckdb-{os.getpid()}-{uuid.uuid4().hex[:12]}")
