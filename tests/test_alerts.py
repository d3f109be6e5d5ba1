"""Spike alerts: the rule on synthetic series (one injected spike -> exactly one alert; a second
burst inside the cool-down -> none; stories, not copies), the alert history (a repeated run
sends nothing new; a failed delivery is retried with the same payload), and delivery to a real
SMTP server (aiosmtpd) and a real HTTP receiver, both on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from presswatch import alerts, delivery
from presswatch.alerts import AlertConfig, check_day, judge
from presswatch.settings import load_settings

try:
    from tests.support.digest_data import series_warehouse
except ImportError:
    from support.digest_data import series_warehouse

REPO = Path(__file__).resolve().parents[1]
D = date(2026, 11, 20)
CFG = AlertConfig()


def days(n: int, end: date = D) -> list[date]:
    return [end - timedelta(days=i) for i in range(n - 1, -1, -1)]


def calm(day: date) -> int:
    return 2 + day.toordinal() % 2  # 2, 3, 2, 3, ...


# -- the rule, pure ----------------------------------------------------------------------------

def test_one_injected_spike_yields_one_alert_and_a_burst_in_the_cooldown_none():
    span = days(60, D + timedelta(days=20))
    stories = {d: calm(d) for d in span}
    stories[D] = 12  # the injected spike
    stories[D + timedelta(days=2)] = 11  # a second burst inside the 3-day cool-down
    complete = dict.fromkeys(span, True)
    judged = judge(stories, complete, days(40, D + timedelta(days=10)), CFG)
    assert [(c.day, c.reason) for c in judged if c.spike] == [(D, "spike")]
    assert [c.day for c in judged if c.reason == "cooldown"] == [D + timedelta(days=2)]
    spike = next(c for c in judged if c.spike)
    assert (spike.median, spike.mad, spike.baseline_days) == (2.5, 0.5, 14)
    assert spike.threshold == pytest.approx(2.5 + 3.5 * 1.5811, abs=1e-3)  # sqrt(2.5) floor
    # a burst after the cool-down is a new event
    stories[D + timedelta(days=6)] = 12
    again = judge(stories, complete, days(40, D + timedelta(days=10)), CFG)
    assert [c.day for c in again if c.spike] == [D, D + timedelta(days=6)]
    # an event alerted earlier (history) also silences a spike inside its cool-down
    quiet = judge(stories, complete, [D + timedelta(days=6)], CFG,
                  alerted=[D + timedelta(days=4)])
    assert quiet[0].reason == "cooldown"


def test_rule_floors_and_baseline():
    span = days(30)
    flat = dict.fromkeys(span, 0)
    complete = dict.fromkeys(span, True)
    # a topic usually silent (median 0, MAD 0): the scale floors at 1, so 4 stories are a spike
    # (score 4 >= 3.5) and 3 are not; min_stories is an absolute floor on top
    assert check_day({**flat, D: 4}, complete, D, CFG).spike
    assert check_day({**flat, D: 3}, complete, D, CFG).reason == "normal"
    low = check_day({**flat, D: 4}, complete, D, AlertConfig(min_stories=5))
    assert (low.spike, low.reason, low.score) == (False, "below_min_stories", 4.0)
    # a busy topic: sqrt(median) keeps Poisson noise from firing (median 100, MAD 0)
    busy = dict.fromkeys(span, 100)
    assert not check_day({**busy, D: 130}, complete, D, CFG).spike  # 3 sd = 30
    assert check_day({**busy, D: 136}, complete, D, CFG).spike  # 3.5 sd = 35
    # incomplete days are left out of the baseline (zeros from an outage do not lower it)
    outage = {d: (0 if i % 2 else 10) for i, d in enumerate(span)}
    holes = {d: i % 2 == 0 for i, d in enumerate(span)}
    chk = check_day({**outage, D: 14}, holes, D, CFG)
    assert chk.median == 10 and not chk.spike
    # too little history: not judged
    young = check_day({D: 50}, {D - timedelta(days=1): True}, D, CFG)
    assert (young.spike, young.reason) == (False, "short_history")
    # sensitivity setting
    mild = {**dict.fromkeys(span, 2), D: 6}  # score 2.83
    assert not check_day(mild, complete, D, CFG).spike
    assert check_day(mild, complete, D, AlertConfig(sensitivity=2.0)).spike


def test_settings_drive_the_config():
    s = load_settings(env={"PRESSWATCH_ALERT_SENSITIVITY": "2.5",
                           "PRESSWATCH_ALERT_COOLDOWN_DAYS": "5",
                           "PRESSWATCH_ALERT_MIN_STORIES": "4",
                           "PRESSWATCH_ALERT_BASELINE_DAYS": "21"})
    cfg = AlertConfig.from_settings(s)
    assert (cfg.sensitivity, cfg.cooldown_days, cfg.min_stories, cfg.baseline_days) == (
        2.5, 5, 4, 21)
    with pytest.raises(alerts.AlertError, match="SENSITIVITY"):
        AlertConfig.from_settings(load_settings(env={"PRESSWATCH_ALERT_SENSITIVITY": "0"}))


# -- against a warehouse -------------------------------------------------------------------------

def spiky_series() -> dict[str, dict[date, list[int]]]:
    span = days(50, D + timedelta(days=10))
    spiky = {d: [1] * calm(d) for d in span}
    spiky[D] = [3, 2] + [1] * 10  # 12 stories, 15 articles
    spiky[D + timedelta(days=2)] = [1] * 11  # second burst inside the cool-down
    spiky[D + timedelta(days=7)] = [2] * 12  # a new event after it
    # a wire story syndicated to 30 outlets plus two others: 3 stories, 32 articles
    wire = {d: [1] * calm(d) for d in span}
    wire[D] = [30, 1, 1]
    return {"spiky": spiky, "wire": wire}


@pytest.fixture(scope="module")
def series_path(tmp_path_factory) -> Path:
    return series_warehouse(tmp_path_factory.mktemp("alerts") / "series.duckdb", spiky_series(),
                            D + timedelta(days=10), days_back=45)


@pytest.fixture
def wh(series_path, tmp_path) -> Path:
    """A fresh copy per test (the alert history is written into it)."""
    path = tmp_path / "warehouse" / "presswatch.duckdb"
    path.parent.mkdir(parents=True)
    path.write_bytes(series_path.read_bytes())
    return path


def test_a_wire_story_on_30_outlets_is_one_story(wh):
    con = duckdb.connect(str(wh), read_only=True)
    try:
        events, checks = alerts.detect(con, D, CFG, "wire")
    finally:
        con.close()
    today = next(c for t, c in checks if c.day == D)
    assert (today.stories, today.articles, today.spike) == (3, 32, False)
    assert events == []


class Receiver:
    """A real HTTP server on 127.0.0.1 that records POSTs; answers ``statuses`` in turn."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()},
                                    body))
                status = owner.statuses.pop(0) if owner.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/presswatch?token=s3cret"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[str, list[str], bytes]] = []
        owner = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001
                owner.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                       envelope.original_content or envelope.content))
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def mailbox():
    m = Mailbox()
    yield m
    m.close()


