"""Delivering alerts (and digests): e-mail over SMTP and a generic JSON webhook.

The SMTP server and the webhook URL are the user's own configuration, so they are not subject
to the private-network guard of presswatch.fetcher (a relay on localhost or a chat server on the
LAN is normal); but a webhook must be an http(s) URL, redirects are not followed (a POST is not
replayed elsewhere), and each request has a deadline.

- :class:`SmtpMailer`: smtplib to ``PRESSWATCH_SMTP_HOST:PORT`` (TLS: ``auto`` uses STARTTLS when
  the server offers it, ``starttls`` requires it, ``ssl`` is implicit TLS, ``none`` is plain),
  login when ``PRESSWATCH_SMTP_USER`` is set.
- :class:`AirflowSmtpMailer`: the Airflow SMTP provider's hook on an Airflow connection
  (``smtp_default``), used by the DAG when that connection exists.
- :func:`post_json`: one POST with ``Content-Type: application/json``, an ``Idempotency-Key``
  (the payload hash) and, with ``PRESSWATCH_WEBHOOK_SECRET``, ``X-Presswatch-Signature:
  sha256=<HMAC of the body>``. Any 2xx is success.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from presswatch import __version__
from presswatch.alerts import Delivery, Sender
from presswatch.digest_render import safe_href

TIMEOUT_S = 20.0
TLS_MODES = ("auto", "starttls", "ssl", "none")
Mailer = Callable[[EmailMessage], None]


class DeliveryError(RuntimeError):
    """A delivery failed, or its configuration is missing (the message names the setting)."""


# -- configuration ---------------------------------------------------------------------------

def recipients(settings: Any) -> list[str]:
    return [a.strip() for a in (settings.smtp_to or "").split(",") if a.strip()]


def check_smtp(settings: Any, *, need_host: bool = True) -> None:
    missing = [name for name, value in (("PRESSWATCH_SMTP_HOST", settings.smtp_host),
                                        ("PRESSWATCH_SMTP_FROM", settings.smtp_from),
                                        ("PRESSWATCH_SMTP_TO", settings.smtp_to))
               if not value and (need_host or name != "PRESSWATCH_SMTP_HOST")]
    if missing:
        raise DeliveryError(f"e-mail needs {', '.join(missing)} (see docs/digest.md)")
    if settings.smtp_tls not in TLS_MODES:
        raise DeliveryError(f"PRESSWATCH_SMTP_TLS={settings.smtp_tls!r}: use one of "
                            f"{', '.join(TLS_MODES)}")


def check_webhook_url(url: str | None) -> str:
    if not url:
        raise DeliveryError("the webhook needs PRESSWATCH_WEBHOOK_URL (or --webhook-url)")
    if not safe_href(url):
        raise DeliveryError("the webhook URL must be an absolute http:// or https:// URL")
    return url.strip()


def redacted(url: str) -> str:
    """scheme://host[:port]/… — webhook URLs often carry a token in the path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"


# -- e-mail ----------------------------------------------------------------------------------

def _message(subject: str, text: str, html_body: str, *, sender: str, to: list[str],
             message_id: str, headers: dict[str, str] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id
    msg["X-Mailer"] = f"presswatch {__version__}"
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(text)
    msg.add_alternative(html_body, subtype="html")
    return msg


def alert_subject(p: dict[str, Any]) -> str:
    usual = p["baseline"]["median"]
    return (f"[presswatch] {p['topic']}: {p['stories']} stories on {p['day']}"
            + (f" (usually {usual:g})" if usual is not None else ""))


def alert_text(p: dict[str, Any]) -> str:
    b = p["baseline"]
    lines = [f"Coverage of {p['topic']} spiked on {p['day']} (UTC).", ""]
    if p.get("description"):
        lines += [p["description"], ""]
    lines += [f"{p['stories']} stories ({p['articles']} articles from {p['outlets']} outlets) "
              f"against a usual {b['median']:g} a day: the median of the {b['days']} complete "
              f"days before, MAD {b['mad']:g}; score {p['score']:.1f}, spike from "
              f"{p['threshold']:.1f} stories (sensitivity {p['rule']['sensitivity']:g}).", ""]
    if p.get("day_incomplete"):
        lines += [f"Note: the day's ingest is incomplete ({p['day_incomplete']}).", ""]
    if p["top_stories"]:
        lines.append("Top stories:")
        for s in p["top_stories"]:
            lines.append(f"- {s['title']} ({s['outlets']} outlet{'s' if s['outlets'] != 1 else ''})")
            if safe_href(s["url"]):
                lines.append(f"  {s['url']}")
        lines.append("")
    lines += ["--", f"presswatch spike alert {p['event_id']}. One alert per event: spikes of this "
              f"topic within {p['rule']['cooldown_days']} days after it belong to it."]
    return "\n".join(lines) + "\n"


def alert_html(p: dict[str, Any]) -> str:
    e = html.escape
    b = p["baseline"]
    items = []
    for s in p["top_stories"]:
        href = safe_href(s["url"])
        title = (f'<a href="{e(href)}" rel="noopener noreferrer nofollow">{e(s["title"])}</a>'
                 if href else e(s["title"]))
        items.append(f"<li>{title} — <b>{int(s['outlets'])} outlets</b></li>")
    note = (f"<p><i>The day's ingest is incomplete ({e(p['day_incomplete'])}).</i></p>"
            if p.get("day_incomplete") else "")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(alert_subject(p))}'
            f'</title></head><body style="font-family:system-ui,sans-serif">'
            f"<h2>{e(p['topic'])}: {int(p['stories'])} stories on {e(p['day'])}</h2>"
            + (f"<p>{e(p['description'])}</p>" if p.get("description") else "")
            + f"<p><b>{int(p['stories'])}</b> stories ({int(p['articles'])} articles, "
              f"{int(p['outlets'])} outlets) against a usual <b>{b['median']:g}</b> (median of "
              f"{int(b['days'])} complete days, MAD {b['mad']:g}); score {p['score']:.1f}, spike "
              f"from {p['threshold']:.1f} stories.</p>{note}"
            + (f"<ol>{''.join(items)}</ol>" if items else "")
            + f"<p style=\"color:#666;font-size:.85em\">presswatch spike alert "
              f"{e(p['event_id'])}</p></body></html>")


