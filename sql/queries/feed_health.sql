-- Purpose: feed health, one row per feed (what `presswatch feeds list` and `status` show).
-- Parameters: none. Grain: feed.
SELECT f.feed_id, f.url, f.title, f.status, f.last_success_at, f.last_attempt_at,
       f.last_error, f.failures, f.next_poll_at,
       count(e.guid) AS entries,
       count(e.article_id) AS stored
FROM feeds f
LEFT JOIN feed_entries e ON e.feed_id = f.feed_id
GROUP BY ALL
ORDER BY f.status = 'ok', f.url;
