-- Pages owed a fetch in this run. stg_entries: the entries staged by the poll stage.
-- $1: now. Columns match the staged `page` schema (without shard).
SELECT s.url_normalized AS url, s.feed_id, s.guid, NULL::BIGINT AS article_id,
       NULL::VARCHAR AS etag, NULL::VARCHAR AS last_modified, s.title AS feed_title,
       s.content_html AS feed_content_html, s.published_at AS feed_published_at,
       s.language AS feed_language, 0 AS attempts, 'new' AS why
FROM stg_entries s
ANTI JOIN feed_entries e ON e.feed_id = s.feed_id AND e.guid = s.guid
WHERE s.url_normalized IS NOT NULL
  AND s.url_normalized NOT IN (SELECT url FROM article_urls)
UNION ALL
-- the feed says an entry we stored was updated: re-fetch its page with conditional GET
SELECT s.url_normalized, s.feed_id, s.guid, e.article_id, a.http_etag, a.http_last_modified,
       s.title, s.content_html, s.published_at, s.language, 0, 'updated'
FROM stg_entries s
JOIN feed_entries e ON e.feed_id = s.feed_id AND e.guid = s.guid
JOIN articles a ON a.article_id = e.article_id
WHERE s.url_normalized IS NOT NULL
  AND s.updated_at IS NOT NULL AND e.updated_at IS NOT NULL AND s.updated_at > e.updated_at
UNION ALL
-- entries stored earlier whose page is still owed (transient failure, interrupted run)
SELECT e.url_normalized, e.feed_id, e.guid, NULL::BIGINT, NULL, NULL, e.title, e.content_html,
       e.published_at, NULL, e.page_attempts, 'retry'
FROM feed_entries e
WHERE e.article_id IS NULL
  AND e.url_normalized IS NOT NULL
  AND e.page_status IN ('pending', 'failed')
  AND (e.page_next_attempt_at <= $1 OR (e.page_status = 'pending' AND e.page_next_attempt_at IS NULL))
  AND e.url_normalized NOT IN (SELECT url FROM article_urls);
