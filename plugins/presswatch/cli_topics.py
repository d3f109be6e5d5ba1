"""CLI commands for topics and search: ``presswatch search`` and ``presswatch topics ...``.

Standalone click objects; ``presswatch.cli`` registers them with ``main.add_command``.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click


def _settings() -> Any:
    from presswatch.cli import _settings as settings_or_click_error  # lazy: cli imports us

    return settings_or_click_error()


def _since(value: str | None) -> datetime | None:
    """``YYYY-MM-DD`` (UTC) or a relative age such as ``7d``, ``12h``, ``2w``."""
    if not value:
        return None
    m = re.fullmatch(r"(\d+)\s*([hdw])", value.strip())
    if m:
        unit = {"h": "hours", "d": "days", "w": "weeks"}[m.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: int(m.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD or an age such as 7d, 12h, 2w",
                                 param_hint="--since") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _reader() -> Any:
    from presswatch import warehouse

    try:
        return warehouse.reader(_settings())
    except warehouse.WarehouseError as exc:
        raise click.ClickException(str(exc)) from exc


def _run_read(fn: Any) -> Any:
    """Run ``fn(con)`` on a read-only connection, turning known errors into clean messages."""
    import duckdb

    from presswatch import querylang, warehouse

    try:
        with _reader() as con:
            return fn(con)
    except querylang.QueryError as exc:
        raise click.ClickException(exc.describe()) from exc
    except warehouse.WarehouseError as exc:
        raise click.ClickException(str(exc)) from exc
    except duckdb.CatalogException as exc:
        raise click.ClickException(
            "the warehouse has no topic tables yet: run `presswatch run` (or "
            "`presswatch topics import topics.yml`) once to migrate it") from exc


def _print_hits(hits: Any) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, width=200 if not sys.stdout.isatty() else None)
    for h in hits:
        when = h.published_at.strftime("%Y-%m-%d") if h.published_at else "----------"
        console.print(f"[bold]{escape(h.title or '(no title)')}[/bold]  "
                      f"[dim]{when} {escape(h.domain)} {h.language or '?'} score {h.score:.2f}[/dim]")
        marked = escape(h.snippet).replace("**", "\x00")
        parts = marked.split("\x00")
        console.print("  " + "".join(f"[reverse]{p}[/reverse]" if i % 2 else p
                                     for i, p in enumerate(parts)))
        console.print(f"  [dim]{escape(h.url)}[/dim]")


@click.command("search")
@click.argument("query")
@click.option("--since", default=None, help="Only articles since YYYY-MM-DD or an age (7d, 12h).")
@click.option("--lang", "langs", multiple=True, help="Only this language (ISO 639-1); repeatable.")
@click.option("--limit", default=20, type=click.IntRange(1, 1000), show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def search_cmd(query: str, since: str | None, langs: tuple[str, ...], limit: int,
               as_json: bool) -> None:
    """Search the archive: terms, "phrases", AND/OR/NOT, (), term*, NEAR/n, title:/lang:/...

    Results are ranked (BM25) with the matches highlighted."""
    from presswatch.search import search

    result = _run_read(lambda con: search(con, query, since=_since(since),
                                          languages=list(langs) or None, limit=limit))
    if as_json:
        click.echo(json.dumps({"query": query, "total": result.total,
                               "elapsed_s": round(result.elapsed_s, 4),
                               "hits": [h.as_dict() for h in result.hits]},
                              ensure_ascii=False, indent=1))
        return
    click.echo(f"{result.total} articles match ({result.elapsed_s:.2f}s)"
               + (f"; best {len(result.hits)}:" if result.hits else ""))
    _print_hits(result.hits)


@click.group("topics")
def topics_group() -> None:
    """Topics: saved queries whose matching articles are tagged as they arrive."""


@topics_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def topics_list(as_json: bool) -> None:
    """List topics with their version and matching articles."""
    from presswatch.warehouse import sql

    rows = _run_read(lambda con: con.execute(sql("queries/topics_overview.sql")).fetchall())
    keys = ["name", "version", "matches", "last_match_at", "languages", "description"]
    data = [dict(zip(keys, r, strict=True)) for r in rows]
    if as_json:
        click.echo(json.dumps(data, default=str, ensure_ascii=False, indent=1))
        return
    if not data:
        click.echo("no topics yet: `presswatch topics import topics.yml`")
    for d in data:
        last = d["last_match_at"].strftime("%Y-%m-%d %H:%M") if d["last_match_at"] else "-"
        click.echo(f"{d['name']:<28} v{d['version']:<3} {d['matches']:>8} articles  last {last}"
                   f"  {d['description'] or ''}"[:200])


@topics_group.command("show")
@click.argument("name")
@click.option("--days", default=14, type=click.IntRange(1, 3650), show_default=True)
@click.option("--json", "as_json", is_flag=True)
def topics_show(name: str, days: int, as_json: bool) -> None:
    """Show a topic: its query, daily attention and the latest matching articles."""
    from presswatch.warehouse import sql

    def collect(con: Any) -> dict[str, Any]:
        topic = con.execute(sql("queries/topic_definition.sql"), [name]).fetchone()
        if topic is None:
            raise click.ClickException(f"no topic named {name!r} (see `presswatch topics list`)")
        daily = con.execute(sql("queries/topic_recent_days.sql"), [name, days]).fetchall()
        latest = con.execute(sql("queries/topic_latest_articles.sql"), [name, 10]).fetchall()
        return {"name": topic[0], "query": topic[1], "description": topic[2],
                "languages": topic[3], "version": topic[4], "updated_at": topic[5],
                "daily": [dict(zip(["day", "articles", "share", "complete", "incomplete_reason"],
                                   r, strict=True)) for r in daily],
                "latest": [dict(zip(["matched_at", "title", "domain", "url", "matched_terms"],
                                    r, strict=True)) for r in latest]}

    data = _run_read(collect)
    if as_json:
        click.echo(json.dumps(data, default=str, ensure_ascii=False, indent=1))
        return
    click.echo(f"{data['name']} (version {data['version']}): {data['description'] or ''}")
    click.echo(f"query: {data['query']}")
    if data["languages"]:
        click.echo(f"languages: {', '.join(data['languages'])}")
    click.echo("day          articles   share  complete")
    for d in data["daily"]:
        share = f"{d['share']:.2%}" if d["share"] is not None else "-"
        flag = "yes" if d["complete"] else f"no ({d['incomplete_reason']})"
        click.echo(f"{d['day']}  {d['articles']:>8}  {share:>6}  {flag}")
    click.echo("latest:")
    for a in data["latest"]:
        click.echo(f"  {a['title'] or '(no title)'}  [{a['domain']}]  {', '.join(a['matched_terms'])}")


@topics_group.command("test")
@click.argument("query")
@click.option("--since", default=None, help="Only articles since YYYY-MM-DD or an age (7d).")
@click.option("--lang", "langs", multiple=True)
@click.option("--json", "as_json", is_flag=True)
def topics_test(query: str, since: str | None, langs: tuple[str, ...], as_json: bool) -> None:
    """How many archive articles QUERY matches, with a sample (nothing is saved)."""
    from presswatch.search import search

    result = _run_read(lambda con: search(con, query, since=_since(since),
                                          languages=list(langs) or None, limit=10))
    if as_json:
        click.echo(json.dumps({"query": query, "matches": result.total,
                               "sample": [h.as_dict() for h in result.hits]},
                              ensure_ascii=False, indent=1))
        return
    click.echo(f"{result.total} articles would match; a sample:")
    _print_hits(result.hits)


@topics_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--wait", "wait_s", default=30.0, type=float, show_default=True,
              help="Seconds to wait if a cycle is writing.")
def topics_import(path: Path, wait_s: float) -> None:
    """Add and update topics from a topics.yml file; re-tag the archive for changed ones."""
    from presswatch import topics, warehouse

    try:
        topics.load_topics_file(path)  # validate before taking the writer lock
        with warehouse.writer(_settings(), wait_s=wait_s) as con:
            res = topics.import_topics(con, path)
    except (topics.TopicError, warehouse.WarehouseError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(res.added)} added, {len(res.updated)} updated, "
               f"{len(res.unchanged)} unchanged")
    for name, n in res.retagged.items():
        click.echo(f"  {name}: {n} matching articles (archive re-tagged)")
