"""The DuckLake warehouse's schema: the file's numbered migrations without their constraints
(derived, so the two schemas cannot drift), the lake's bookkeeping tables (sql/lake/bootstrap.sql) and the views,
re-created only when their definitions change. Every step is one transaction retried on a
commit conflict, so several processes may start (and migrate) at the same moment."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from presswatch.lake import ALIAS, LakeConnection, retry, session
from presswatch.settings import Settings

log = logging.getLogger("presswatch.lake")


def without_constraints(ddl: str) -> str:
    """A file migration made fit for DuckLake: column ``PRIMARY KEY`` becomes ``NOT NULL``,
    column ``UNIQUE`` goes, table-level ``PRIMARY KEY (...)``/``UNIQUE (...)`` lines go. Uniqueness
    on the lake comes from the MERGE loads (sql/lake/load/) instead."""
    kept: list[str] = []
    for line in ddl.splitlines():
        code = line.split("--", 1)[0]
        if re.match(r"\s*(PRIMARY\s+KEY|UNIQUE)\s*\(", code, re.I):
            if kept and kept[-1].split("--", 1)[0].rstrip().endswith(","):
                prev = kept[-1]
                head, sep, comment = prev.partition("--")
                kept[-1] = head.rstrip()[:-1] + (" " + sep + comment if sep else "")
            continue
        code2 = re.sub(r"\bPRIMARY\s+KEY\b", "NOT NULL", code, flags=re.I)
        code2 = re.sub(r"\bUNIQUE\b", "", code2, flags=re.I)
        code2 = re.sub(r"\bNOT NULL(\s+)NOT NULL\b", r"NOT NULL", code2, flags=re.I)
        kept.append(code2 + line[len(code):] if code2 != code else line)
    return "\n".join(kept) + "\n"


def migration_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.parent.parent.name != "lake":
        text = without_constraints(text)
    return text


def migrations() -> list[tuple[int, str, Path]]:
    """The numbered migrations for the lake: sql/migrations/NNN_*.sql (a hand-written
    sql/lake/migrations/NNN_*.sql would take precedence, should one ever be needed), which
    :func:`migration_text` strips of constraints."""
    from presswatch.warehouse import sql_dir

    found: dict[int, tuple[int, str, Path]] = {}
    for directory in (sql_dir() / "migrations", sql_dir() / "lake" / "migrations"):
        for path in sorted(directory.glob("[0-9][0-9][0-9]_*.sql")):
            found[int(path.name[:3])] = (int(path.name[:3]), path.stem, path)
    return [found[v] for v in sorted(found)]


def view_files() -> list[Path]:
    from presswatch.warehouse import sql_dir

    found = {p.name: p for p in sorted((sql_dir() / "views").glob("*.sql"))}
    found.update({p.name: p for p in sorted((sql_dir() / "lake" / "views").glob("*.sql"))})
    return [found[name] for name in sorted(found)]


def views_digest() -> str:
    h = hashlib.sha256()
    for path in view_files():
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@contextlib.contextmanager
def _in_lake(con: LakeConnection) -> Iterator[None]:
    """Unqualified CREATE statements go to the lake (not the in-memory default database)."""
    con.raw.execute(f"USE {ALIAS}")
    try:
        yield
    finally:
        con.raw.execute("USE memory")
        con.raw.execute(f"SET search_path = 'memory.main,{ALIAS}.main'")


def _script(con: LakeConnection, text: str, params: list[Any] | None = None) -> None:
    con.execute(text, params) if params else con.execute(text)


def _unit(con: LakeConnection, work: Callable[[], None]) -> None:
    """One transaction on the lake (DDL included), committed with the token."""
    with _in_lake(con):
        con.execute("BEGIN TRANSACTION")
        try:
            work()
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):  # a failed COMMIT has rolled back already
                con.execute("ROLLBACK")
            raise


def migrate(con: LakeConnection) -> list[str]:
    """Bring the lake to the current schema and views. Safe with several processes starting at
    once: each step is one transaction, and a step that loses a race is retried (it then finds
    the work done)."""
    from presswatch.warehouse import sql

    def bootstrap() -> None:
        if not con.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = ? AND "
                           "table_name = 'lake_state'", [ALIAS]).fetchone():
            _unit(con, lambda: _script(con, sql("lake/bootstrap.sql")))

    retry(bootstrap, what="bootstrap")
    applied: list[str] = []

    def pending() -> list[tuple[int, str, Path]]:
        done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
        return [m for m in migrations() if m[0] not in done]

    def apply_next() -> None:
        todo = pending()
        if not todo:
            return
        version, name, path = todo[0]

        def work() -> None:
            _script(con, migration_text(path))
            con.execute(sql("lake/migration_done.sql"), [version, name])

        _unit(con, work)
        applied.append(name)

    while pending():
        retry(apply_next, what="migration")
    retry(lambda: refresh_views(con), what="views")
    return applied


def refresh_views(con: LakeConnection, *, force: bool = False) -> bool:
    """Re-create the views when their definitions changed since they were last created (each
    re-creation is a catalog change that would conflict with concurrent writers)."""
    from presswatch.warehouse import sql

    digest = views_digest()
    row = con.execute(sql("lake/views_state.sql")).fetchone()
    if not force and row and row[0] == digest:
        return False

    def work() -> None:
        for path in view_files():
            _script(con, path.read_text(encoding="utf-8"))
        con.execute(sql("lake/views_done.sql"), [digest])

    _unit(con, work)
    return True


def checkpoint(settings: Settings) -> dict[str, Any]:
    """DuckLake upkeep (the lake's counterpart of FORCE CHECKPOINT): flush inlined rows to
    Parquet, expire old snapshots, merge small files, delete files no snapshot needs."""
    with session(settings) as con:
        t0 = time.perf_counter()
        retry(lambda: con.raw.execute(f"CHECKPOINT {ALIAS}"), what="checkpoint")
    return {"seconds": round(time.perf_counter() - t0, 3)}
