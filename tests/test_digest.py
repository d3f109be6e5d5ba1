"""The daily digest: golden files from a deterministic fixture warehouse (byte-identical output),
escaping and http(s)-only links, stories counted once however many outlets, incomplete days,
the publication-day rule, and the ``presswatch report`` command.

Regenerate the golden files after an intended change with::

    UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/test_digest.py
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from presswatch import digest, digest_render

try:
    from tests.support.digest_data import DAY, HOSTILE_TITLE, fixture_warehouse, series_warehouse
except ImportError:
    from support.digest_data import DAY, HOSTILE_TITLE, fixture_warehouse, series_warehouse

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def fixture_path(tmp_path_factory) -> Path:
    return fixture_warehouse(tmp_path_factory.mktemp("digest") / "fixture.duckdb")


@pytest.fixture(scope="module")
def rendered(fixture_path) -> dict[str, str]:
    con = duckdb.connect(str(fixture_path), read_only=True)
    try:
        d = digest.gather(con, DAY)
    finally:
        con.close()
    return {"html": digest_render.render_html(d), "md": digest_render.render_markdown(d)}


@pytest.mark.parametrize("kind", ["html", "md"])
def test_golden(rendered, kind):
    path = GOLDEN / f"digest-{DAY.isoformat()}.{kind}"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(rendered[kind].encode("utf-8"))
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 once"
    expected = path.read_bytes().decode("utf-8")
    if rendered[kind] != expected:  # show the first differing line, not 60 KB
        got, want = rendered[kind].splitlines(), expected.splitlines()
        line = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                    min(len(got), len(want)))
        pytest.fail(f"{path.name} differs at line {line + 1} (UPDATE_GOLDEN=1 to accept):\n"
                    f"- {want[line] if line < len(want) else '<end>'}\n"
                    f"+ {got[line] if line < len(got) else '<end>'}")


def test_same_warehouse_same_bytes_whatever_the_session(fixture_path, rendered, tmp_path):
    """A second warehouse built from the same fixture, read with another session time zone and
    without --date, renders the same bytes; so do the written files."""
    other = fixture_warehouse(tmp_path / "again.duckdb")
    con = duckdb.connect(str(other), read_only=True)
    try:
        con.execute("SET TimeZone = 'Pacific/Auckland'")
        d = digest.gather(con)  # the default day: the latest day with data
    finally:
        con.close()
    assert d.day == DAY
    assert digest_render.render_html(d) == rendered["html"]
    assert digest_render.render_markdown(d) == rendered["md"]
    files = digest_render.write_digest(d, tmp_path / "out")
    assert files.html.name == f"digest-{DAY.isoformat()}.html"
    assert files.html.read_bytes() == rendered["html"].encode("utf-8")
    assert files.markdown.read_bytes() == rendered["md"].encode("utf-8")


def test_html_is_self_contained_escaped_and_links_only_http(rendered):
    page = rendered["html"]
    assert "<script" not in page.lower()
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page  # the hostile title, as text
    assert 'onerror="' not in page and "onmouseover=\"window" not in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("https://", "http://", "#")) for h in hrefs), hrefs
    assert not re.search(r"<[^>]*\s(src|srcset|action|formaction|xlink:href)\s*=", page)
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert page.count("<svg") == 9  # attention, outlets and languages for three topics
    assert "\u202e" not in page and "\x07" not in page  # bidi override and control chars dropped


def test_markdown_is_inert(rendered):
    md = rendered["md"]
    assert "](javascript:" not in md and "](data:" not in md
    assert "\\<script\\>window.__pwned=1\\</script\\>" in md
    assert "\\[click\\](https://evil.example/)" in md  # not a link
    links = re.findall(r"\]\(([^)]*)\)", md)
    assert links and all(u.startswith(("https://", "http://")) for u in links), links


def test_topic_sections(fixture_path):
    con = duckdb.connect(str(fixture_path), read_only=True)
    try:
        d = digest.gather(con, DAY)
    finally:
        con.close()
    assert [t.name for t in d.topics] == ["harbour_budget", "water", "quiet_topic"]
    harbour = d.topics[0]
    assert harbour.spike.spike and [t.name for t in d.spikes] == ["harbour_budget"]
    assert (harbour.today.articles, harbour.today.stories) == (48, 14)
    assert harbour.stories_median == 3.0 and harbour.median_days == 26  # 2 incomplete days out
    wire = harbour.top_stories[0]
    assert (wire.outlets, wire.articles, wire.new) == (30, 30, True)
    assert len({s.story_key for s in harbour.top_stories}) == len(harbour.top_stories)
    assert harbour.stories_listed == 14 and len(harbour.top_stories) == 10
    assert len(harbour.points) == 30 and harbour.points[-1].day == DAY
    assert harbour.today.share == pytest.approx(48 / d.health.today.articles)
    water = next(t for t in d.topics if t.name == "water")
    assert any(s.title == HOSTILE_TITLE.strip() for s in water.top_stories)
    assert {v.key for v in water.languages} >= {"en", "und"}
    assert sum(v.share for v in water.outlets) == pytest.approx(1.0)
    incomplete = {h.day: h.incomplete for h in d.health.incomplete_days}
    assert incomplete == {DAY - timedelta(days=10): "no_run", DAY - timedelta(days=5): "feeds_failed"}
    assert [p.incomplete for p in harbour.points if p.incomplete] == ["no_run", "feeds_failed"]
    assert dict(d.health.feeds_by_status) == {"dead": 1, "failing": 2, "ok": 5}
    assert {(f.kind, f.reason): f.events for f in d.health.failures} == {
        ("page", "http_404"): 2, ("page", "timeout"): 1, ("feed", "http_5xx"): 1,
        ("extraction", "extraction_empty"): 2}
    con = duckdb.connect(str(fixture_path), read_only=True)
    try:
        one = digest.gather(con, DAY, "water")
    finally:
        con.close()
    assert [t.name for t in one.topics] == ["water"] and one.topic_filter == "water"


def test_day_in_progress_and_publication_day(tmp_path):
    path = series_warehouse(tmp_path / "w.duckdb", {"t": {DAY: [1, 1], DAY - timedelta(1): [1]}},
                            DAY, days_back=20, day_complete=False)
    con = duckdb.connect(str(path))
    # an undated article first fetched on DAY counts on DAY; an old article ingested on DAY
    # (a back catalogue) counts on its own publication day
    fetched = datetime(2026, 11, 20, 9, tzinfo=UTC)
    for aid, published in ((1, None), (2, datetime(2026, 11, 2, 8, tzinfo=UTC))):
        con.execute("INSERT INTO articles (article_id, url, title, text, domain, published_at, "
                    "first_fetched_at, fetched_at, extraction_method, extractor, content_hash, "
                    "word_count) VALUES (?, ?, 'x', 'x', 'a.example', ?, ?, ?, 'trafilatura', "
                    "'t', 'h', 1)", [aid, f"https://a.example/{aid}", published, fetched, fetched])
        con.execute("INSERT INTO topic_matches VALUES ('t', 1, ?, ?, ['x'])", [aid, fetched])
    d = digest.gather(con, DAY)
    con.close()
    assert d.health.today.incomplete == "in_progress"
    t = d.topics[0]
    assert t.today.articles == 3 and t.today.stories == 3
    assert next(p for p in t.points if p.day == date(2026, 11, 2)).articles == 1
    assert "day still in progress" in digest_render.render_html(d)


def test_cli_report(fixture_path, rendered, tmp_path):
    from presswatch.cli import main

    runner = CliRunner()
    env = {"PRESSWATCH_WAREHOUSE": str(fixture_path), "PRESSWATCH_REPORT_DIR": ""}
    out = tmp_path / "reports"
    res = runner.invoke(main, ["report", "--date", DAY.isoformat(), "--out", str(out)], env=env)
    assert res.exit_code == 0, res.output
    assert "spiking: harbour_budget" in res.output
    assert (out / f"digest-{DAY.isoformat()}.html").read_text("utf-8") == rendered["html"]
    assert (out / f"digest-{DAY.isoformat()}.md").read_text("utf-8") == rendered["md"]
    res = runner.invoke(main, ["report", "--topic", "water", "--out", str(out), "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert (out / f"digest-{DAY.isoformat()}-water.html").exists()
    for args, message in ((["--topic", "nope"], "no topic named 'nope'"),
                          (["--date", "yesterday-ish"], "YYYY-MM-DD")):
        res = runner.invoke(main, ["report", "--out", str(out), *args], env=env)
        assert res.exit_code != 0 and message in res.output, res.output
    res = runner.invoke(main, ["report"], env={"PRESSWATCH_WAREHOUSE": str(tmp_path / "none.duckdb")})
    assert res.exit_code != 0 and "presswatch run" in res.output