def _settings(wh: Path, mailbox: Mailbox | None, receiver: Receiver | None, **extra: str):
    env = {"PRESSWATCH_WAREHOUSE": str(wh), "PRESSWATCH_WEBHOOK_SECRET": "hmac-key",
           **extra}
    if mailbox:
        env.update(PRESSWATCH_SMTP_HOST="127.0.0.1", PRESSWATCH_SMTP_PORT=str(mailbox.port),
                   PRESSWATCH_SMTP_FROM="presswatch@example.org",
                   PRESSWATCH_SMTP_TO="desk@example.org, editor@example.org")
    if receiver:
        env["PRESSWATCH_WEBHOOK_URL"] = receiver.url
    return load_settings(env=env)


def _run(settings, day: date, **kw):
    senders, targets = delivery.senders_for(settings, smtp=bool(settings.smtp_host),
                                            webhook_url=settings.webhook_url)
    return alerts.run_alerts(settings, senders=senders, targets=targets, day=day, wait_s=5, **kw)


def test_one_event_one_alert_per_channel_and_no_resend(wh, mailbox, receiver):
    s = _settings(wh, mailbox, receiver)
    first = _run(s, D)
    assert [e["event_id"] for e in first.events] == [f"spiky/{D.isoformat()}"]
    assert (first.recorded, first.sent, first.failed) == (2, 2, 0)
    assert len(mailbox.messages) == 1 and len(receiver.posts) == 1

    # the e-mail: both recipients, text and HTML, a stable Message-ID
    mail_from, rcpts, raw = mailbox.messages[0]
    msg = message_from_bytes(raw, policy=policy.default)
    assert mail_from == "presswatch@example.org"
    assert sorted(rcpts) == ["desk@example.org", "editor@example.org"]
    assert msg["Subject"] == f"[presswatch] spiky: 12 stories on {D.isoformat()} (usually 2.5)"
    assert msg["X-Presswatch-Event"] == f"spiky/{D.isoformat()}"
    text = msg.get_body(("plain",)).get_content()
    assert "12 stories (15 articles" in text and "spike from" in text
    assert "<h2>spiky: 12 stories" in msg.get_body(("html",)).get_content()

    # the webhook: JSON body, hash as idempotency key, HMAC signature
    path, headers, body = receiver.posts[0]
    assert path == "/hooks/presswatch?token=s3cret"
    payload = json.loads(body)
    assert payload["type"] == "presswatch.spike" and payload["stories"] == 12
    assert payload["articles"] == 15 and payload["baseline"]["median"] == 2.5
    assert payload["text"].startswith("presswatch: spiky spiked on")
    assert headers["idempotency-key"] == hashlib.sha256(body).hexdigest()
    mac = hmac.new(b"hmac-key", body, hashlib.sha256).hexdigest()
    assert headers["x-presswatch-signature"] == f"sha256={mac}"
    assert headers["content-type"].startswith("application/json")

    # a repeated run (same day, then the next day judging this one again) sends nothing new
    for day in (D, D + timedelta(days=1)):
        again = _run(s, day)
        assert (again.recorded, again.sent) == (0, 0), day
    assert len(mailbox.messages) == 1 and len(receiver.posts) == 1

    # the second burst two days later is inside the cool-down: no alert
    burst = _run(s, D + timedelta(days=2))
    assert burst.events == [] and burst.sent == 0
    assert f"spiky/{(D + timedelta(days=2)).isoformat()}" in burst.suppressed

    # after the cool-down a new burst is a new event
    later = _run(s, D + timedelta(days=7))
    assert [e["day"] for e in later.events] == [(D + timedelta(days=7)).isoformat()]
    assert later.sent == 2 and len(mailbox.messages) == 2 and len(receiver.posts) == 2

    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("SELECT topic, event_day, channel, status, attempts, target, "
                       "payload_hash FROM alert_history ORDER BY event_day, channel").fetchall()
    con.close()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        ("spiky", D, "smtp", "sent", 1), ("spiky", D, "webhook", "sent", 1),
        ("spiky", D + timedelta(days=7), "smtp", "sent", 1),
        ("spiky", D + timedelta(days=7), "webhook", "sent", 1)]
    assert rows[1][5] == f"http://127.0.0.1:{receiver.server.server_address[1]}/…"  # no token
    assert rows[1][6] == hashlib.sha256(body).hexdigest()


