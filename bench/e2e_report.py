"""Tables (Markdown) and charts (PNG) from bench/e2e.py's results JSON.

    .venv/bin/python bench/e2e_report.py bench/results/e2e.json [--charts docs/images]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

STAGE_ORDER = ("plan", "poll", "select", "fetch+extract", "load", "dedup", "tag", "start/exit")


def _mib(n: float) -> str:
    return f"{n / 2**20:,.1f}"


def _contender_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    """presswatch cold/warm at the contenders' size, then the contenders, one dict each."""
    at = {r["articles"]: r for r in res["presswatch"]}
    rows = []
    size = next((c["articles"] for c in res["contenders"] if "articles" in c), None)
    pw = at.get(size) if size else (res["presswatch"][-1] if res["presswatch"] else None)
    if pw:
        for phase in ("cold", "warm"):
            r = pw[phase]
            rows.append({"name": f"presswatch ({phase})", "wall": r["wall_s"], "cpu": r["cpu_s"],
                         "cores": r["cpu_utilisation_cores"], "pss": r["peak_pss_mb"],
                         "traffic": r["traffic"], "score": pw["score"] if phase == "cold" else None,
                         "failures": r["load"]["pages_failed"] + r["load"]["feeds_failed"],
                         "load": f"{r['load_before']} / {r['load_after']}", "note": "",
                         "extrapolated": False})
    for c in res["contenders"]:
        if "skipped" in c:
            rows.append({"name": c["name"], "skipped": c["skipped"]})
            continue
        sub = c.get("subset")
        rows.append({"name": c["name"], "wall": sub["wall_s_extrapolated"] if sub else c["wall_s"],
                     "cpu": sub["cpu_s_extrapolated"] if sub else c["cpu_s"],
                     "cores": c["cpu_utilisation_cores"], "pss": c["peak_pss_mb"],
                     "traffic": c["traffic"], "score": c.get("score"),
                     "failures": (c.get("tool") or {}).get("failures"),
                     "load": f"{c['load_before']} / {c['load_after']}",
                     "note": (f"measured on {sub['pages']:,} pages ({sub['outlets']} outlets) in "
                              f"{c['wall_s']} s, ×{sub['factor']:.2f}") if sub else "",
                     "extrapolated": bool(sub), "error": c.get("error")})
    return rows


def _complete(res: dict[str, Any]) -> dict[str, Any]:
    """The results without presswatch sizes whose cold or warm run failed (listed apart)."""
    ok = [r for r in res["presswatch"] if "score" in r and "stages" in r.get("warm", {})]
    return {**res, "presswatch": ok}


