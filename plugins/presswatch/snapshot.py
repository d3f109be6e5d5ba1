"""The published, read-only snapshot of the warehouse: ``<warehouse dir>/published/presswatch.duckdb``.

DuckDB lets no other process open a file while one writes it, not even read-only. So analysts
(and the presswatch page in the Airflow UI) never open the live file: they open this copy, which
the report DAG replaces after every load that changed something.

How the copy stays consistent: under the writer lock we open the warehouse, ``CHECKPOINT`` it
(everything in the write-ahead log moves into the main file) and close it, so the file on disk is
complete and nobody can write it; we copy it to a temporary name in ``published/``, make it
read-only, check that it opens, and ``os.replace`` it over the old snapshot. Readers that have
the old snapshot open keep reading the old file (same inode) until they reconnect.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from presswatch.settings import Settings

log = logging.getLogger("presswatch.snapshot")

SNAPSHOT_NAME = "presswatch.duckdb"
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class Snapshot:
    path: str
    bytes: int
    published_at: str
    last_run_id: str | None
    counts: dict[str, int]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def published_dir(settings: Settings) -> Path:
    return settings.warehouse.parent / "published"


def snapshot_path(settings: Settings) -> Path:
    """The file analysts open: ``duckdb -readonly warehouse/published/presswatch.duckdb``."""
    return published_dir(settings) / SNAPSHOT_NAME


def read_manifest(settings: Settings) -> dict[str, Any] | None:
    path = published_dir(settings) / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def publish(settings: Settings, wait_s: float = 0.0) -> Snapshot:
    """Copy the warehouse to ``published/presswatch.duckdb`` atomically (see module doc)."""
    import duckdb

    from presswatch import warehouse

    t0 = time.perf_counter()
    target = snapshot_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with warehouse.writer_lock(settings, wait_s=wait_s):
        with warehouse.connect_unlocked(settings) as con:
            con.execute("CHECKPOINT")
        try:
            shutil.copyfile(settings.warehouse, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    try:
        os.chmod(tmp, 0o444)
        check = duckdb.connect(str(tmp), read_only=True)
        try:
            counts = warehouse.table_counts(
                check, ["feeds", "feed_entries", "articles", "stories", "topic_matches", "runs"])
            row = check.execute("SELECT run_id FROM runs ORDER BY loaded_at DESC LIMIT 1").fetchone()
        finally:
            check.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    snap = Snapshot(path=str(target), bytes=target.stat().st_size,
                    published_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    last_run_id=row[0] if row else None, counts={k: int(v) for k, v in counts.items()},
                    seconds=round(time.perf_counter() - t0, 3))
    manifest = target.with_name(MANIFEST_NAME)
    mtmp = manifest.with_name(manifest.name + ".tmp")
    mtmp.write_text(json.dumps(snap.as_dict(), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(mtmp, manifest)
    log.info("published %s: %d bytes, rows %s, last run %s, in %.2fs", target, snap.bytes,
             snap.counts, snap.last_run_id, snap.seconds)
    return snap
