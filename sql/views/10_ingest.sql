-- views/10_ingest: (re-created on every migrate) convenience views over the ingest tables.

CREATE OR REPLACE VIEW feed_health AS
SELECT f.feed_id, f.url, f.title, f.status, f.last_success_at, f.last_attempt_at,
       f.last_error, f.last_error_at, f.failures, f.next_poll_at,
       (SELECT count(*) FROM feed_entries e WHERE e.feed_id = f.feed_id) AS entries,
       (SELECT count(*) FROM feed_entries e WHERE e.feed_id = f.feed_id AND e.page_status = 'stored') AS stored
FROM feeds f;

CREATE OR REPLACE VIEW articles_daily AS
SELECT CAST(coalesce(published_at, first_fetched_at) AS DATE) AS day, count(*) AS articles,
       count(DISTINCT domain) AS outlets
FROM articles GROUP BY ALL;
