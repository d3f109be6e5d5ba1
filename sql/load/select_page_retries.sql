-- Pages of stored feed entries that are still owed a fetch: never fetched (e.g. a crash or a
-- transient failure) and due again. $1: now.
SELECT url_normalized AS url, min(feed_id) AS feed_id, min(guid) AS guid,
       max(page_attempts) AS attempts
FROM feed_entries
WHERE article_id IS NULL
  AND url_normalized IS NOT NULL
  AND page_status IN ('pending', 'failed')
  AND (page_next_attempt_at IS NULL AND page_status = 'pending' OR page_next_attempt_at <= $1)
GROUP BY url_normalized;
