"""The writer connection: where DuckDB spills, so that two writers never share spill files."""

from __future__ import annotations

import os
import threading

from presswatch import warehouse


def test_writers_spill_to_directories_of_their_own(settings_factory, tmp_path, monkeypatch) -> None:
    """An in-memory DuckDB spills to "./.tmp" under fixed names by default: two writers started
    in one directory overwrote each other's spill files and both crashed (a 50,000-article
    benchmark cycle beside a second process). Each writer now spills to a directory of its own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRESSWATCH_DUCKDB_MEMORY_LIMIT", "96MB")
    a = settings_factory(warehouse=tmp_path / "a" / "presswatch.duckdb")
    b = settings_factory(warehouse=tmp_path / "b" / "presswatch.duckdb")
    results: dict[str, object] = {}

    def spill(name: str, settings) -> None:  # noqa: ANN001 - test helper
        try:
            with warehouse.writer(settings) as con:
                results[name + " dir"] = con.execute(
                    "SELECT current_setting('temp_directory')").fetchone()[0]
                # a sort far over the 96 MB limit: DuckDB must spill to finish it
                results[name] = con.execute(
                    "SELECT sum(hash(x) % 1000), count(*) FROM (SELECT x, repeat('p', 200) AS pad "
                    "FROM range(2000000) t(x) ORDER BY hash(x), pad)").fetchone()
        except Exception as exc:  # noqa: BLE001 - reported below
            results[name] = exc

    threads = [threading.Thread(target=spill, args=("a", a)),
               threading.Thread(target=spill, args=("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "a dir" in results and "b dir" in results, results
    assert results["a dir"] != results["b dir"]
    assert all("presswatch-duckdb-" in str(results[k]) for k in ("a dir", "b dir"))
    assert results["a"] == results["b"]
    assert isinstance(results["a"], tuple) and results["a"][1] == 2_000_000
    assert not (tmp_path / ".tmp").exists()


def test_private_spill_directories_differ() -> None:
    first, second = warehouse.private_spill_directory(), warehouse.private_spill_directory()
    assert first != second and str(os.getpid()) in first


def test_writer_memory_limit_is_small_and_readers_keep_room(settings_factory, tmp_path,
                                                             monkeypatch) -> None:
    """The writer mostly keeps texts it already read under its limit; 128 MB ran a cycle's load,
    stories and tagging as fast as 256 MB (docs/benchmarks.md). Readers keep 256 MB for their
    sorts; PRESSWATCH_DUCKDB_MEMORY_LIMIT sets both."""
    monkeypatch.delenv("PRESSWATCH_DUCKDB_MEMORY_LIMIT", raising=False)
    settings = settings_factory(warehouse=tmp_path / "presswatch.duckdb")

    def limit(con) -> str:  # noqa: ANN001 - test helper
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    with warehouse.writer(settings) as con:
        assert limit(con) == "122.0 MiB"  # 128 MB
    with warehouse.reader(settings) as con:
        assert limit(con) == "244.1 MiB"  # 256 MB
    monkeypatch.setenv("PRESSWATCH_DUCKDB_MEMORY_LIMIT", "200MB")
    with warehouse.writer(settings) as con:
        assert limit(con) == "190.7 MiB"
    with warehouse.reader(settings) as con:
        assert limit(con) == "190.7 MiB"


def test_arrow_gives_freed_memory_back() -> None:
    """Importing presswatch selects Arrow's system allocator (mimalloc kept ~150 MB that the
    cycle had freed), unless the user chose one."""
    import subprocess
    import sys

    code = "import presswatch, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "system"
    env["ARROW_DEFAULT_MEMORY_POOL"] = "mimalloc"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "mimalloc"
