"""Run one contender command and account for all the CPU its process tree used.

    python reaper.py RESULT.json -- command args...

This process makes itself a child subreaper (Linux), so workers orphaned inside the contender
(e.g. a multiprocessing forkserver that outlives its parent by a moment) are re-parented here and
reaped, and their CPU time lands in this process's RUSAGE_CHILDREN. Writes wall time, user and
system CPU seconds and the return code to RESULT.json. Standard output and error pass through.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def _children() -> list[int]:
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == me:
                        found.append(int(name))
            except (OSError, ValueError, IndexError):
                pass
    return found


def main() -> None:
    out, sep, *cmd = sys.argv[1:]
    if sep != "--" or not cmd:
        raise SystemExit(__doc__)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1)
    except (OSError, AttributeError):
        pass
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    rc = proc.wait()
    wall = time.perf_counter() - t0
    deadline = time.monotonic() + 30  # orphans still running get 30 s, then are killed
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.monotonic() > deadline:
                for child in _children():
                    os.kill(child, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.05)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump({"rc": rc, "wall_s": round(wall, 3), "user_s": round(ru.ru_utime, 2),
                   "sys_s": round(ru.ru_stime, 2), "max_rss_one_process_mb":
                   round(ru.ru_maxrss / 1024, 1)}, f)
    sys.exit(rc)


if __name__ == "__main__":
    main()
