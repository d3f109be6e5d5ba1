"""Render a :class:`presswatch.digest.Digest` as one self-contained HTML file and as Markdown.

HTML: Jinja2 with autoescape (``digest_templates/digest.html``), charts as inline SVG from
presswatch.svgcharts, a Content-Security-Policy that allows no script at all, links only for
absolute http(s) URLs (anything else is shown as text). Markdown (for e-mail): every stored
text is escaped so that a title cannot become a link, an image or HTML.

Deterministic: the output depends on the digest only (no clock, no random ids, UTC times,
fixed number formats), so the same warehouse and day give byte-identical files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from presswatch import svgcharts
from presswatch.alerts import AlertConfig, SpikeCheck
from presswatch.digest import MEDIAN_DAYS, VOICE_DAYS, Digest, TopicDigest, Voice

TEMPLATES = Path(__file__).parent / "digest_templates"
REASONS = {"no_run": "no run that day", "feeds_failed": "most feeds failed",
           "in_progress": "day still in progress"}
OUTLETS_SHOWN = 6


def safe_href(url: Any) -> str:
    """The URL if it is an absolute http(s) URL without spaces or control characters, else ""."""
    if not isinstance(url, str):
        return ""
    url = url.strip()
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".removesuffix(".0")


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def times(value: int, usual: float | None) -> str:
    """", ×4.3" when today is at least twice a non-zero usual level."""
    if not usual or value < 2 * usual:
        return ""
    return f", ×{value / usual:.1f}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def day_text(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = (value.astimezone(UTC) if value.tzinfo else value).date()
    return value.isoformat()


def hm(value: datetime | None) -> str:
    if value is None:
        return "–"
    return (value.astimezone(UTC) if value.tzinfo else value).strftime("%H:%M UTC")


def outlet_list(names: Sequence[str]) -> str:
    shown = ", ".join(names[:OUTLETS_SHOWN])
    more = len(names) - OUTLETS_SHOWN
    return shown + (f" +{more} more" if more > 0 else "")


def short_url(url: str, limit: int = 90) -> str:
    return url if len(url) <= limit else url[:limit - 1] + "…"


def verdict(check: SpikeCheck, cfg: AlertConfig) -> str:
    """One sentence on how the spike rule judged the day."""
    if check.reason == "short_history":
        return (f"Spike rule: not judged, only {check.baseline_days} complete days of history "
                f"(needs {cfg.min_baseline_days}).")
    base = (f"{check.stories} stories against a median of {num(check.median)} "
            f"(MAD {num(check.mad)}) over {check.baseline_days} complete days: score "
            f"{check.score:.1f}, spike from {num(check.threshold)} stories")
    if check.spike:
        return f"Spike: {base}."
    if check.reason == "below_min_stories":
        return f"No spike (fewer than {cfg.min_stories} stories): {base}."
    return f"No spike: {base}."


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"], default=True),
                      keep_trailing_newline=True)
    env.filters.update(href=safe_href, num=num, pct=pct, times=times, day=day_text, hm=hm,
                       plural=plural,
                       outlets=outlet_list, short=short_url, verdict=verdict,
                       reason=lambda r: REASONS.get(r, r or "–"))
    return env


def _voice_items(voices: Sequence[Voice], languages: bool = False) -> list[tuple[str, int]]:
    if languages:
        return [("unknown" if v.key == "und" else v.key, v.articles) for v in voices]
    return [(v.name, v.articles) for v in voices]


@dataclass(frozen=True)
class TopicCharts:
    attention: Any
    outlets: Any
    languages: Any


def topic_charts(t: TopicDigest) -> TopicCharts:
    from markupsafe import Markup

    days = [svgcharts.AttentionDay(p.day.isoformat(), p.articles, p.stories, p.share,
                                   REASONS.get(p.incomplete, p.incomplete) if p.incomplete
                                   else None, i == len(t.points) - 1)
            for i, p in enumerate(t.points)]
    # every text inside the SVG is escaped by svgcharts, so the markup is safe to insert
    return TopicCharts(
        Markup(svgcharts.attention_chart(days, title=f"{t.name}: attention, last {len(days)} days")),
        Markup(svgcharts.share_chart(_voice_items(t.outlets), title=f"{t.name}: outlets")),
        Markup(svgcharts.share_chart(_voice_items(t.languages, True), width=260,
                                     title=f"{t.name}: languages")))


def render_html(d: Digest) -> str:
    template = _environment().get_template("digest.html")
    charts = {t.name: topic_charts(t) for t in d.topics}
    return template.render(d=d, charts=charts, voice_days=VOICE_DAYS, median_days=MEDIAN_DAYS)


# -- Markdown ------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|])")


def md(text: Any) -> str:
    """Stored text as inert Markdown: the characters that could make a link, an image, HTML,
    code or a table cell are backslash-escaped (still readable as plain text)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text or ""))


