-- Purpose: the latest recorded alert deliveries (`presswatch alert --history`).
-- Parameters: $1 limit. Grain: one row per event x channel, newest first.
SELECT topic, event_day, channel, status, stories, articles, baseline_median, threshold,
       attempts, detected_at, sent_at, last_error, target
FROM alert_history
ORDER BY event_day DESC, topic, channel
LIMIT $1;
