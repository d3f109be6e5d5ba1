-- Purpose: spike events already recorded for a topic in a window of days (the cool-down reads
-- it, and a recorded event is never detected as new again).
-- Parameters: $1 topic, $2 first day (DATE), $3 last day (DATE).
-- Grain: one row per event (topic x event day), with the channels recorded for it.
SELECT event_day, list_sort(list(channel)) AS channels
FROM alert_history
WHERE topic = $1 AND event_day BETWEEN $2 AND $3
GROUP BY event_day
ORDER BY event_day;