def alert_email(p: dict[str, Any], payload_hash: str, *, sender: str,
                to: list[str]) -> EmailMessage:
    domain = sender.rpartition("@")[2].strip("> ") or "presswatch.invalid"
    return _message(alert_subject(p), alert_text(p), alert_html(p), sender=sender, to=to,
                    message_id=f"<spike.{p['topic']}.{p['day']}.{payload_hash[:16]}@{domain}>",
                    headers={"X-Presswatch-Event": p["event_id"]})


def digest_email(subject: str, text: str, html_body: str, *, sender: str,
                 to: list[str], day: str) -> EmailMessage:
    domain = sender.rpartition("@")[2].strip("> ") or "presswatch.invalid"
    digest_id = hashlib.sha256(html_body.encode("utf-8")).hexdigest()[:16]
    return _message(subject, text, html_body, sender=sender, to=to,
                    message_id=f"<digest.{day}.{digest_id}@{domain}>")


class SmtpMailer:
    """Send with smtplib to the configured server (one connection per message)."""

    def __init__(self, settings: Any, timeout: float = TIMEOUT_S) -> None:
        check_smtp(settings)
        self.settings = settings
        self.timeout = timeout

    def __call__(self, msg: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.smtp_tls == "ssl":
            client = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=self.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
        try:
            client.ehlo()
            if s.smtp_tls == "starttls" or (s.smtp_tls == "auto" and client.has_extn("starttls")):
                client.starttls(context=context)
                client.ehlo()
            if s.smtp_user:
                client.login(s.smtp_user, s.smtp_password or "")
            refused = client.send_message(msg)
            if refused:
                raise DeliveryError(f"recipients refused: {', '.join(sorted(refused))}")
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


class AirflowSmtpMailer:
    """Send through the Airflow SMTP provider (``SmtpHook`` on an Airflow connection): the
    connection's host, port, login and TLS extras apply. The hook sends the HTML part only."""

    def __init__(self, settings: Any, conn_id: str = "smtp_default") -> None:
        check_smtp(settings, need_host=False)
        self.conn_id = conn_id

    def __call__(self, msg: EmailMessage) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        part = msg.get_body(("html",))
        body = part.get_content() if part is not None else ""
        headers = {k: str(msg[k]) for k in ("Message-ID", "X-Presswatch-Event") if msg[k]}
        with SmtpHook(smtp_conn_id=self.conn_id) as hook:
            hook.send_email_smtp(to=[a.strip() for a in str(msg["To"]).split(",")],
                                 subject=str(msg["Subject"]), html_content=body,
                                 from_email=str(msg["From"]), custom_headers=headers)


# -- webhook ---------------------------------------------------------------------------------

class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx becomes an HTTPError: the POST is not replayed elsewhere


def post_json(url: str, body: bytes, *, key: str, secret: str | None = None,
              timeout: float = TIMEOUT_S) -> int:
    """POST ``body`` (JSON) to ``url``; returns the 2xx status or raises DeliveryError."""
    url = check_webhook_url(url)
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": f"presswatch/{__version__} (alerts)",
               "Idempotency-Key": key, "X-Presswatch-Event": "spike"}
    if secret:
        mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        headers["X-Presswatch-Signature"] = f"sha256={mac}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"webhook unreachable: {reason}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook answered HTTP {status}")
    return status


# -- senders for presswatch.alerts.run_alerts ------------------------------------------------

def senders_for(settings: Any, *, smtp: bool = False, webhook_url: str | None = None,
                mailer: Mailer | None = None) -> tuple[dict[str, Sender], dict[str, str | None]]:
    """The alert senders (channel -> callable) and the redacted targets to record, for the
    channels asked for. Raises DeliveryError when a channel is not configured."""
    senders: dict[str, Sender] = {}
    targets: dict[str, str | None] = {}
    if smtp:
        mail = mailer or SmtpMailer(settings)
        to = recipients(settings)
        sender_address = settings.smtp_from

        def send_mail(d: Delivery) -> None:
            mail(alert_email(d.payload, d.payload_hash, sender=sender_address, to=to))

        senders["smtp"] = send_mail
        targets["smtp"] = ", ".join(to)
    if webhook_url is not None:
        url = check_webhook_url(webhook_url)
        secret = settings.webhook_secret

        def send_webhook(d: Delivery) -> None:
            post_json(url, d.payload_json.encode("utf-8"), key=d.payload_hash, secret=secret)

        senders["webhook"] = send_webhook
        targets["webhook"] = redacted(url)
    return senders, targets