def md_url(url: str) -> str:
    return quote(url, safe="/:?&=#%~+.,;@!$'*-_")


def md_link(title: str, url: str) -> str:
    h = safe_href(url)
    return f"[{md(title)}]({md_url(h)})" if h else md(title)


def _md_topic(t: TopicDigest, d: Digest) -> list[str]:
    out = [f"## {md(t.name)}{' — SPIKE' if t.spike.spike else ''}", ""]
    if t.description:
        out += [md(t.description), ""]
    out += [f"- articles: **{t.today.articles}** (usual {num(t.articles_median)}"
            f"{times(t.today.articles, t.articles_median)})",
            f"- stories: **{t.today.stories}** (usual {num(t.stories_median)}"
            f"{times(t.today.stories, t.stories_median)})",
            f"- outlets: {t.today.outlets}; share of all coverage: {pct(t.today.share)}",
            f"- {md(verdict(t.spike, d.config))}", ""]
    marks = "".join("·" if p.incomplete else " " for p in t.points)
    out += [f"Attention, {day_text(t.points[0].day)} – {day_text(t.points[-1].day)} "
            "(articles per day; · under a day: incomplete ingest):", "",
            "    " + svgcharts.sparkline([p.articles for p in t.points])]
    if marks.strip():
        out.append("    " + marks.rstrip())
    out.append("")
    out += ["### Top stories today", ""]
    if not t.top_stories:
        out.append("No stories about this topic today.")
    for i, s in enumerate(t.top_stories, start=1):
        since = "new" if s.new else f"since {day_text(s.first_seen)}"
        out.append(f"{i}. {md_link(s.title, s.url)} — **{s.outlets} outlet"
                   f"{'s' if s.outlets != 1 else ''}**, {s.articles} article"
                   f"{'s' if s.articles != 1 else ''} ({since})")
        out.append(f"   first {md(s.first_outlet)} at {hm(s.first_seen)}; "
                   f"{md(outlet_list(s.outlet_names))}")
    more = t.stories_listed - len(t.top_stories)
    if more > 0:
        out.append(f"\n…and {more} more stor{'ies' if more != 1 else 'y'}.")
    out += ["", f"### Share of voice, last {VOICE_DAYS} days", ""]
    voices = [f"{md(v.name)} {v.articles} ({pct(v.share)})" for v in t.outlets[:8]]
    langs = [f"{'unknown' if v.key == 'und' else md(v.key)} {v.articles} ({pct(v.share)})"
             for v in t.languages]
    out += [f"- outlets: {', '.join(voices) or 'none'}"
            + (f", +{len(t.outlets) - 8} more" if len(t.outlets) > 8 else ""),
            f"- languages: {', '.join(langs) or 'none'}", ""]
    return out


