"""The ``presswatch`` command line: a thin wrapper over the library."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from presswatch import __version__


def _settings() -> Any:
    from presswatch.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


class RichProgress:
    """Progress bars on a terminal (stderr); silent otherwise."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(TextColumn("{task.description:<8}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=False)
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def start(self, stage: str, total: int) -> None:
        self._tasks[stage] = self._progress.add_task(stage, total=total)

    def advance(self, stage: str, n: int = 1) -> None:
        if stage in self._tasks:
            self._progress.advance(self._tasks[stage], n)

    def finish(self, stage: str) -> None:
        if stage in self._tasks:
            task = self._tasks[stage]
            self._progress.update(task, completed=self._progress.tasks[task].total)


@click.group()
@click.version_option(__version__, prog_name="presswatch")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
def main(verbose: bool) -> None:
    """presswatch: collect news articles from feeds into DuckDB, once each."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@main.group()
def feeds() -> None:
    """Manage the feed list."""


def _read_source(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        from presswatch.fetcher import fetch_many

        res = fetch_many(_settings(), [(source, "feed", None, None)])[0]
        if res.outcome != "ok":
            raise click.ClickException(f"could not fetch {source}: {res.reason}")
        return res.body or b""
    path = Path(source)
    if not path.exists():
        raise click.ClickException(f"{source}: no such file (give an OPML file, a text file with one URL per line, or an http(s) URL)")
    return path.read_bytes()


@feeds.command("import")
@click.argument("source")
def feeds_import(source: str) -> None:
    """Import feeds from an OPML file, a text file (one URL per line) or a URL."""
    from presswatch import warehouse
    from presswatch.opml import parse_feed_list
    from presswatch.sources import add_feeds

    settings = _settings()
    parsed = parse_feed_list(_read_source(source))
    try:
        with warehouse.writer(settings, wait_s=30) as con:
            res = add_feeds(con, list(parsed.sources))
    except warehouse.WarehouseError as exc:
        raise _fail(exc) from exc
    click.echo(f"{res.added} feeds added, {res.already_present} already present, "
               f"{len(res.rejected) + len(parsed.rejected)} rejected")
    for item, why in [*res.rejected, *parsed.rejected]:
        click.echo(f"  rejected {item}: {why}", err=True)


@feeds.command("add")
@click.argument("url")
@click.option("--title", default=None)
def feeds_add(url: str, title: str | None) -> None:
    """Add one feed by URL."""
    from presswatch import warehouse
    from presswatch.opml import FeedSource
    from presswatch.sources import add_feeds

    settings = _settings()
    try:
        with warehouse.writer(settings, wait_s=30) as con:
            res = add_feeds(con, [FeedSource(url=url, title=title, site_url=None, category=None,
                                             language=None)])
    except warehouse.WarehouseError as exc:
        raise _fail(exc) from exc
    if res.rejected:
        raise click.ClickException(f"{url}: not an http(s) URL")
    click.echo("added" if res.added else "already present")


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def feeds_list(as_json: bool) -> None:
    """List feeds with their health."""
    from presswatch import warehouse
    from presswatch.sources import list_feeds

    try:
        with warehouse.reader(_settings()) as con:
            rows = list_feeds(con)
    except warehouse.WarehouseError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(rows, default=str, indent=1))
        return
    _table(["status", "entries", "stored", "last success", "last error", "url"],
           [[r["status"], r["entries"], r["stored"], _ts(r["last_success_at"]),
             r["last_error"] or "", r["url"]] for r in rows])


def _ts(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _table(headers: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, show_lines=False)
    for r in rows:
        table.add_row(*[str(c) for c in r])
    Console(width=200 if not sys.stdout.isatty() else None).print(table)


@main.command()
@click.option("--all", "all_feeds", is_flag=True, help="Poll every active feed now, due or not.")
@click.option("--wait", "wait_s", default=0.0, type=float,
              help="Seconds to wait if another cycle is running (default: exit at once).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def run(all_feeds: bool, wait_s: float, as_json: bool) -> None:
    """Run one monitoring cycle over the feeds that are due."""
    summary = run_with_progress(_settings(), all_feeds=all_feeds, wait_s=wait_s)
    if as_json:
        click.echo(json.dumps({"run_id": summary.run_id, "timings_s": summary.timings_s,
                               **summary.load.as_dict()}, indent=1, default=str))
    else:
        for line in summary.lines():
            click.echo(line)


def run_with_progress(settings: Any, **kwargs: Any) -> Any:
    from presswatch import warehouse
    from presswatch.pipeline import run_cycle

    try:
        if sys.stderr.isatty():
            with RichProgress() as bars:
                return run_cycle(settings, progress=bars, **kwargs)
        return run_cycle(settings, **kwargs)
    except warehouse.WarehouseError as exc:
        raise _fail(exc) from exc


@main.command()
@click.option("--json", "as_json", is_flag=True)
def status(as_json: bool) -> None:
    """Feed health, article counts and the last run."""
    from presswatch import warehouse
    from presswatch.status import collect_status

    try:
        with warehouse.reader(_settings()) as con:
            st = collect_status(con)
    except warehouse.WarehouseError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(st, indent=1, default=str))
        return
    click.echo(f"feeds: {st['feeds_total']} ({', '.join(f'{k} {v}' for k, v in st['feeds_by_status'].items())})")
    click.echo(f"articles: {st['articles']}  entries: {st['entries']}  "
               f"pages owed: {st['pages_pending']}  pages failed: {st['pages_failed']}")
    last = st["last_run"]
    if last:
        click.echo(f"last run: {last['run_id']} at {_ts(last['loaded_at'])}: "
                   f"{last['articles_new']} new articles, {last['feeds_failed']} feeds failed")
    else:
        click.echo("last run: none yet (run `presswatch run`)")
    if st["problem_feeds"]:
        click.echo("feeds needing attention:")
        for f in st["problem_feeds"]:
            click.echo(f"  {f['status']:<8} {f['last_error'] or '-':<24} {f['url']}")


@main.command()
@click.option("--limit", default=0, type=int, help="At most this many articles (0 = all).")
@click.option("--failed-only", is_flag=True, help="Only articles whose extraction came out empty.")
def reextract(limit: int, failed_only: bool) -> None:
    """Re-extract stored articles from their kept raw HTML (after an extractor upgrade)."""
    from presswatch import warehouse
    from presswatch.reextract import reextract_articles

    settings = _settings()
    try:
        with warehouse.writer(settings, wait_s=30) as con:
            n = reextract_articles(settings, con, limit=limit, failed_only=failed_only)
    except warehouse.WarehouseError as exc:
        raise _fail(exc) from exc
    click.echo(f"{n['changed']} of {n['seen']} articles changed")


@main.command()
@click.option("--port", default=8765, type=int, help="Port for the sample site (0: any free port).")
@click.option("--keep-serving", is_flag=True, help="Keep the sample site up after the cycle.")
def demo(port: int, keep_serving: bool) -> None:
    """Serve the bundled sample news site on 127.0.0.1 and run a cycle against it."""
    from presswatch.demo import run_demo

    run_demo(port=port, keep_serving=keep_serving, echo=click.echo,
             runner=lambda settings: run_with_progress(settings, all_feeds=True))


def _register() -> None:
    from presswatch.cli_report import alert_cmd, report_cmd
    from presswatch.cli_stories import explain_command, stories_command
    from presswatch.cli_topics import search_cmd, topics_group

    for command in (stories_command, explain_command, search_cmd, topics_group, report_cmd,
                    alert_cmd):
        main.add_command(command)


_register()

if __name__ == "__main__":
    main()
