"""Contender 1: one presswatch cycle over every feed, as ``presswatch run --all --json`` runs it.

    python presswatch_cycle.py RESULT.json      (settings from PRESSWATCH_* as for the CLI)

The CLI's ``run`` calls ``pipeline.run_cycle(settings, all_feeds=True)``; this calls the same
function with a progress sink that records when each stage starts and ends (wall clock, so the
benchmark driver can line its CPU samples up with the stages), and writes the summary plus the
post-load details (stories and topics timings) that the CLI's JSON leaves out.
"""

from __future__ import annotations

import json
import sys
import time

from presswatch.pipeline import ProgressSink, run_cycle
from presswatch.settings import load_settings


class StageClock(ProgressSink):
    def __init__(self) -> None:
        self.windows: dict[str, list[float]] = {}

    def start(self, stage: str, total: int) -> None:
        self.windows[stage] = [time.time(), 0.0, total]

    def finish(self, stage: str) -> None:
        self.windows[stage][1] = time.time()


def main() -> None:
    started = time.time()
    clock = StageClock()
    summary = run_cycle(load_settings(), all_feeds=True, progress=clock)
    with open(sys.argv[1], "w") as f:
        json.dump({"run_id": summary.run_id, "started": started, "ended": time.time(),
                   "timings_s": summary.timings_s, "windows": clock.windows,
                   "load": summary.load.as_dict(), "post_load": summary.post_load}, f,
                  default=str)


if __name__ == "__main__":
    main()
