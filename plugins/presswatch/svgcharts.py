"""Deterministic, dependency-free SVG charts for the daily digest (presswatch.digest_render).

The same input always gives the same bytes: no timestamps, no random ids (no ``<defs>`` at all,
so several charts can sit in one page), coordinates printed with one decimal (``fmt``), and
every text (labels, titles, tooltips) escaped here. Charts are inline SVG meant to be inserted
into an HTML page as they are; they need no script and no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
ARTICLES = "#9ec5e8"
STORIES = "#1f5f99"
SHARE = "#d9731a"
INCOMPLETE = "#ececec"
GRID = "#dddddd"
AXIS = "#888888"
MUTED = "#666666"
PALETTE = ("#1f5f99", "#3d8bcf", "#6aaee0", "#2a9d8f", "#8ab17d", "#e9c46a", "#f4a261",
           "#e76f51", "#9c6644", "#7f7f7f")


def fmt(value: float) -> str:
    """A coordinate or number with at most one decimal, stable across runs ("12", "3.5")."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def count_ceiling(value: float) -> int:
    """An axis maximum for counts whose half is a whole number too: 2, 4, 6, 8, 10, 20, 40,
    60, 80, 100, 200, ..."""
    exp = 0
    while True:
        for m in (1, 2, 4, 6, 8):
            top = m * 10 ** exp
            if top >= 2 and top >= value:
                return top
        exp += 1


def percent_ceiling(value: float) -> float:
    """An axis maximum for percentages whose half prints exactly with one decimal: 0.2, 0.4,
    0.5, 1, 2, 4, 5, 10, 20, 40, 50, 100."""
    for top in (0.2, 0.4, 0.5, 1, 2, 4, 5, 10, 20, 40, 50):
        if top >= value:
            return float(top)
    return 100.0


def _text(x: float, y: float, body: str, *, anchor: str = "start", size: int = 11,
          fill: str = "#222", weight: str | None = None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{fmt(x)}" y="{fmt(y)}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}"{bold}>{escape(body)}</text>')


def _open(width: int, height: int, label: str, css_class: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="{escape(FONT)}" aria-label="{escape(label)}">'
            f"<title>{escape(label)}</title>")


@dataclass(frozen=True)
class AttentionDay:
    """One day of the attention chart."""

    day: str  # ISO date
    articles: int
    stories: int
    share: float | None  # of all coverage that day (0..1), None when nothing was dated that day
    incomplete: str | None = None  # reason, or None for a complete day
    highlight: bool = False  # the report day


