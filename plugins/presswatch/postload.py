"""What follows every load, on the writer connection: stories, then topic tagging.

Both steps are incremental (only articles new or changed since they last ran) and idempotent,
so they can follow a load, be re-run after a crash, or run on their own.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

log = logging.getLogger("presswatch")


def _numbers(value: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = dataclasses.asdict(value)
    else:
        data = dict(value or {})
    return {k: v for k, v in data.items() if isinstance(v, (int, float, str, dict)) or v is None}


def run_post_load(con: Any, run_id: str | None = None) -> dict[str, Any]:
    """Assign stories to new articles and tag them with the stored topics."""
    from presswatch.stories import assign_stories
    from presswatch.topics import tag_articles

    out = {"stories": _numbers(assign_stories(con, run_id=run_id))}
    log.info("stories: %s", out["stories"])
    out["topics"] = _numbers(tag_articles(con))
    log.info("topics: %s", out["topics"])
    return out