def render_markdown(d: Digest) -> str:
    h = d.health
    state = ("ingest complete for the day" if h.today.complete
             else f"ingest incomplete: {REASONS.get(h.today.incomplete or '', h.today.incomplete)}")
    out = [f"# presswatch daily digest · {d.day.isoformat()}", "",
           f"UTC day {d.day.isoformat()}" + (f", topic {md(d.topic_filter)}" if d.topic_filter
                                             else "")
           + f" · {state} · {plural(h.today.articles, 'article')} from all feeds "
             f"({plural(h.today.stories, 'story', 'stories')}).", ""]
    if d.topics:
        out += ["| topic | articles | usual | stories | usual | spike |",
                "| --- | ---: | ---: | ---: | ---: | --- |"]
        out += [f"| {md(t.name)} | {t.today.articles} | {num(t.articles_median)} | "
                f"{t.today.stories} | {num(t.stories_median)} | {'yes' if t.spike.spike else ''} |"
                for t in d.topics]
        out += ["", f"usual: median of the {MEDIAN_DAYS} days before, incomplete days left "
                "out; a story counts once however many outlets carried it.", ""]
    else:
        out += ["No topics yet: `presswatch topics import topics.yml`.", ""]
    for t in d.topics:
        out += _md_topic(t, d)
    out += ["## Pipeline health", "",
            f"{sum(n for _, n in h.feeds_by_status)} active feeds: "
            + (", ".join(f"{n} {s}" for s, n in h.feeds_by_status) or "none")
            + f". On {d.day.isoformat()}: {plural(h.today.runs, 'run')}, {h.today.feeds_polled} feeds "
              f"polled, {h.today.feeds_failed} failed, {h.today.pages_failed} pages failed, "
              f"{h.today.extraction_empty} empty extractions.", ""]
    if h.problem_feeds:
        out += ["Feeds failing or dead:", ""]
        out += [f"- {f.status}: {md(f.title or '(untitled)')} — {md(f.last_error or '–')} since "
                f"{day_text(f.last_error_at)}, last success {day_text(f.last_success_at)} "
                f"({md(short_url(f.url))})" for f in h.problem_feeds]
        if h.problem_feeds_total > len(h.problem_feeds):
            out.append(f"- and {h.problem_feeds_total - len(h.problem_feeds)} more")
        out.append("")
    else:
        out += ["No failing or dead feeds.", ""]
    if h.failures:
        out += [f"Failures on {d.day.isoformat()}: "
                + ", ".join(f"{md(f.kind)} {md(f.reason)} ×{f.events}" for f in h.failures), ""]
    if h.incomplete_days:
        out += ["Days with incomplete ingest: "
                + ", ".join(f"{x.day.isoformat()} ({REASONS.get(x.incomplete or '', '')})"
                            for x in h.incomplete_days), ""]
    out += ["—", "Generated by presswatch; the same warehouse and day give the same digest. "
            f"Spike: at least {d.config.min_stories} stories and a robust z-score of "
            f"{num(d.config.sensitivity)} or more against the {d.config.baseline_days} days "
            "before (docs/digest.md).", ""]
    return "\n".join(out)


# -- files ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DigestFiles:
    html: Path
    markdown: Path

    def as_dict(self) -> dict[str, str]:
        return {"html": str(self.html), "markdown": str(self.markdown)}


def file_stem(d: Digest) -> str:
    topic = re.sub(r"[^a-z0-9_]", "_", d.topic_filter.lower()) if d.topic_filter else ""
    return f"digest-{d.day.isoformat()}" + (f"-{topic}" if topic else "")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(text.encode("utf-8"))
    os.replace(tmp, path)


def write_digest(d: Digest, out_dir: Path) -> DigestFiles:
    """Write ``digest-<day>[-<topic>].html`` and ``.md`` into ``out_dir`` (atomically)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = DigestFiles(out_dir / f"{file_stem(d)}.html", out_dir / f"{file_stem(d)}.md")
    _write(files.html, render_html(d))
    _write(files.markdown, render_markdown(d))
    return files