def report(res: dict[str, Any]) -> str:
    failed = [r for r in res["presswatch"] if r not in _complete(res)["presswatch"]]
    res = _complete(res)
    m = res["machine"]
    out = [f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_mb']:,} MB, Linux {m['kernel']}, "
           f"Python {m['python']}; {m['versions']}; {m['date']}; load average at start "
           f"{m['load']}. Response latency {res['latency_s'] * 1000:.0f} ms. Command: "
           f"`{res.get('command', 'bench/e2e.py')}`.", ""]
    rows = _contender_rows(res)
    base = next((r for r in rows if r["name"] == "naive" and "wall" in r), None)
    if rows:
        size = next((c["articles"] for c in res["contenders"] if "articles" in c), "?")
        out += [f"**Contenders on the {size:,}-article web**" if isinstance(size, int) else "", "",
                "| contender | wall s | vs naive | CPU s | cores busy | peak PSS MB | stored | "
                "documents (recall) | duplicates (variants + syndicated) | failed/oversized rows "
                "| tool's failures | text ok | requests | MiB | load 1/5/15 before / after |",
                "|" + "---|" * 15]
        for r in rows:
            if "skipped" in r:
                out.append(f"| {r['name']} | skipped: {r['skipped']} |" + " |" * 13)
                continue
            s = r["score"] or {}
            ratio = f"{base['wall'] / r['wall']:.1f}×" if base and r["wall"] else "–"
            wall = f"{r['wall']:,.1f}" + (" (extrapolated)" if r["extrapolated"] else "")
            docs = f"{s['documents']:,} ({s['recall']:.1%})" if s else "–"
            dups = (f"{s['duplicates']:,} ({s['dup_variants']} + {s['dup_syndicated']})"
                    if s else "–")
            if s.get("dup_syndicated_in_same_story") is not None and s["dup_syndicated"]:
                dups += f"; {s['dup_syndicated_in_same_story']} of the copies in their original's story"
            out.append(f"| {r['name']} | {wall} | {ratio} | {r['cpu']:,.1f} | {r['cores']} | "
                       f"{r['pss']:,} | {s.get('stored', '–'):,} | {docs} | {dups} | "
                       f"{s.get('bad_pages', '–')} | {r['failures']} | {s.get('text_ok', '–')} | "
                       f"{r['traffic']['requests']:,} | {_mib(r['traffic']['bytes'])} | "
                       f"{r['load']} |" if s else
                       f"| {r['name']} | {wall} | {ratio} | {r['cpu']} | {r['cores']} | {r['pss']} "
                       + (f"| failed: {r['error'][-120:]!r} |" + " |" * 9 if r.get("error") else
                          "| – | – | – | – | – | – | " + f"{r['traffic']['requests']:,} | "
                          f"{_mib(r['traffic']['bytes'])} | {r['load']} |"))
        notes = [f"{r['name']}: {r['note']}" for r in rows if r.get("note")]
        if notes:
            out += ["", "Extrapolated: " + "; ".join(notes) + "."]
        out.append("")
    if res["presswatch"]:
        sizes = [r["articles"] for r in res["presswatch"]]
        out += ["**presswatch time per stage (cold run), seconds (mean cores busy)**", "",
                "| stage | " + " | ".join(f"{n:,} articles" for n in sizes) + " |",
                "|---|" + "---|" * len(sizes)]
        for st in STAGE_ORDER:
            cells = []
            for r in res["presswatch"]:
                v = r["cold"]["stages"][st]
                cells.append(f"{v['seconds']:,.1f}" + (f" ({v['cores_busy']})"
                                                       if v["cores_busy"] is not None else ""))
            out.append(f"| {st} | " + " | ".join(cells) + " |")
            if st == "fetch+extract" and all("fetched" in r["cold"]["stages"]
                                             for r in res["presswatch"]):
                out.append("| ↳ of which until the last page arrived | " + " | ".join(
                    f"{r['cold']['stages']['fetched']['seconds']:,.1f}"
                    for r in res["presswatch"]) + " |")
        out.append("| **wall** | " + " | ".join(f"**{r['cold']['wall_s']:,.1f}**"
                                                 for r in res["presswatch"]) + " |")
        out += ["", "**presswatch scaling and warm re-run**", "",
                "| articles | cold wall s | s per 1,000 | ×2,000-run per article | CPU s | peak PSS MB "
                "| stored / documents | duplicates | cold MiB | warm wall s (% of cold) | warm MiB "
                "(% of cold) | load before |", "|" + "---|" * 12]
        first = res["presswatch"][0]
        per0 = first["cold"]["wall_s"] / first["articles"]
        for r in res["presswatch"]:
            c, w, s = r["cold"], r["warm"], r["score"]
            out.append(
                f"| {r['articles']:,} | {c['wall_s']:,.1f} | {c['wall_s'] / r['articles'] * 1000:.2f} "
                f"| {c['wall_s'] / r['articles'] / per0:.2f} | {c['cpu_s']:,.1f} | "
                f"{c['peak_pss_mb']:,} | {s['documents']:,} / {s['expected']:,} | "
                f"{s['duplicates']} ({s['dup_variants']} + {s['dup_syndicated']}) | "
                f"{_mib(c['traffic']['bytes'])} | {w['wall_s']:.1f} "
                f"({w['wall_s'] / c['wall_s']:.1%}) | {_mib(w['traffic']['bytes'])} "
                f"({w['traffic']['bytes'] / max(c['traffic']['bytes'], 1):.2%}) | "
                f"{c['load_before']} |")
    for r in failed:
        phase = "cold" if "error" in r.get("cold", {}) else "warm"
        out += ["", f"presswatch at {r['articles']:,} articles: the {phase} run FAILED after "
                f"{r[phase].get('wall_s')} s (peak PSS {r[phase].get('peak_pss_mb')} MB): "
                f"{r[phase].get('error', '')[-600:]}"]
    return "\n".join(out)


