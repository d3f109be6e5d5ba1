"""Arrow schemas of the staged files that hand work from one stage to the next."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def schemas() -> dict[str, Any]:
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    strs = pa.list_(pa.string())
    event = pa.schema([
        ("run_id", pa.string()), ("fetched_at", ts), ("kind", pa.string()), ("feed_id", pa.int64()),
        ("url", pa.string()), ("final_url", pa.string()), ("http_status", pa.int32()),
        ("outcome", pa.string()), ("reason", pa.string()), ("bytes", pa.int64()),
        ("duration_ms", pa.float64()), ("redirects", pa.int32()),
    ])
    plan_feed = pa.schema([
        ("feed_id", pa.int64()), ("fetch_url", pa.string()), ("etag", pa.string()),
        ("last_modified", pa.string()), ("body_sha256", pa.string()), ("polls", pa.int32()),
        ("failures", pa.float64()), ("consecutive_failures", pa.int32()),
        ("status", pa.string()), ("force_refresh", pa.bool_()),
    ])
    feed_result = pa.schema([
        ("feed_id", pa.int64()), ("polled_at", ts), ("outcome", pa.string()), ("reason", pa.string()),
        ("http_status", pa.int32()), ("final_url", pa.string()), ("permanent_url", pa.string()),
        ("etag", pa.string()), ("last_modified", pa.string()), ("body_sha256", pa.string()),
        ("feed_version", pa.string()), ("title", pa.string()), ("site_url", pa.string()),
        ("language", pa.string()), ("entries", pa.int32()), ("retry_after_s", pa.float64()),
        ("status", pa.string()), ("failures", pa.float64()),
        ("consecutive_failures", pa.int32()), ("next_poll_at", ts), ("polls", pa.int32()),
    ])
    entry = pa.schema([
        ("feed_id", pa.int64()), ("guid", pa.string()), ("url", pa.string()),
        ("url_normalized", pa.string()), ("title", pa.string()), ("summary", pa.string()),
        ("content_html", pa.string()), ("authors", strs), ("tags", strs),
        ("published_at", ts), ("updated_at", ts), ("date_problem", pa.string()),
        ("language", pa.string()), ("url_problem", pa.string()),
    ])
    page = pa.schema([
        ("url", pa.string()), ("shard", pa.int32()), ("feed_id", pa.int64()),
        ("guid", pa.string()), ("article_id", pa.int64()), ("etag", pa.string()),
        ("last_modified", pa.string()), ("feed_title", pa.string()),
        ("feed_content_html", pa.string()), ("feed_published_at", ts),
        ("feed_language", pa.string()), ("attempts", pa.int32()), ("why", pa.string()),
    ])
    fetched = pa.schema(list(page) + [
        pa.field("final_url", pa.string()), pa.field("outcome", pa.string()),
        pa.field("reason", pa.string()), pa.field("http_status", pa.int32()),
        pa.field("content_type", pa.string()), pa.field("charset", pa.string()),
        pa.field("resp_etag", pa.string()), pa.field("resp_last_modified", pa.string()),
        pa.field("fetched_at", ts), pa.field("body", pa.binary()),
    ])
    extracted = pa.schema([
        ("url", pa.string()), ("final_url", pa.string()), ("canonical_url", pa.string()),
        ("feed_id", pa.int64()), ("article_id", pa.int64()), ("outcome", pa.string()),
        ("reason", pa.string()), ("attempts", pa.int32()), ("fetched_at", ts),
        ("title", pa.string()), ("text", pa.string()), ("language", pa.string()),
        ("published_at", ts), ("date_source", pa.string()), ("modified_at", ts),
        ("authors", strs), ("source", pa.string()), ("domain", pa.string()),
        ("description", pa.string()), ("categories", strs), ("tags", strs),
        ("image", pa.string()), ("http_etag", pa.string()), ("http_last_modified", pa.string()),
        ("extraction_method", pa.string()), ("extraction_reason", pa.string()),
        ("extractor", pa.string()), ("encoding", pa.string()), ("content_hash", pa.string()),
        ("word_count", pa.int32()), ("content_type", pa.string()),
        ("header_charset", pa.string()), ("html_gzip", pa.binary()),
    ])
    return {"event": event, "plan_feed": plan_feed, "feed_result": feed_result,
            "entry": entry, "page": page, "fetched": fetched, "extracted": extracted}


def schema(name: str) -> Any:
    return schemas()[name]