def attention_chart(days: Sequence[AttentionDay], *, title: str, width: int = 900,
                    height: int = 230) -> str:
    """Bars of articles per day with the stories among them (darker, narrower), the share of all
    coverage as a line on the right axis, incomplete days on a grey band."""
    left, right, top, bottom = 38, 48, 30, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(days), 1)
    slot = plot_w / n
    peak = count_ceiling(max([0, *(d.articles for d in days)]))
    shares = [d.share for d in days if d.share is not None]
    share_peak = percent_ceiling(max([0.0, *shares]) * 100.0) if shares else 1.0
    base = top + plot_h

    def y(v: float) -> float:
        return base - (v / peak) * plot_h

    def ys(share: float) -> float:
        return base - (share * 100.0 / share_peak) * plot_h

    out = [_open(width, height, title, "chart attention")]
    # legend
    lx = float(left)
    for color, name in ((ARTICLES, "articles"), (STORIES, "stories"), (SHARE, "share of all coverage"),
                        (INCOMPLETE, "incomplete day")):
        if color == SHARE:
            out.append(f'<line x1="{fmt(lx)}" y1="11" x2="{fmt(lx + 14)}" y2="11" stroke="{SHARE}" '
                       'stroke-width="2"/>')
        else:
            out.append(f'<rect x="{fmt(lx)}" y="5" width="12" height="12" fill="{color}" '
                       f'stroke="{AXIS if color == INCOMPLETE else color}" stroke-width="0.5"/>')
        out.append(_text(lx + 18, 15, name, size=11, fill=MUTED))
        lx += 28 + 6.2 * len(name)
    # bands for incomplete days (one per run of consecutive days), behind everything
    i = 0
    while i < len(days):
        if not days[i].incomplete:
            i += 1
            continue
        j = i
        while j + 1 < len(days) and days[j + 1].incomplete:
            j += 1
        span = days[i].day if i == j else f"{days[i].day} – {days[j].day}"
        why = ", ".join(sorted({str(d.incomplete) for d in days[i:j + 1]}))
        out.append(f'<rect class="incomplete" x="{fmt(left + i * slot)}" y="{fmt(top)}" '
                   f'width="{fmt((j - i + 1) * slot)}" height="{fmt(plot_h)}" fill="{INCOMPLETE}">'
                   f"<title>{escape(span)}: incomplete ({escape(why)})</title></rect>")
        i = j + 1
    # grid and axes
    for frac in (0.0, 0.5, 1.0):
        gy = base - frac * plot_h
        out.append(f'<line x1="{left}" y1="{fmt(gy)}" x2="{left + plot_w}" y2="{fmt(gy)}" '
                   f'stroke="{AXIS if frac == 0 else GRID}" stroke-width="1"/>')
        out.append(_text(left - 5, gy + 4, fmt(peak * frac), anchor="end", fill=MUTED))
        if shares:
            out.append(_text(left + plot_w + 5, gy + 4, f"{fmt(share_peak * frac)}%", fill=SHARE))
    # bars
    for i, d in enumerate(days):
        x0 = left + i * slot
        tip = (f"{d.day}: {d.articles} articles, {d.stories} stories"
               + (f", {d.share * 100:.1f}% of all coverage" if d.share is not None else "")
               + (f" (incomplete: {d.incomplete})" if d.incomplete else ""))
        out.append(f'<g class="day"><title>{escape(tip)}</title>')
        if d.articles:
            bw = slot * 0.72
            out.append(f'<rect class="bar" x="{fmt(x0 + (slot - bw) / 2)}" y="{fmt(y(d.articles))}" '
                       f'width="{fmt(bw)}" height="{fmt(base - y(d.articles))}" fill="{ARTICLES}"'
                       + (' stroke="#0b3d66" stroke-width="1.2"' if d.highlight else "") + "/>")
        if d.stories:
            sw = slot * 0.34
            out.append(f'<rect class="bar stories" x="{fmt(x0 + (slot - sw) / 2)}" '
                       f'y="{fmt(y(d.stories))}" width="{fmt(sw)}" '
                       f'height="{fmt(base - y(d.stories))}" fill="{STORIES}"/>')
        out.append("</g>")
    # share line, broken where a day had no coverage at all
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, d in enumerate(days):
        if d.share is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{fmt(left + (i + 0.5) * slot)},{fmt(ys(d.share))}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            out.append(f'<polyline class="share" fill="none" stroke="{SHARE}" stroke-width="1.6" '
                       f'points="{" ".join(seg)}"/>')
        for point in seg:
            cx, cy = point.split(",")
            out.append(f'<circle cx="{cx}" cy="{cy}" r="1.8" fill="{SHARE}"/>')
    # x labels: the report day and every 7th day before it
    for i, d in enumerate(days):
        if (len(days) - 1 - i) % 7 == 0:
            out.append(_text(left + (i + 0.5) * slot, base + 15, d.day[5:], anchor="middle",
                             fill="#222" if d.highlight else MUTED,
                             weight="bold" if d.highlight else None))
    if any(d.incomplete for d in days):
        out.append(_text(left, height - 4, "grey: incomplete ingest (counts may be low)",
                         size=10, fill=MUTED))
    out.append("</svg>")
    return "".join(out)


def share_chart(items: Sequence[tuple[str, int]], *, title: str, width: int = 340,
                max_rows: int = 8) -> str:
    """Horizontal bars: each item's part of the total (share of voice); beyond ``max_rows - 1``
    items the rest are summed into one "other" row."""
    rows = list(items)
    if len(rows) > max_rows:
        rest = rows[max_rows - 1:]
        rows = rows[:max_rows - 1] + [(f"other ({len(rest)})", sum(v for _, v in rest))]
    total = sum(v for _, v in rows) or 1
    label_w, row_h, top = 120, 20, 6
    bar_max = width - label_w - 78
    height = top + row_h * max(len(rows), 1) + 6
    peak = max([1, *(v for _, v in rows)])
    out = [_open(width, height, title, "chart share")]
    if not rows:
        out.append(_text(width / 2, top + 14, "no coverage", anchor="middle", fill=MUTED))
    for i, (label, value) in enumerate(rows):
        ty = top + i * row_h
        short = label if len(label) <= 19 else label[:18] + "…"
        share = value / total
        bw = max(value / peak * bar_max, 1.0)
        color = PALETTE[i % len(PALETTE)] if not label.startswith("other (") else "#b0b0b0"
        out.append(f'<g class="row"><title>{escape(f"{label}: {value} ({share * 100:.1f}%)")}'
                   "</title>")
        out.append(_text(label_w - 6, ty + 13, short, anchor="end"))
        out.append(f'<rect class="bar" x="{label_w}" y="{fmt(ty + 3)}" width="{fmt(bw)}" '
                   f'height="14" fill="{color}"/>')
        out.append(_text(label_w + bw + 5, ty + 14, f"{value} · {share * 100:.0f}%", fill=MUTED))
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """A one-line text chart for the plain-text digest (``▁▂▃▅█``)."""
    peak = max([0, *values])
    if peak == 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[min(len(BLOCKS) - 1, round(v / peak * (len(BLOCKS) - 1)))]
                   for v in values)
