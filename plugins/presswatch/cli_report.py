"""CLI commands for the daily digest and spike alerts: ``presswatch report`` and ``alert``.

Standalone click objects; ``presswatch.cli`` registers them with ``main.add_command``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click


def _settings() -> Any:
    from presswatch.cli import _settings as settings_or_click_error  # lazy: cli imports us

    return settings_or_click_error()


def parse_day(value: str | None) -> date | None:
    """``YYYY-MM-DD``, ``today`` or ``yesterday`` (UTC); None: the latest day with data."""
    if not value:
        return None
    text = value.strip().lower()
    today = datetime.now(UTC).date()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, today or yesterday (UTC days)",
                                 param_hint="--date") from None


def _missing_schema(exc: Exception) -> click.ClickException:
    return click.ClickException(
        f"the warehouse is not migrated for this command ({str(exc).splitlines()[0]}): run "
        "`presswatch run` once, or read the published snapshot with --published")


@click.command("report")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD",
              help="The UTC day (default: the latest day with articles).")
@click.option("--topic", default=None, help="Only this topic (file name gets its suffix).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the files (default: PRESSWATCH_REPORT_DIR, "
                   "<warehouse dir>/reports).")
@click.option("--published", is_flag=True,
              help="Read the published snapshot instead of the live warehouse.")
@click.option("--smtp", is_flag=True, help="Also e-mail the digest (PRESSWATCH_SMTP_*).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def report_cmd(day: str | None, topic: str | None, out_dir: Path | None, published: bool,
               smtp: bool, as_json: bool) -> None:
    """Write the daily digest: one self-contained HTML file and a Markdown version.

    Per topic: articles and stories against the usual level, 30 days of attention, top stories
    with how many outlets carried each, share of voice; then pipeline health."""
    import duckdb

    from presswatch import delivery, digest, digest_render, warehouse
    from presswatch.alerts import AlertConfig, AlertError
    from presswatch.snapshot import snapshot_path

    settings = _settings()
    wanted = parse_day(day)
    try:
        cfg = AlertConfig.from_settings(settings)
        with warehouse.reader(settings, snapshot_path(settings) if published else None) as con:
            d = digest.gather(con, wanted, topic, cfg)
    except (warehouse.WarehouseError, AlertError, LookupError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from exc
    except duckdb.CatalogException as exc:
        raise _missing_schema(exc) from exc
    files = digest_render.write_digest(d, out_dir or settings.reports)
    mailed = None
    if smtp:
        try:
            subject = (f"[presswatch] digest {d.day.isoformat()}: {len(d.topics)} topics"
                       + (f", {len(d.spikes)} spiking" if d.spikes else ""))
            msg = delivery.digest_email(subject, files.markdown.read_text("utf-8"),
                                        files.html.read_text("utf-8"),
                                        sender=settings.smtp_from or "",
                                        to=delivery.recipients(settings), day=d.day.isoformat())
            delivery.SmtpMailer(settings)(msg)
            mailed = ", ".join(delivery.recipients(settings))
        except (delivery.DeliveryError, OSError, ValueError) as exc:
            raise click.ClickException(f"digest written, but not e-mailed: {exc}") from exc
    if as_json:
        click.echo(json.dumps({"day": d.day.isoformat(), **files.as_dict(),
                               "topics": [t.name for t in d.topics],
                               "spikes": [t.name for t in d.spikes], "mailed_to": mailed},
                              indent=1))
        return
    click.echo(f"digest of {d.day.isoformat()}: {len(d.topics)} topics"
               + (f", spiking: {', '.join(t.name for t in d.spikes)}" if d.spikes else ""))
    click.echo(f"  {files.html}\n  {files.markdown}")
    if mailed:
        click.echo(f"  e-mailed to {mailed}")


@click.command("alert")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD",
              help="The UTC day judged, with the day before (default: the latest day with data).")
@click.option("--topic", default=None, help="Only this topic.")
@click.option("--smtp", is_flag=True, help="Send by e-mail (PRESSWATCH_SMTP_*).")
@click.option("--webhook", is_flag=True, help="POST JSON to PRESSWATCH_WEBHOOK_URL.")
@click.option("--webhook-url", default=None, help="POST JSON to this http(s) URL instead.")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; record and send nothing.")
@click.option("--history", "history", is_flag=True, help="List the recorded alerts and exit.")
@click.option("--wait", "wait_s", default=120.0, type=float, show_default=True,
              help="Seconds to wait if a cycle is writing.")
@click.option("--json", "as_json", is_flag=True)
def alert_cmd(day: str | None, topic: str | None, smtp: bool, webhook: bool,
              webhook_url: str | None, dry_run: bool, history: bool, wait_s: float,
              as_json: bool) -> None:
    """Detect coverage spikes per topic and send one alert per event.

    Without --smtp/--webhook it only shows the spikes. Each event is recorded in
    alert_history before it is sent, so running again sends nothing twice."""
    from presswatch import alerts, delivery, warehouse

    settings = _settings()
    if history:
        _print_history(settings, as_json)
        return
    wanted = parse_day(day)
    try:
        senders, targets = delivery.senders_for(
            settings, smtp=smtp,
            webhook_url=(webhook_url or settings.webhook_url or "") if (webhook or webhook_url)
            else None)
        run = alerts.run_alerts(settings, senders=senders, targets=targets, day=wanted,
                                topic=topic, dry_run=dry_run, wait_s=wait_s)
    except (delivery.DeliveryError, alerts.AlertError, warehouse.WarehouseError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(run.as_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        _print_run(run, dry_run)
    if run.failed:
        raise SystemExit(1)


def _print_run(run: Any, dry_run: bool) -> None:
    if run.day is None:
        click.echo("no articles yet: nothing to judge")
        return
    previous = (run.day - timedelta(days=1)).isoformat()
    click.echo(f"judged {previous} and {run.day.isoformat()}: {len(run.events)} new spike "
               f"event{'s' if len(run.events) != 1 else ''}"
               + (f" ({len(run.suppressed)} kept quiet by the cool-down)" if run.suppressed
                  else ""))
    for p in run.events:
        usual = p["baseline"]["median"]
        click.echo(f"  {p['topic']} {p['day']}: {p['stories']} stories, {p['articles']} "
                   f"articles (usually {usual:g}; score {p['score']:.1f})")
    if not run.channels or dry_run:
        if run.events:
            click.echo("nothing sent: " + ("--dry-run" if dry_run else
                                            "give --smtp and/or --webhook to deliver"))
        return
    click.echo(f"channels {', '.join(run.channels)}: {run.recorded} recorded, {run.sent} sent, "
               f"{run.failed} failed")
    for error in run.errors:
        click.echo(f"  failed: {error}", err=True)


def _print_history(settings: Any, as_json: bool) -> None:
    import duckdb

    from presswatch import warehouse
    from presswatch.warehouse import sql

    keys = ["topic", "event_day", "channel", "status", "stories", "articles", "median",
            "threshold", "attempts", "detected_at", "sent_at", "last_error", "target"]
    try:
        with warehouse.reader(settings) as con:
            rows = [dict(zip(keys, r, strict=True)) for r in
                    con.execute(sql("queries/alert_history.sql"), [50]).fetchall()]
    except warehouse.WarehouseError as exc:
        raise click.ClickException(str(exc)) from exc
    except duckdb.CatalogException as exc:
        raise _missing_schema(exc) from exc
    if as_json:
        click.echo(json.dumps(rows, default=str, indent=1))
        return
    if not rows:
        click.echo("no alerts recorded yet")
    for r in rows:
        sent = r["sent_at"].strftime("%Y-%m-%d %H:%M") if r["sent_at"] else "-"
        click.echo(f"{r['event_day']}  {r['topic']:<24} {r['channel']:<8} {r['status']:<8} "
                   f"{r['stories']:>4} stories  sent {sent}  attempts {r['attempts']}"
                   + (f"  {r['last_error']}" if r["last_error"] else ""))
