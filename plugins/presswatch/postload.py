"""What follows every load, on the writer connection: stories, then topic tagging.

Both steps are incremental (only articles new or changed since they last ran) and idempotent,
so they can follow a load, be re-run after a crash, or run on their own.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

log = logging.getLogger("presswatch")


def counts_of(value: Any) -> dict[str, Any]:
    """A small dict of counts from whatever a stage returned (dataclass, dict, int, None): what
    task logs and XCom carry, never article text."""
    if value is None:
        return {}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if isinstance(v, (int, float, str, bool, dict))
                and not (isinstance(v, str) and len(v) > 200)}
    if isinstance(value, (int, float)):
        return {"count": value}
    return {}


def run_post_load(con: Any, run_id: str | None = None) -> dict[str, Any]:
    """Assign stories to new articles and tag them with the stored topics."""
    from presswatch.stories import assign_stories
    from presswatch.topics import tag_articles

    out = {"stories": counts_of(assign_stories(con, run_id=run_id))}
    log.info("stories: %s", out["stories"])
    out["topics"] = counts_of(tag_articles(con))
    log.info("topics: %s", out["topics"])
    return out

