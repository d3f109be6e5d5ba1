-- Purpose: feed health, one row per feed (what `presswatch feeds list` and `status` show).
-- Parameters: none. Grain: feed. Problem feeds first.
WITH counts AS (
    SELECT feed_id, count(*) AS entries, count(article_id) AS stored
    FROM feed_entries GROUP BY feed_id
)
SELECT f.feed_id, f.url, f.title, f.status, f.last_success_at, f.last_attempt_at,
       f.last_error, f.failures, f.next_poll_at,
       coalesce(c.entries, 0) AS entries, coalesce(c.stored, 0) AS stored
FROM feeds f
LEFT JOIN counts c ON c.feed_id = f.feed_id
ORDER BY f.status = 'ok', f.url;
