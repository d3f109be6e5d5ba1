"""Spike alerts: a topic's coverage today against its own trailing baseline, counted in stories.

The rule (docs/digest.md): for topic *t* and UTC day *d*, let *x* be the number of distinct
stories with an article matching *t* dated *d* (a wire story carried by 30 outlets counts once).
The baseline is the *B* days before *d* (``PRESSWATCH_ALERT_BASELINE_DAYS``, 14) whose ingest was
complete; with fewer than 7 such days nothing is judged. With *m* their median and *MAD* their
median absolute deviation::

    scale = max(1.4826 * MAD, sqrt(m), 1)        # robust sd, floored by Poisson noise
    score = (x - m) / scale
    spike = score >= k  and  x >= min_stories      # k = PRESSWATCH_ALERT_SENSITIVITY (3.5)

A spike is a new *event* unless the topic spiked (or was alerted) on one of the
``PRESSWATCH_ALERT_COOLDOWN_DAYS`` (3) days before: a second burst inside the cool-down belongs
to the first event. Each event is recorded in ``alert_history`` per delivery channel before it is
sent, so a repeated run sends nothing new (:func:`run_alerts`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

log = logging.getLogger("presswatch.alerts")

CHANNELS = ("smtp", "webhook")
MAD_TO_SD = 1.4826  # MAD of a normal distribution x this = its standard deviation
MAX_ATTEMPTS = 5  # a delivery that failed this often is left as failed
STALE_CLAIM = timedelta(minutes=15)  # a claim older than this was lost (crashed process)
LOCK_WAIT_S = 120.0


class AlertError(ValueError):
    """A configuration that cannot work (the message says which setting)."""


@dataclass(frozen=True)
class AlertConfig:
    sensitivity: float = 3.5
    cooldown_days: int = 3
    min_stories: int = 3
    baseline_days: int = 14
    min_baseline_days: int = 7
    lookback_days: int = 2  # the report day and the day before are judged (late articles)

    @classmethod
    def from_settings(cls, settings: Any) -> AlertConfig:
        cfg = cls(sensitivity=float(settings.alert_sensitivity),
                  cooldown_days=int(settings.alert_cooldown_days),
                  min_stories=int(settings.alert_min_stories),
                  baseline_days=int(settings.alert_baseline_days))
        return cfg.validated()

    def validated(self) -> AlertConfig:
        if not self.sensitivity > 0:
            raise AlertError("PRESSWATCH_ALERT_SENSITIVITY must be above 0 (default 3.5)")
        if self.baseline_days < 3:
            raise AlertError("PRESSWATCH_ALERT_BASELINE_DAYS must be at least 3 (default 14)")
        return replace(self, min_baseline_days=min(self.min_baseline_days, self.baseline_days),
                       min_stories=max(self.min_stories, 1))

    @property
    def history_days(self) -> int:
        """Days of series needed before the first judged day."""
        return self.baseline_days + self.cooldown_days + self.lookback_days


@dataclass(frozen=True)
class SpikeCheck:
    """How one topic-day was judged. ``reason``: spike, normal, below_min_stories,
    short_history (fewer than min_baseline_days complete baseline days), or cooldown (a spike
    that belongs to an earlier event)."""

    day: date
    stories: int
    articles: int
    baseline_days: int  # complete days the baseline was taken over
    median: float | None
    mad: float | None
    scale: float | None
    score: float | None
    threshold: float | None  # stories needed for a spike (before the min_stories floor)
    spike: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["day"] = self.day.isoformat()
        return d


def check_day(stories: Mapping[date, int], complete: Mapping[date, bool], day: date,
              cfg: AlertConfig, articles: Mapping[date, int] | None = None) -> SpikeCheck:
    """Judge one day of one topic's daily story counts (pure; days missing from ``stories``
    count 0, days missing from ``complete`` are incomplete)."""
    x = int(stories.get(day, 0))
    n_articles = int((articles or {}).get(day, 0))
    base = [int(stories.get(day - timedelta(days=i), 0)) for i in range(cfg.baseline_days, 0, -1)
            if complete.get(day - timedelta(days=i), False)]
    if len(base) < cfg.min_baseline_days:
        return SpikeCheck(day, x, n_articles, len(base), None, None, None, None, None, False,
                          "short_history")
    med = float(statistics.median(base))
    mad = float(statistics.median(abs(v - med) for v in base))
    scale = max(MAD_TO_SD * mad, math.sqrt(med), 1.0)
    score = (x - med) / scale
    threshold = med + cfg.sensitivity * scale
    if score >= cfg.sensitivity and x >= cfg.min_stories:
        reason, spike = "spike", True
    else:
        reason, spike = ("below_min_stories" if score >= cfg.sensitivity else "normal"), False
    return SpikeCheck(day, x, n_articles, len(base), round(med, 4), round(mad, 4),
                      round(scale, 4), round(score, 4), round(threshold, 4), spike, reason)


def judge(stories: Mapping[date, int], complete: Mapping[date, bool], days: Sequence[date],
          cfg: AlertConfig, articles: Mapping[date, int] | None = None,
          alerted: Sequence[date] = ()) -> list[SpikeCheck]:
    """Judge ``days`` (oldest first) with the cool-down: a spike with another spike of the
    series, or an alerted day, in the ``cooldown_days`` before it is reason ``cooldown``."""
    out = []
    for day in sorted(days):
        chk = check_day(stories, complete, day, cfg, articles)
        if chk.spike:
            window = [day - timedelta(days=i) for i in range(1, cfg.cooldown_days + 1)]
            earlier = any(p in alerted or check_day(stories, complete, p, cfg).spike
                          for p in window)
            if earlier:
                chk = replace(chk, spike=False, reason="cooldown")
        out.append(chk)
    return out


# -- events -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlertEvent:
    """A new spike event of one topic, with what the alert says about it."""

    topic: str
    description: str | None
    check: SpikeCheck
    outlets: int
    day_incomplete: str | None  # why the day's ingest is incomplete, if it is
    top_stories: tuple[Any, ...]  # presswatch.digest.StoryLine
    config: AlertConfig
    recorded_channels: tuple[str, ...] = ()

    @property
    def event_id(self) -> str:
        return f"{self.topic}/{self.check.day.isoformat()}"

    def payload(self) -> dict[str, Any]:
        """What the webhook receives (and the e-mail says). Story links are http(s) or null."""
        from presswatch.digest_render import safe_href

        c = self.check
        usual = "no usual level" if c.median is None else f"usually {c.median:g}"
        return {
            "type": "presswatch.spike",
            "event_id": self.event_id,
            "topic": self.topic,
            "description": self.description,
            "day": c.day.isoformat(),
            "stories": c.stories,
            "articles": c.articles,
            "outlets": self.outlets,
            "day_incomplete": self.day_incomplete,
            "baseline": {"days": c.baseline_days, "median": c.median, "mad": c.mad,
                         "scale": c.scale},
            "score": c.score,
            "threshold": c.threshold,
            "rule": {"sensitivity": self.config.sensitivity,
                     "min_stories": self.config.min_stories,
                     "baseline_days": self.config.baseline_days,
                     "cooldown_days": self.config.cooldown_days},
            "top_stories": [{"title": s.title, "url": safe_href(s.url) or None,
                             "outlets": s.outlets,
                             "articles": s.articles, "first_outlet": s.first_outlet}
                            for s in self.top_stories],
            "text": (f"presswatch: {self.topic} spiked on {c.day.isoformat()}: {c.stories} "
                     f"stories ({usual}), {c.articles} articles from {self.outlets} outlets"),
        }

    def payload_json(self) -> str:
        return json.dumps(self.payload(), ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"))


def detect(con: Any, day: date, cfg: AlertConfig, topic: str | None = None,
           top: int = 5) -> tuple[list[AlertEvent], list[tuple[str, SpikeCheck]]]:
    """New spike events on the judged days (``day`` and the ``lookback_days - 1`` before it):
    returns (events, every judgement as (topic, check)). Reads only."""
    from presswatch import digest
    from presswatch.warehouse import sql

    judged = [day - timedelta(days=i) for i in range(cfg.lookback_days - 1, -1, -1)]
    first = judged[0] - timedelta(days=cfg.baseline_days + cfg.cooldown_days)
    days = {h.day: h for h in digest.load_days(con, first, day)}
    complete = {d: h.incomplete is None for d, h in days.items()}
    series = digest.load_series(con, first, day, topic)
    events: list[AlertEvent] = []
    checks: list[tuple[str, SpikeCheck]] = []
    topics = digest.load_topics(con, topic)
    if topic is not None and not topics:
        raise AlertError(f"no topic named {topic!r} (see `presswatch topics list`)")
    for name, description in topics:
        points = series.get(name, {})
        stories = {d: p.stories for d, p in points.items()}
        articles = {d: p.articles for d, p in points.items()}
        recorded = {r[0]: tuple(r[1]) for r in con.execute(
            sql("queries/alert_events.sql"),
            [name, judged[0] - timedelta(days=cfg.cooldown_days), day]).fetchall()}
        # an event recorded on a judged day itself stays an event (other channels may be owed)
        for chk in judge(stories, complete, judged, cfg, articles, sorted(recorded)):
            checks.append((name, chk))
            if not chk.spike:
                continue
            point = points.get(chk.day)
            lines, _ = digest.top_stories(con, name, chk.day, top)
            events.append(AlertEvent(name, description, chk, point.outlets if point else 0,
                                     days[chk.day].incomplete if chk.day in days else None,
                                     tuple(lines), cfg, recorded.get(chk.day, ())))
    return events, checks


# -- recording and delivery ------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    """One claimed (event, channel) delivery."""

    topic: str
    event_day: date
    channel: str
    payload_json: str
    payload_hash: str
    attempt: int

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json)


@dataclass
class AlertRun:
    day: date | None
    channels: list[str]
    events: list[dict[str, Any]] = field(default_factory=list)  # new events (payloads)
    recorded: int = 0  # (event, channel) rows added to alert_history
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)  # "topic/day" kept quiet by the cool-down

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["day"] = self.day.isoformat() if self.day else None
        return d


Sender = Callable[[Delivery], None]


def record(con: Any, events: Sequence[AlertEvent], targets: Mapping[str, str | None],
           now: datetime) -> int:
    """Record each event for each channel in ``targets`` (channel -> redacted target);
    returns how many rows were new."""
    from presswatch.warehouse import sql

    before = con.execute("SELECT count(*) FROM alert_history").fetchone()[0]
    for ev in events:
        body = ev.payload_json()
        body_hash = hashlib.sha256(body.encode("utf-8")).hexdigest()
        c = ev.check
        for channel, target in sorted(targets.items()):
            con.execute(sql("queries/alert_record.sql"), [
                ev.topic, c.day, channel, c.stories, c.articles, c.median, c.mad, c.score,
                c.threshold, body, body_hash, target, now])
    return int(con.execute("SELECT count(*) FROM alert_history").fetchone()[0] - before)


def claim(con: Any, channels: Sequence[str], now: datetime) -> list[Delivery]:
    from presswatch.warehouse import sql

    rows = con.execute(sql("queries/alert_claim.sql"),
                       [now, list(channels), now - STALE_CLAIM, MAX_ATTEMPTS]).fetchall()
    return sorted((Delivery(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows),
                  key=lambda d: (d.event_day, d.topic, d.channel))


def finish(con: Any, results: Sequence[tuple[Delivery, str | None]], now: datetime) -> None:
    from presswatch.warehouse import sql

    for d, error in results:
        con.execute(sql("queries/alert_finish.sql"),
                    ["failed" if error else "sent", None if error else now, error,
                     d.topic, d.event_day, d.channel])


def default_day(con: Any) -> date | None:
    from presswatch.warehouse import sql

    row = con.execute(sql("queries/digest_default_day.sql")).fetchone()
    return row[0] if row else None


def run_alerts(settings: Any, *, senders: Mapping[str, Sender], day: date | None = None,
               topic: str | None = None, targets: Mapping[str, str | None] | None = None,
               dry_run: bool = False, wait_s: float = LOCK_WAIT_S) -> AlertRun:
    """Detect new spike events, record them per channel, and deliver what is owed.

    ``senders`` maps each channel to use (``smtp``, ``webhook``) to a callable that delivers one
    :class:`Delivery` or raises. The writer lock is held to detect, record and claim, released
    while sending, and taken again to record the outcome; so a repeated or concurrent run never
    sends an event twice on a channel (a process killed between sending and recording leaves a
    claim that is retried after 15 minutes: at-least-once, with a stable Idempotency-Key).
    Failed deliveries are retried on later runs, up to 5 attempts, with the same payload.
    """
    from presswatch import warehouse

    cfg = AlertConfig.from_settings(settings)
    channels = sorted(senders)
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise AlertError(f"unknown alert channel(s): {', '.join(sorted(unknown))}")
    now = datetime.now(UTC)
    run = AlertRun(day=day, channels=channels)
    with warehouse.writer(settings, wait_s=wait_s) as con:
        run.day = day or default_day(con)
        if run.day is None:
            return run
        events, checks = detect(con, run.day, cfg, topic)
        run.events = [ev.payload() for ev in events]
        run.suppressed = [f"{t}/{c.day.isoformat()}" for t, c in checks if c.reason == "cooldown"]
        if dry_run or not channels:
            return run
        con.execute("BEGIN TRANSACTION")
        try:
            run.recorded = record(con, events, {c: (targets or {}).get(c) for c in channels}, now)
            owed = claim(con, channels, now)
            con.execute("COMMIT")
        except BaseException:
            warehouse.rollback_quietly(con)
            raise
    results: list[tuple[Delivery, str | None]] = []
    for d in owed:
        try:
            senders[d.channel](d)
        except Exception as exc:  # any failure is recorded and retried on a later run
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("alert %s/%s via %s failed (attempt %d): %s", d.topic, d.event_day,
                        d.channel, d.attempt, error)
            results.append((d, error))
            run.errors.append(f"{d.topic}/{d.event_day} {d.channel}: {error}")
            continue
        log.info("alert %s/%s sent via %s", d.topic, d.event_day, d.channel)
        results.append((d, None))
    run.sent = sum(1 for _, e in results if e is None)
    run.failed = len(results) - run.sent
    if results:
        with warehouse.writer(settings, wait_s=wait_s) as con:
            finish(con, results, datetime.now(UTC))
    return run
