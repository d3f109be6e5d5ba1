-- Purpose: claim the deliveries owed on the given channels (under the writer lock, so two
-- processes never claim the same row): pending ones, failed ones with attempts left, and ones
-- claimed by a process that never reported back (claimed before $3).
-- Parameters: $1 now, $2 channels (VARCHAR[]), $3 stale-claim cut-off, $4 max attempts.
-- Grain: one row per claimed delivery.
UPDATE alert_history
SET status = 'sending', claimed_at = $1, attempts = attempts + 1
WHERE list_contains($2, channel)
  AND (status = 'pending'
       OR (status = 'failed' AND attempts < $4)
       OR (status = 'sending' AND claimed_at < $3 AND attempts < $4))
RETURNING topic, event_day, channel, payload_json, payload_hash, attempts;