def test_a_failed_delivery_is_retried_with_the_same_payload(wh, mailbox):
    flaky = Receiver(statuses=[500])
    try:
        s = _settings(wh, mailbox, flaky)
        first = _run(s, D)
        assert (first.sent, first.failed) == (1, 1)  # mail sent, webhook failed
        assert "webhook answered HTTP 500" in first.errors[0]
        second = _run(s, D)
        assert (second.recorded, second.sent, second.failed) == (0, 1, 0)
        assert len(mailbox.messages) == 1  # the mail was not sent again
        assert len(flaky.posts) == 2 and flaky.posts[0][2] == flaky.posts[1][2]
        assert _run(s, D).sent == 0
    finally:
        flaky.close()


def test_dry_run_and_preview_record_nothing(wh, receiver):
    s = _settings(wh, None, receiver)
    preview = alerts.run_alerts(s, senders={}, day=D)
    assert len(preview.events) == 1 and preview.recorded == 0
    dry = _run(s, D, dry_run=True)
    assert len(dry.events) == 1 and dry.recorded == 0 and receiver.posts == []
    assert _run(s, D).sent == 1


def test_webhook_must_be_http(wh):
    s = _settings(wh, None, None)
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x/", "/relative"):
        with pytest.raises(delivery.DeliveryError, match="http"):
            delivery.senders_for(s, webhook_url=bad)
    with pytest.raises(delivery.DeliveryError, match="PRESSWATCH_SMTP_HOST"):
        delivery.senders_for(s, smtp=True)


