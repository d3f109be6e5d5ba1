-- New entries whose link cannot be fetched (javascript:, data:, missing, too long).
SELECT s.feed_id, s.url, s.url_problem
FROM stg_entries s
ANTI JOIN feed_entries e ON e.feed_id = s.feed_id AND e.guid = s.guid
WHERE s.url_normalized IS NULL;
