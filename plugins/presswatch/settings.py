"""One typed settings object, read from ``PRESSWATCH_*`` environment variables at call time."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from presswatch import __version__

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_USER_AGENT = (
    f"presswatch/{__version__} (+https://github.com/presswatch/presswatch; media monitoring bot)"
)


class SettingsError(ValueError):
    """A PRESSWATCH_* variable has a value we cannot use; the message says which and why."""


def project_root() -> Path:
    """The checkout (``plugins/presswatch`` lives two levels below it)."""
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    warehouse: Path = field(default_factory=lambda: project_root() / "warehouse" / "presswatch.duckdb")
    staging_dir: Path | None = None
    allow_networks: tuple[IPNetwork, ...] = ()
    host_delay_s: float = 1.0
    host_concurrency: int = 2
    concurrency: int = 32
    fetch_timeout_s: float = 30.0
    connect_timeout_s: float = 10.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    extract_workers: int = 0  # 0 = os.cpu_count()
    respect_robots: bool = True
    poll_interval_s: float = 3600.0
    force_refresh_polls: int = 12  # every Nth poll of a feed is unconditional
    feed_page_limit: int = 5  # Atom rel=next pages followed per poll
    max_future_s: float = 86400.0  # dates further ahead than this are rejected
    page_retry_limit: int = 5
    raw_html_retention_days: int = 180
    # DuckLake warehouse (presswatch.lake): set when PRESSWATCH_WAREHOUSE=ducklake:...; then
    # `warehouse` is only a local marker path (staging and the CLI cycle lock sit beside it)
    lake: str | None = field(default=None, repr=False)  # 'ducklake:postgres:...' (may hold a password)
    lake_data_path: str | None = None  # Parquet files: a directory or s3://...; default <warehouse dir>/lake/
    # digest and spike alerts (docs/digest.md)
    alert_sensitivity: float = 3.5  # robust z (MAD units) a day must reach to be a spike
    alert_cooldown_days: int = 3  # a spike this close after another of the topic: same event
    alert_min_stories: int = 3  # a spike needs at least this many stories that day
    alert_baseline_days: int = 14  # trailing days the median and MAD are taken over
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_to: str | None = None  # comma-separated recipients
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_tls: str = "auto"  # auto (STARTTLS when offered) | starttls | ssl | none
    webhook_url: str | None = field(default=None, repr=False)  # may hold a token
    webhook_secret: str | None = field(default=None, repr=False)  # HMAC-signs webhook bodies
    report_dir: Path | None = None  # default <warehouse dir>/reports

    @property
    def staging(self) -> Path:
        return self.staging_dir or (self.warehouse.parent / "staging")

    @property
    def workers(self) -> int:
        return self.extract_workers or (os.cpu_count() or 1)

    @property
    def reports(self) -> Path:
        return self.report_dir or (self.warehouse.parent / "reports")


_FIELDS: dict[str, tuple[str, type]] = {
    "PRESSWATCH_WAREHOUSE": ("warehouse", Path),
    "PRESSWATCH_STAGING_DIR": ("staging_dir", Path),
    "PRESSWATCH_ALLOW_NETWORKS": ("allow_networks", tuple),
    "PRESSWATCH_HOST_DELAY_S": ("host_delay_s", float),
    "PRESSWATCH_HOST_CONCURRENCY": ("host_concurrency", int),
    "PRESSWATCH_CONCURRENCY": ("concurrency", int),
    "PRESSWATCH_FETCH_TIMEOUT_S": ("fetch_timeout_s", float),
    "PRESSWATCH_CONNECT_TIMEOUT_S": ("connect_timeout_s", float),
    "PRESSWATCH_MAX_BYTES": ("max_bytes", int),
    "PRESSWATCH_MAX_REDIRECTS": ("max_redirects", int),
    "PRESSWATCH_USER_AGENT": ("user_agent", str),
    "PRESSWATCH_EXTRACT_WORKERS": ("extract_workers", int),
    "PRESSWATCH_RESPECT_ROBOTS": ("respect_robots", bool),
    "PRESSWATCH_POLL_INTERVAL_S": ("poll_interval_s", float),
    "PRESSWATCH_FORCE_REFRESH_POLLS": ("force_refresh_polls", int),
    "PRESSWATCH_FEED_PAGE_LIMIT": ("feed_page_limit", int),
    "PRESSWATCH_MAX_FUTURE_S": ("max_future_s", float),
    "PRESSWATCH_PAGE_RETRY_LIMIT": ("page_retry_limit", int),
    "PRESSWATCH_RAW_HTML_RETENTION_DAYS": ("raw_html_retention_days", int),
    "PRESSWATCH_LAKE_DATA_PATH": ("lake_data_path", str),
    "PRESSWATCH_ALERT_SENSITIVITY": ("alert_sensitivity", float),
    "PRESSWATCH_ALERT_COOLDOWN_DAYS": ("alert_cooldown_days", int),
    "PRESSWATCH_ALERT_MIN_STORIES": ("alert_min_stories", int),
    "PRESSWATCH_ALERT_BASELINE_DAYS": ("alert_baseline_days", int),
    "PRESSWATCH_SMTP_HOST": ("smtp_host", str),
    "PRESSWATCH_SMTP_PORT": ("smtp_port", int),
    "PRESSWATCH_SMTP_FROM": ("smtp_from", str),
    "PRESSWATCH_SMTP_TO": ("smtp_to", str),
    "PRESSWATCH_SMTP_USER": ("smtp_user", str),
    "PRESSWATCH_SMTP_PASSWORD": ("smtp_password", str),
    "PRESSWATCH_SMTP_TLS": ("smtp_tls", str),
    "PRESSWATCH_WEBHOOK_URL": ("webhook_url", str),
    "PRESSWATCH_WEBHOOK_SECRET": ("webhook_secret", str),
    "PRESSWATCH_REPORT_DIR": ("report_dir", Path),
}


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    nets = []
    for part in value.split(","):
        part = part.strip()
        if part:
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError as exc:
                raise SettingsError(
                    f"PRESSWATCH_ALLOW_NETWORKS: {part!r} is not a CIDR (example: 127.0.0.1/32)"
                ) from exc
    return tuple(nets)


def _convert(name: str, kind: type, raw: str) -> object:
    try:
        if kind is Path:
            return Path(raw).expanduser()
        if kind is tuple:
            return parse_networks(raw)
        if kind is bool:
            if raw.strip().lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.strip().lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        value = kind(raw)
        if isinstance(value, (int, float)) and value < 0:
            raise ValueError(raw)
        return value
    except SettingsError:
        raise
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}") from exc


def load_settings(env: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Build a Settings from the environment (read now, not at import time)."""
    env = dict(os.environ if env is None else env)
    values: dict[str, object] = {}
    for name, (attr, kind) in _FIELDS.items():
        raw = env.get(name)
        if raw is not None and raw != "":
            values[attr] = _convert(name, kind, raw)
    lake = env.get("PRESSWATCH_WAREHOUSE", "").strip()
    if lake.startswith("ducklake:"):  # a DuckLake catalog, not a DuckDB file (presswatch.lake)
        values["lake"] = lake
        values["warehouse"] = project_root() / "warehouse" / "presswatch.lake"
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def documented_variables() -> list[str]:
    return sorted(_FIELDS)
