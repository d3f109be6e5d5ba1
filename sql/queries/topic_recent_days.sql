-- Purpose: a topic's last N UTC ingest days from topic_daily, newest first.
-- Parameters: $1 topic name, $2 number of days.
-- Grain: one row per day.
SELECT day, n_articles, share, complete, incomplete_reason
FROM topic_daily
WHERE topic = $1 AND day > CAST(timezone('UTC', now()) AS DATE) - CAST($2 AS INTEGER)
ORDER BY day DESC;
