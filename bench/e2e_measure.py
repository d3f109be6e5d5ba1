"""Measuring one contender process tree for bench/e2e.py: wall and CPU time (through
contenders/reaper.py), peak memory (PSS of the whole tree, sampled), CPU utilisation over time,
the synthetic web's own CPU, and the machine's load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks user+system) of a live process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None


def tree(root: int) -> dict[int, int]:
    """{pid: CPU ticks} of ``root`` and all its descendants (any thread may have forked them)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st:
                parents[int(name)], ticks[int(name)] = st
    members, todo = {}, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        if pid in ticks:
            members[pid] = ticks[pid]
            todo.extend(children.get(pid, ()))
    return members


def memory(pids: list[int]) -> tuple[int, int]:
    """(PSS, RSS) summed over ``pids``, in bytes: PSS splits pages shared by forked workers
    between them, the RSS sum counts them once per process (an upper bound)."""
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
        except OSError:
            pass
    return pss, rss


def system_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (all cores)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v) - idle) / TICK, sum(v) / TICK


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


@dataclass
class Measurement:
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_pss_mb: float = 0.0
    peak_rss_sum_mb: float = 0.0
    max_rss_one_process_mb: float = 0.0
    rc: int = 0
    load_before: str = ""
    load_after: str = ""
    machine_busy_cores: float = 0.0  # mean over the run, all processes
    web_cpu_s: float = 0.0  # the synthetic web server's CPU during the run
    samples: list[tuple[float, float, float]] = field(default_factory=list)  # (t, cores, pss MB)

    def utilisation(self, t0: float, t1: float) -> float | None:
        """Mean cores busy in the contender's tree between wall-clock times t0 and t1."""
        inside = [s[1] for s in self.samples if t0 <= s[0] <= t1]
        return round(sum(inside) / len(inside), 2) if inside else None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.pop("samples")
        d["cpu_utilisation_cores"] = round(self.cpu_s / self.wall_s, 2) if self.wall_s else 0
        return d


def measure(cmd: list[str], env: dict[str, str], log: Path, server_pid: int | None = None,
            interval: float = 0.25) -> Measurement:
    """Run ``cmd`` under contenders/reaper.py and sample its tree until it exits."""
    m = Measurement(load_before=loadavg())
    result = log.with_suffix(".reaper.json")
    busy0, total0 = system_busy()
    web0 = (_stat(server_pid) or (0, 0))[1] if server_pid else 0
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(HERE / "contenders" / "reaper.py"),
                                 str(result), "--", *cmd], env=env, stdout=out, stderr=out)
        last: tuple[float, dict[int, int]] | None = None
        stop = threading.Event()

        def sample() -> None:
            nonlocal last
            while not stop.is_set():
                now = time.time()
                members = tree(proc.pid)
                pss, rss = memory(list(members))
                m.peak_pss_mb = max(m.peak_pss_mb, pss / 2**20)
                m.peak_rss_sum_mb = max(m.peak_rss_sum_mb, rss / 2**20)
                if last is not None:
                    then, before = last
                    spent = sum(t - before[p] for p, t in members.items() if p in before)
                    m.samples.append(((now + then) / 2, spent / TICK / max(now - then, 1e-3),
                                      pss / 2**20))
                last = (now, members)
                stop.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        m.rc = proc.wait()
        stop.set()
        sampler.join()
    busy1, total1 = system_busy()
    m.machine_busy_cores = round((busy1 - busy0) / max(total1 - total0, 1e-3) * os.cpu_count(), 2)
    if server_pid:
        m.web_cpu_s = round(((_stat(server_pid) or (0, 0))[1] - web0) / TICK, 1)
    m.load_after = loadavg()
    if result.exists():
        r = json.loads(result.read_text())
        m.wall_s, m.cpu_s = r["wall_s"], round(r["user_s"] + r["sys_s"], 1)
        m.max_rss_one_process_mb = r["max_rss_one_process_mb"]
    m.peak_pss_mb, m.peak_rss_sum_mb = round(m.peak_pss_mb), round(m.peak_rss_sum_mb)
    return m
