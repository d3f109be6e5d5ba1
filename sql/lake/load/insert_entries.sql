-- lake: new feed entries, MERGE keyed on (feed_id, guid) (DuckLake has no PRIMARY KEY; the batch
-- is deduplicated first). Entries are never deleted when they drop out of the feed window.
-- $1: now, $2: run_id.
MERGE INTO feed_entries e
USING (
    SELECT * FROM stg_entries
    QUALIFY row_number() OVER (PARTITION BY feed_id, guid ORDER BY url_normalized, url) = 1
) s
ON e.feed_id = s.feed_id AND e.guid = s.guid
WHEN NOT MATCHED THEN INSERT (feed_id, guid, url, url_normalized, title, summary, content_html,
    authors, tags, published_at, updated_at, date_problem, first_seen_at, first_seen_run,
    article_id, page_status, page_reason, page_attempts, page_next_attempt_at)
VALUES (s.feed_id, s.guid, s.url, s.url_normalized, s.title, s.summary, s.content_html,
    s.authors, s.tags, s.published_at, s.updated_at, s.date_problem, $1, $2,
    NULL, CASE WHEN s.url_normalized IS NULL THEN 'skipped' ELSE 'pending' END,
    s.url_problem, 0, NULL);