def test_cli_alert_sends_once(wh, mailbox, receiver, monkeypatch):
    from presswatch.cli import main

    for k in [k for k in os.environ if k.startswith("PRESSWATCH_")]:
        monkeypatch.delenv(k)
    s = _settings(wh, mailbox, receiver)
    env = {"PRESSWATCH_WAREHOUSE": str(wh), "PRESSWATCH_SMTP_HOST": "127.0.0.1",
           "PRESSWATCH_SMTP_PORT": str(mailbox.port), "PRESSWATCH_SMTP_FROM": s.smtp_from,
           "PRESSWATCH_SMTP_TO": s.smtp_to, "PRESSWATCH_WEBHOOK_URL": receiver.url}
    runner = CliRunner()
    res = runner.invoke(main, ["alert", "--date", D.isoformat(), "--smtp", "--webhook"], env=env)
    assert res.exit_code == 0, res.output
    assert "1 new spike event" in res.output and "2 sent" in res.output
    res = runner.invoke(main, ["alert", "--date", D.isoformat(), "--smtp", "--webhook",
                               "--json"], env=env)
    assert res.exit_code == 0 and json.loads(res.output)["sent"] == 0
    assert len(mailbox.messages) == 1 and len(receiver.posts) == 1
    hist = runner.invoke(main, ["alert", "--history", "--json"], env=env)
    assert [r["status"] for r in json.loads(hist.output)] == ["sent", "sent"]
    bad = runner.invoke(main, ["alert", "--date", "20-11-2026"], env=env)
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


@pytest.mark.slow  # a fresh interpreter importing Airflow: ~10 s
def test_airflow_task_mails_through_the_smtp_provider_connection(wh, mailbox):
    """The DAG's alert task with an Airflow connection ``smtp_default`` (from the environment)
    sends through apache-airflow-providers-smtp's SmtpHook, in a fresh interpreter."""
    pytest.importorskip("airflow.providers.smtp")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PRESSWATCH_"))}
    env.update(AIRFLOW_HOME=str(wh.parent / "airflow"), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW_CONN_SMTP_DEFAULT=json.dumps({
                   "conn_type": "smtp", "host": "127.0.0.1", "port": mailbox.port,
                   "extra": {"disable_ssl": True, "disable_tls": True, "retry_limit": 0,
                             "from_email": "airflow@example.org"}}),
               PRESSWATCH_WAREHOUSE=str(wh), PRESSWATCH_SMTP_TO="desk@example.org",
               PYTHONPATH=str(REPO / "plugins"))
    code = ("import json, datetime, presswatch.alerts as a\n"
            "from presswatch import airflow_tasks as t\n"
            "a.default_day = lambda con: datetime.date(2026, 11, 20)\n"
            "print('RESULT', json.dumps(t.send_alerts()))")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    out = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and out, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out[0][len("RESULT "):])
    assert result["sent"] == 1 and result["channels"] == ["smtp"], result
    assert len(mailbox.messages) == 1
    mail_from, rcpts, raw = mailbox.messages[0]
    assert mail_from == "airflow@example.org" and rcpts == ["desk@example.org"]
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["X-Presswatch-Event"] == f"spiky/{D.isoformat()}"
    assert time.monotonic() - t0 < 60
