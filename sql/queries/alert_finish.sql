-- Purpose: record how one claimed delivery ended.
-- Parameters: $1 status ('sent' or 'failed'), $2 sent_at (NULL when failed), $3 error or NULL,
-- $4 topic, $5 event day, $6 channel.
UPDATE alert_history
SET status = $1, sent_at = $2, last_error = $3
WHERE topic = $4 AND event_day = $5 AND channel = $6 AND status = 'sending';
