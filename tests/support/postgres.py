"""A real PostgreSQL server for tests: initdb into a temporary directory, listen on 127.0.0.1 at a
free port (no Unix socket), stop and remove everything afterwards.

    with PostgresServer() as pg:          # raises PostgresUnavailable when no binaries exist
        dsn = pg.create_database("lake")  # 'dbname=lake host=127.0.0.1 port=NNNN user=presswatch'

Binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin (`apt-get install
postgresql`). PostgreSQL refuses to run as root, so under root the server runs as the
``postgres`` user (or ``nobody``) and the data directory is created for that user. Durability
settings are off (fsync, synchronous_commit): this is a throwaway test server.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "presswatch"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (the message says how to get them)."""


def find_bindir() -> Path:
    """The directory holding initdb, pg_ctl and createdb (newest Debian version first)."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                         reverse=True)
    for d in candidates:
        if all((d / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return d
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) found on PATH or in "
        "/usr/lib/postgresql/*/bin: install Debian's `postgresql` package")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root (else None)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable("running as root and neither a `postgres` nor a `nobody` user exists")


class PostgresServer:
    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.port = 0
        self.root: Path | None = None
        self._user = _run_as()

    @property
    def datadir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root / "data"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self._user is not None:
            kwargs = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
               "TZ": "UTC", "PGTZ": "UTC"}
        proc = subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True,
                              text=True, timeout=timeout, env=env, cwd=str(self.root),
                              check=False, **kwargs)  # type: ignore[call-overload]
        if proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {proc.stderr or proc.stdout}")
        return proc

    def start(self) -> PostgresServer:
        # /tmp itself (world-writable) rather than pytest's tmp_path, whose 0700 parents the
        # unprivileged server user could not enter
        self.root = Path(tempfile.mkdtemp(prefix="presswatch-pg-"))
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        try:
            self._run("initdb", "-D", str(self.datadir), "-U", SUPERUSER, "--auth=trust",
                      "-E", "UTF8", "--no-sync")
            self.port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                       "-c unix_socket_directories='' -c fsync=off -c synchronous_commit=off "
                       "-c full_page_writes=off -c max_connections=100 -c shared_buffers=64MB")
            self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "server.log"),
                      "-o", options, "-w", "-t", "60", "start", timeout=90)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.datadir / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def log(self) -> str:
        path = self.root / "server.log" if self.root else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq key/value string (what `ducklake:postgres:` takes)."""
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={SUPERUSER}"

    def create_database(self, name: str) -> str:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"bad database name {name!r}")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name)
        return self.dsn(name)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
