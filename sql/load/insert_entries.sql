-- New feed entries (one row per feed and guid; entries are never deleted when they drop out
-- of the feed window). $1: now, $2: run_id.
INSERT INTO feed_entries (feed_id, guid, url, url_normalized, title, summary, content_html,
    authors, tags, published_at, updated_at, date_problem, first_seen_at, first_seen_run,
    article_id, page_status, page_reason, page_attempts, page_next_attempt_at)
SELECT s.feed_id, s.guid, s.url, s.url_normalized, s.title, s.summary, s.content_html,
       s.authors, s.tags, s.published_at, s.updated_at, s.date_problem, $1, $2,
       NULL, CASE WHEN s.url_normalized IS NULL THEN 'skipped' ELSE 'pending' END,
       s.url_problem, 0, NULL
FROM stg_entries s
ANTI JOIN feed_entries e ON e.feed_id = s.feed_id AND e.guid = s.guid;
