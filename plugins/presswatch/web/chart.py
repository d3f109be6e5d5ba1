"""A dependency-free inline SVG line chart (topic attention over the last 30 days).

Every text that reaches the SVG (topic names, dates) is escaped here; numbers are formatted by
us. The output is meant to be inserted into an HTML page as-is.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def line_chart_svg(series: dict[str, dict[date, int]], end: date, days: int = 30,
                   width: int = 760, height: int = 260, title: str = "") -> str:
    """One line per series over ``days`` days ending at ``end`` (missing days count 0)."""
    left, right, top, bottom = 40, 170, 16, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    axis = [end - timedelta(days=days - 1 - i) for i in range(days)]
    peak = max([1, *(v for s in series.values() for v in s.values())])
    step = plot_w / max(days - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: int) -> float:
        return top + plot_h - (v / peak) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
             'stroke="#999"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>']
    for i in (0, days // 2, days - 1):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" '
                     f'font-size="11">{escape(axis[i].isoformat())}</text>')
    if not series:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" '
                     'text-anchor="middle" font-size="13" fill="#666">no topic matches yet</text>')
    for n, (name, values) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(values.get(d, 0)):.1f}" for i, d in enumerate(axis))
        total = sum(values.get(d, 0) for d in axis)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}">'
                     f"<title>{escape(name)}: {total}</title></polyline>")
        ly = top + 12 + n * 16
        parts.append(f'<rect x="{left + plot_w + 12}" y="{ly - 9}" width="10" height="10" '
                     f'fill="{color}"/><text x="{left + plot_w + 27}" y="{ly}" font-size="12">'
                     f"{escape(name[:22])} ({total})</text>")
    parts.append("</svg>")
    return "".join(parts)
