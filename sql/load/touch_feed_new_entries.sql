-- Feeds that brought new entries in this run ($1: now).
UPDATE feeds SET last_new_entry_at = $1
FROM stg_new_counts c WHERE feeds.feed_id = c.feed_id AND c.n > 0;
