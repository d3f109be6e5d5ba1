-- Feeds to poll in this cycle. $1: all active feeds (BOOLEAN), $2: now (TIMESTAMPTZ).
SELECT feed_id, fetch_url, etag, last_modified, body_sha256, polls, failures,
       consecutive_failures, status
FROM feeds
WHERE active AND ($1 OR next_poll_at IS NULL OR next_poll_at <= $2)
ORDER BY feed_id;
