-- lake: record a detected spike event for one delivery channel unless it was recorded for that
-- channel already: MERGE keyed on (topic, event_day, channel) instead of INSERT OR IGNORE
-- (DuckLake has no PRIMARY KEY). Parameters as sql/queries/alert_record.sql: $1 topic, $2 event
-- day, $3 channel, $4 stories, $5 articles, $6 baseline median, $7 baseline MAD, $8 score,
-- $9 threshold, $10 payload JSON, $11 payload sha256, $12 target, $13 now.
MERGE INTO alert_history h
USING (SELECT $1::VARCHAR AS topic, $2::DATE AS event_day, $3::VARCHAR AS channel) k
ON h.topic = k.topic AND h.event_day = k.event_day AND h.channel = k.channel
WHEN NOT MATCHED THEN INSERT (topic, event_day, channel, status, stories, articles,
    baseline_median, baseline_mad, score, threshold, payload_json, payload_hash, target,
    detected_at, attempts)
VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0);
