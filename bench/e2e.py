"""End-to-end benchmark (issue #7): presswatch against the tools a user would otherwise use, on
the same synthetic news web (bench/synthetic.py), on the same machine, in the same run.

    .venv/bin/python bench/e2e.py                 # the full run (~35 min on 2 quiet cores)
    .venv/bin/python bench/e2e.py --quick         # a smoke run (~6 min)

Contenders, each a separate process tree measured on its own (wall, CPU, peak PSS):
  presswatch   `presswatch run --all` cold, then again warm (conditional GET, nothing new)
  naive        feedparser.parse + trafilatura.fetch_url/extract + executemany (contenders/naive.py)
  trafilatura  trafilatura's CLI with --parallel (contenders/trafilatura_cli.py)
  newspaper4k  Article.download/parse in a thread pool (contenders/newspaper_run.py, own venv)
presswatch also runs at every --sizes entry (scaling); the others at --contenders-at only.
A contender given in --subset NAME=PAGES runs on the first outlets of the same web holding that
many pages, and its time is extrapolated linearly to the whole web (labelled as such).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from e2e_measure import loadavg, measure  # noqa: E402
from e2e_score import read_rows, score  # noqa: E402
from synthetic import NewsWeb, WebServer  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
CONTENDER_PY = ROOT / ".venv-contenders" / "bin" / "python"
# presswatch's settings for a local benchmark (everything else: defaults). The defaults are
# polite to real sites (1 s between requests to one host, 2 at a time per host); each outlet here
# is its own host (own port), so only the spacing is switched off.
PRESSWATCH_ENV = {"PRESSWATCH_ALLOW_NETWORKS": "127.0.0.1/32", "PRESSWATCH_HOST_DELAY_S": "0"}
# fetch and extract run at once (pages.fetch_and_extract_pages): one stage, "fetch+extract";
# "fetched" (inside it) is when the last page had arrived
STAGES = ("plan", "poll", "select", "fetch+extract", "load", "dedup", "tag")


def machine() -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    versions = subprocess.run(
        [PY, "-c", "import importlib.metadata as m; print(' '.join(f'{p} {m.version(p)}' for p in "
                   "('presswatch','trafilatura','feedparser','duckdb','aiohttp')))"],
        capture_output=True, text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_mb": mem, "kernel": platform.release(),
            "python": platform.python_version(), "versions": versions, "load": loadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def subset(web: NewsWeb, pages: int) -> range:
    """The first outlets holding at least ``pages`` pages."""
    total = 0
    for o, size in enumerate(web.sizes):
        total += size
        if total >= pages:
            return range(o + 1)
    return range(web.outlets)


def _traffic(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    kinds = {k: after["by_kind"].get(k, 0) - before["by_kind"].get(k, 0) for k in after["by_kind"]}
    return {"requests": after["requests"] - before["requests"],
            "bytes": after["bytes"] - before["bytes"],
            "by_kind": {k: v for k, v in kinds.items() if v}}


def _timeline(m: Any) -> list[tuple[float, float, int]]:
    """(seconds since the first sample, cores busy, PSS MB) of a measured run."""
    t0 = m.samples[0][0] if m.samples else 0.0
    return [(round(s[0] - t0, 2), round(s[1], 2), round(s[2])) for s in m.samples]


def presswatch_stages(summary: dict[str, Any], m: Any) -> dict[str, dict[str, Any]]:
    """Time and CPU use per stage; windows are rebuilt around the stages the sink timed."""
    t = dict(summary["timings_s"])
    post = summary.get("post_load") or {}
    dedup = float((post.get("stories") or {}).get("elapsed_s", 0.0))
    tag = float(sum(((post.get("topics") or {}).get("seconds") or {}).values()))
    other = max(0.0, t.pop("stories+topics", 0.0) - dedup - tag)
    t.update(dedup=dedup, tag=tag + other)
    w = summary["windows"]
    poll0, poll1 = w["poll"][:2]
    spans = {"plan": (poll0 - t["plan"], poll0), "poll": (poll0, poll1),
             "select": (poll1, poll1 + t["select"]),
             "fetch+extract": (w["fetch"][0], w["extract"][1])}
    end = spans["fetch+extract"][1]
    for stage in ("load", "dedup", "tag"):
        spans[stage] = (end, end + t[stage])
        end += t[stage]
    origin = m.samples[0][0] if m.samples else 0.0
    out = {s: {"seconds": round(t[s], 2), "cores_busy": m.utilisation(*spans[s]),
               "span": (round(spans[s][0] - origin, 2), round(spans[s][1] - origin, 2))}
           for s in STAGES}
    out["start/exit"] = {"seconds": round(m.wall_s - sum(t[s] for s in STAGES), 2),
                         "cores_busy": None}
    # inside fetch+extract: until the last page arrived (a run with nothing to fetch: empty)
    fetched = (w["fetch"][0], max(w["fetch"][0], w["fetch"][1]))
    out["fetched"] = {"seconds": round(fetched[1] - fetched[0], 2),
                      "cores_busy": m.utilisation(*fetched),
                      "span": (round(fetched[0] - origin, 2), round(fetched[1] - origin, 2))}
    return out


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.results: dict[str, Any] = {"machine": machine(), "latency_s": args.latency,
                                        "presswatch": [], "contenders": []}

    def run_presswatch(self, server: WebServer) -> None:
        web = server.web
        home = self.work / f"presswatch-{web.articles}"
        home.mkdir()
        extra = {k: v for n, k, v in self.args.env_at if n == web.articles}
        env = {**os.environ, **PRESSWATCH_ENV, "PRESSWATCH_WAREHOUSE": str(home / "w.duckdb"),
               "PYTHONPATH": str(ROOT / "plugins"), **extra}
        (home / "feeds.txt").write_text("\n".join(web.feed_urls()) + "\n")
        cli = [PY, "-m", "presswatch.cli"]
        for step in (["feeds", "import", str(home / "feeds.txt")],
                     ["topics", "import", str(ROOT / "topics.yml")]):
            subprocess.run([*cli, *step], env=env, check=True, capture_output=True)
        truth = web.truth()
        row: dict[str, Any] = {"articles": web.articles, "truth": truth,
                               "env": {**PRESSWATCH_ENV, **extra}}
        for phase in ("cold", "warm"):
            before = server.stats()
            out = home / f"{phase}.json"
            m = measure([PY, str(BENCH / "contenders" / "presswatch_cycle.py"), str(out)], env,
                        home / f"{phase}.log", server.proc.pid)
            if m.rc or not out.exists():
                row[phase] = {**m.as_dict(), "error": self._keep_log(home / f"{phase}.log"),
                              "timeline": _timeline(m)}
                print(f"[presswatch {web.articles} {phase}] failed (rc {m.rc}): "
                      f"{row[phase]['error'][-1500:]}", flush=True)
                break
            summary = json.loads(out.read_text())
            row[phase] = {**m.as_dict(), "traffic": _traffic(before, server.stats()),
                          "stages": presswatch_stages(summary, m), "load": summary["load"],
                          "post_load": summary["post_load"],
                          "timeline": _timeline(m)}
            if phase == "cold":
                row["score"] = score(web, read_rows(str(home / "w.duckdb"), presswatch=True))
            self._print_presswatch(web.articles, phase, row)
        self.results["presswatch"].append(row)
        if not self.args.keep:
            shutil.rmtree(home, ignore_errors=True)

    def _keep_log(self, log: Path) -> str:
        """A failed run's log is copied next to the results; its tail is returned."""
        kept = Path(self.args.out).parent / f"failed-{log.parent.name}-{log.name}"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, kept)
        return f"(log: {kept}) " + log.read_text()[-3000:]

    def save(self) -> None:
        Path(self.args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(self.args.out).write_text(json.dumps(self.results, indent=1, default=str))

    def _print_presswatch(self, n: int, phase: str, row: dict[str, Any]) -> None:
        r = row[phase]
        stages = ", ".join(f"{k} {v['seconds']}s" + (f" ({v['cores_busy']} cores)"
                                                       if v["cores_busy"] is not None else "")
                           for k, v in r["stages"].items())
        print(f"[presswatch {n} {phase}] wall {r['wall_s']}s cpu {r['cpu_s']}s "
              f"({r['cpu_utilisation_cores']} cores) peak PSS {r['peak_pss_mb']} MB, "
              f"{r['traffic']['requests']} requests {r['traffic']['bytes'] / 2**20:.1f} MiB, "
              f"articles new {r['load']['articles_new']}, load {r['load_before']} -> "
              f"{r['load_after']}\n    stages: {stages}", flush=True)
        if phase == "cold":
            print(f"    correctness: {row['score']}", flush=True)

    def run_contender(self, name: str, server: WebServer) -> None:
        web = server.web
        scripts = {"naive": (PY, "naive.py"), "trafilatura": (PY, "trafilatura_cli.py"),
                   "newspaper4k": (str(CONTENDER_PY), "newspaper_run.py")}
        py, script = scripts[name]
        if not Path(py).exists():
            print(f"[{name}] skipped: {py} missing (run bench/contenders/setup_venv.sh)")
            self.results["contenders"].append({"name": name, "skipped": f"{py} missing"})
            return
        limit = dict(self.args.subset).get(name)
        outlets = subset(web, limit) if limit else range(web.outlets)
        home = self.work / f"{name}-{web.articles}"
        home.mkdir()
        (home / "feeds.txt").write_text("\n".join(web.feed_urls(outlets)) + "\n")
        env = dict(os.environ)
        if name == "newspaper4k":  # any request leaving 127.0.0.1 goes to a dead local proxy
            env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
                       NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        before = server.stats()
        m = measure([py, str(BENCH / "contenders" / script), str(home / "feeds.txt"),
                     str(home / "store.duckdb"), str(home / "result.json")], env,
                    home / "run.log", server.proc.pid)
        truth = web.truth(outlets)
        row: dict[str, Any] = {"name": name, "articles": web.articles, **m.as_dict(),
                               "traffic": _traffic(before, server.stats()), "truth": truth}
        if m.rc or not (home / "result.json").exists():
            row["error"] = self._keep_log(home / "run.log")
            print(f"[{name}] failed (rc {m.rc}): {row['error'][-500:]}")
        else:
            row["tool"] = json.loads((home / "result.json").read_text())
            row["score"] = score(web, read_rows(str(home / "store.duckdb")), outlets)
        if limit:
            factor = web.truth()["pages"] / truth["pages"]
            row["subset"] = {"pages": truth["pages"], "outlets": len(outlets), "factor": factor,
                             "wall_s_extrapolated": round(m.wall_s * factor, 1),
                             "cpu_s_extrapolated": round(m.cpu_s * factor, 1)}
        print(f"[{name} {web.articles}{' subset ' + str(truth['pages']) if limit else ''}] "
              f"wall {m.wall_s}s cpu {m.cpu_s}s peak PSS {m.peak_pss_mb} MB "
              f"{row['traffic']['requests']} requests, load {m.load_before} -> {m.load_after}"
              f"\n    {row.get('subset', '')} {row.get('tool', '')}\n    {row.get('score', '')}",
              flush=True)
        self.results["contenders"].append(row)
        if not self.args.keep:
            shutil.rmtree(home, ignore_errors=True)

    def run(self) -> dict[str, Any]:
        a = self.args
        print(f"machine: {self.results['machine']}", flush=True)
        for n in sorted(set(a.sizes) | {a.contenders_at}):
            with WebServer(n, latency_s=a.latency) as server:
                print(f"web {n}: {server.web.truth()}", flush=True)
                if n in a.sizes:
                    self.run_presswatch(server)
                    self.save()
                if n == a.contenders_at:
                    for name in a.contenders:
                        self.run_contender(name, server)
                        self.save()
        return self.results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 articles, 20 ms latency, subsets")
    ap.add_argument("--sizes", default="2000,10000,50000", help="presswatch scaling sizes")
    ap.add_argument("--contenders-at", type=int, default=10000)
    ap.add_argument("--contenders", default="naive,trafilatura,newspaper4k")
    ap.add_argument("--subset", action="append", default=[], metavar="NAME=PAGES")
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--env-at", action="append", default=[], metavar="SIZE:NAME=VALUE",
                    help="an extra PRESSWATCH_* setting for the presswatch runs at one size")
    ap.add_argument("--out", default=str(BENCH / "results" / "e2e.json"))
    ap.add_argument("--charts", metavar="DIR", help="write the PNG charts here")
    ap.add_argument("--keep", action="store_true", help="keep warehouses and logs")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.contenders_at, args.latency = "2000", 2000, 0.02
        args.subset = args.subset or ["naive=500", "trafilatura=500", "newspaper4k=1000"]
    elif not args.subset:
        args.subset = ["naive=2000", "newspaper4k=2000"]
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.contenders = [c for c in args.contenders.split(",") if c]
    args.subset = [(k, int(v)) for k, v in (s.split("=") for s in args.subset)]
    args.env_at = [(int(n), *kv.split("=", 1)) for n, kv in (e.split(":", 1) for e in args.env_at)]
    work = Path(tempfile.mkdtemp(prefix="presswatch-e2e-"))
    bench = Bench(args, work)
    bench.results["command"] = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    try:
        results = bench.run()
    finally:
        bench.save()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    from e2e_report import charts, report

    print(report(results))
    if args.charts:
        print("charts:", *charts(results, Path(args.charts)))


if __name__ == "__main__":
    main()
