"""``presswatch stories`` and ``presswatch explain``: standalone click commands (registered in
cli.py with ``main.add_command``). Read-only: they open the warehouse with a reader."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

_RELATIVE = re.compile(r"^(\d+)\s*([hdw])$")


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """'7d', '12h', '2w' (relative to now) or an ISO date/time (UTC when no zone is given)."""
    if not value:
        return None
    m = _RELATIVE.match(value.strip().lower())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
        return (now or datetime.now(UTC)) - delta
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: use a date (2024-01-31), a time (2024-01-31T08:00) or 7d / 12h / 2w",
            param_hint="--since") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _reader() -> Any:
    from presswatch import warehouse
    from presswatch.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        return warehouse.reader(settings)
    except warehouse.WarehouseError as exc:
        raise click.ClickException(str(exc)) from exc


def _rows(cur: Any) -> list[dict[str, Any]]:
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _has_table(con: Any, name: str) -> bool:
    return bool(con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchone())


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


@click.command("stories")
@click.option("--topic", help="Only stories with an article matching this topic.")
@click.option("--since", help="Stories seen since: 2024-01-31, 7d, 12h, 2w.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story.")
def stories_command(topic: str | None, since: str | None, limit: int, as_json: bool) -> None:
    """List the largest stories (most outlets first) with their outlets."""
    from presswatch import warehouse
    from presswatch.warehouse import sql

    since_at = parse_since(since)
    try:
        with _reader() as con:
            if not _has_table(con, "story_links"):
                raise click.ClickException("no stories yet: run `presswatch run` first")
            if topic:
                if not _has_table(con, "topic_matches"):
                    raise click.ClickException(
                        "no topics yet: import some with `presswatch topics import FILE`")
                rows = _rows(con.execute(sql("queries/stories_top_topic.sql"),
                                         [since_at, limit, topic]))
            else:
                rows = _rows(con.execute(sql("queries/stories_top.sql"), [since_at, limit]))
    except warehouse.WarehouseError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, default=str, ensure_ascii=False))
        return
    if not rows:
        click.echo("no stories" + (f" for topic {topic!r}" if topic else "")
                   + (f" since {_when(since_at)}" if since_at else ""))
        return
    for r in rows:
        click.echo(f"{r['n_outlets']:>3} outlets {r['n_articles']:>4} articles  "
                   f"{_when(r['first_seen'])} .. {_when(r['last_seen'])}  story {r['story_id']}")
        click.echo(f"    {r['title'] or '(no title)'}")
        click.echo(f"    outlets: {', '.join(r['outlets'])}")


def _resolve(con: Any, target: str) -> int | None:
    from presswatch.warehouse import sql

    as_id = int(target) if re.fullmatch(r"-?\d+", target.strip()) else None
    urls = [target.strip()]
    try:
        from presswatch.urls import normalize_url

        norm = normalize_url(target.strip())
        if norm and norm not in urls:
            urls.append(norm)
    except Exception:  # noqa: BLE001 - a URL we cannot normalise is looked up as given
        pass
    for url in urls:
        found = [r[0] for r in con.execute(sql("queries/stories_resolve.sql"), [url, as_id])
                 .fetchall()]
        if found:
            return int(found[0])
    return None


@click.command("explain")
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain_command(article: str, as_json: bool) -> None:
    """Say why ARTICLE (an article id or URL) is in its story."""
    from presswatch import warehouse
    from presswatch.warehouse import sql

    try:
        with _reader() as con:
            if not _has_table(con, "story_links"):
                raise click.ClickException("no stories yet: run `presswatch run` first")
            aid = _resolve(con, article)
            if aid is None:
                raise click.ClickException(f"no article with id or URL {article!r}")
            found = _rows(con.execute(sql("queries/stories_explain.sql"), [aid]))
            if not found:
                raise click.ClickException(
                    f"article {aid} has no story yet (the next `presswatch run` assigns one)")
            row = found[0]
            chain = [row]
            seen = {aid}
            while chain[-1]["matched_article_id"] is not None and len(chain) < 20:
                nxt = chain[-1]["matched_article_id"]
                if nxt in seen:
                    break
                seen.add(nxt)
                more = _rows(con.execute(sql("queries/stories_explain.sql"), [nxt]))
                if not more:
                    break
                chain.append(more[0])
            members = _rows(con.execute(sql("queries/stories_members.sql"), [row["story_id"]]))
    except warehouse.WarehouseError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"article": row, "chain": chain, "members": members},
                              default=str, ensure_ascii=False, indent=1))
        return
    click.echo(f"article {row['article_id']}  {row['outlet']}  {_when(row['dated_at'])}")
    click.echo(f"  {row['title'] or '(no title)'}")
    click.echo(f"  {row['url']}")
    click.echo(f"story {row['story_id']}: {row['story_title'] or '(no title)'}")
    click.echo(f"  {row['n_articles']} articles from {row['n_outlets']} outlets, "
               f"{_when(row['first_seen'])} .. {_when(row['last_seen'])}; "
               f"original: article {row['representative_article_id']}")
    click.echo("why:")
    for hop in chain:
        if hop["layer"] == "self":
            click.echo(f"  {hop['article_id']} started the story (nothing earlier matched)")
            continue
        sim = "" if hop["similarity"] is None else f" similarity {hop['similarity']:.2f}"
        click.echo(f"  {hop['article_id']} joined by layer {hop['layer']}{sim}: matched "
                   f"{hop['matched_article_id']} ({hop['matched_outlet']}) {hop['matched_url']}")
        if hop["detail"]:
            click.echo(f"      {hop['detail']}")
    click.echo("members:")
    for m in members:
        sim = "" if m["similarity"] is None else f" {m['similarity']:.2f}"
        click.echo(f"  {m['article_id']:>20}  {_when(m['dated_at'])}  {m['outlet']:<24} "
                   f"{m['layer']}{sim}")
