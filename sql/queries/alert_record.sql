-- Purpose: record a detected spike event for one delivery channel, unless that event was
-- recorded for that channel already (a repeated run is a no-op). Written as INSERT ... WHERE NOT
-- EXISTS rather than INSERT OR IGNORE so it also holds where the primary key is not enforced
-- (DuckLake); the writer lock makes the check and the insert atomic.
-- Parameters: $1 topic, $2 event day, $3 channel, $4 stories, $5 articles, $6 baseline median,
-- $7 baseline MAD, $8 score, $9 threshold, $10 payload JSON, $11 payload sha256, $12 target,
-- $13 now.
INSERT INTO alert_history (topic, event_day, channel, status, stories, articles,
    baseline_median, baseline_mad, score, threshold, payload_json, payload_hash, target,
    detected_at, attempts)
SELECT $1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0
WHERE NOT EXISTS (SELECT 1 FROM alert_history
                  WHERE topic = $1 AND event_day = $2 AND channel = $3);
