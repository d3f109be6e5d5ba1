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

    @property
    def staging(self) -> Path:
        return self.staging_dir or (self.warehouse.parent / "staging")

    @property
    def workers(self) -> int:
        return self.extract_workers or (os.cpu_count() or 1)


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
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def documented_variables() -> list[str]:
    return sorted(_FIELDS)