def charts(res: dict[str, Any], directory: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    res = _complete(res)
    written = []
    pw = res["presswatch"]
    if pw:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        labels = [f"{r['articles']:,} articles\n{r['cold']['wall_s']:,.0f} s" for r in pw]
        left = [0.0] * len(pw)
        colors = plt.get_cmap("tab10").colors
        for i, st in enumerate(STAGE_ORDER):
            secs = [r["cold"]["stages"][st]["seconds"] for r in pw]
            share = [100 * v / r["cold"]["wall_s"] for v, r in zip(secs, pw, strict=True)]
            ax.barh(labels, share, left=left, label=st, color=colors[i % 10])
            for y, (x0, w, v) in enumerate(zip(left, share, secs, strict=True)):
                if w >= 6:
                    ax.text(x0 + w / 2, y, f"{v:,.0f}s", ha="center", va="center", fontsize=7,
                            color="white")
            left = [a + b for a, b in zip(left, share, strict=True)]
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the cold run's wall time (labels: seconds)")
        ax.set_title("presswatch run --all: time per stage")
        ax.legend(ncol=5, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))
        fig.tight_layout()
        path = directory / "bench-stages.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(str(path))

        fig, ax = plt.subplots(figsize=(8, 4.5))
        xs = [r["articles"] for r in pw]
        ys = [r["cold"]["wall_s"] for r in pw]
        ax.plot(xs, ys, "o-", label="cold run, wall s")
        ax.plot(xs, [xs[i] * ys[0] / xs[0] for i in range(len(xs))], "--", color="grey",
                label=f"linear from the {xs[0]:,} run")
        ax.plot(xs, [r["warm"]["wall_s"] for r in pw], "s-", label="warm re-run, wall s")
        ax.set_xlabel("articles")
        ax.set_ylabel("seconds")
        ax2 = ax.twinx()
        ax2.plot(xs, [r["cold"]["peak_pss_mb"] for r in pw], "^:", color="tab:red",
                 label="peak PSS MB (cold)")
        ax2.set_ylabel("MB")
        ax2.set_ylim(0, max(700, max(r["cold"]["peak_pss_mb"] for r in pw) * 1.2))
        ax2.axhline(600, color="tab:red", alpha=0.3)
        lines = ax.get_legend_handles_labels()
        lines2 = ax2.get_legend_handles_labels()
        ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper left")
        ax.set_title("presswatch scaling")
        fig.tight_layout()
        path = directory / "bench-scaling.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(str(path))

        big = max(pw, key=lambda r: r["articles"] if r["articles"] <= 10000 else 0)
        if big["cold"]["timeline"]:
            fig, ax = plt.subplots(figsize=(8, 3.5))
            tl = big["cold"]["timeline"]
            ax.plot([t[0] for t in tl], [t[1] for t in tl], lw=1, color="black")
            colors = plt.get_cmap("tab10").colors
            for i, st in enumerate(STAGE_ORDER[:-1]):
                span = big["cold"]["stages"][st].get("span")
                if span and span[1] - span[0] > 0.02 * tl[-1][0]:
                    ax.axvspan(*span, color=colors[i % 10], alpha=0.25, lw=0)
                    ax.text((span[0] + span[1]) / 2, 2.3, st, ha="center", fontsize=7)
            ax.set_ylim(0, (res["machine"]["cores"] or 2) + 0.5)
            ax.set_xlabel("seconds since start")
            ax.set_ylabel("cores busy (presswatch tree)")
            ax.set_title(f"presswatch cold run, {big['articles']:,} articles: CPU use over time")
            fig.tight_layout()
            path = directory / "bench-cpu.png"
            fig.savefig(path, dpi=110)
            plt.close(fig)
            written.append(str(path))
    rows = [r for r in _contender_rows(res) if "wall" in r]
    if rows:
        fig, ax = plt.subplots(figsize=(8, 3.8))
        names = [r["name"] + (" *" if r["extrapolated"] else "") for r in rows]
        ax.barh(names[::-1], [r["wall"] for r in rows][::-1], color="tab:blue")
        for i, r in enumerate(rows[::-1]):
            ax.text(r["wall"], i, f" {r['wall']:,.0f} s", va="center", fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("wall seconds (log scale); * extrapolated from a subset")
        ax.set_title("Same web, same machine, same run")
        fig.tight_layout()
        path = directory / "bench-contenders.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(str(path))
    return written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--charts", metavar="DIR")
    args = ap.parse_args()
    res = json.loads(Path(args.results).read_text())
    print(report(res))
    if args.charts:
        print("charts:", *charts(res, Path(args.charts)))


if __name__ == "__main__":
    main()
