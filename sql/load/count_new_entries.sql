-- Per feed: staged entries not yet stored (counted before insert_entries.sql runs).
SELECT s.feed_id, count(*) AS n
FROM stg_entries s
ANTI JOIN feed_entries e ON e.feed_id = s.feed_id AND e.guid = s.guid
GROUP BY s.feed_id;
