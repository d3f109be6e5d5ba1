-- Purpose: per UTC day, all coverage (articles and stories dated that day) and the ingest health
-- of that day: runs loaded, feeds polled and failed (a feed failed when none of its polls that
-- day succeeded), pages that failed, extractions that came out empty, and why the day is
-- incomplete:
--   no_run        no run loaded and no feed was polled that day;
--   feeds_failed  more than half of the feeds polled that day failed;
--   in_progress   the last day of the range, when nothing was ingested after it ended (its
--                 counts can still grow).
-- Parameters: $1 first day (DATE), $2 last day (DATE, the report day).
-- Grain: one row per day of [$1, $2], oldest first.
WITH days AS (
    SELECT CAST(unnest(generate_series(CAST($1 AS DATE), CAST($2 AS DATE), INTERVAL 1 DAY)) AS DATE) AS day
),
arts AS (
    SELECT day, count(*) AS articles, count(DISTINCT story_key) AS stories
    FROM digest_articles WHERE day BETWEEN $1 AND $2 GROUP BY day
),
run_days AS (
    SELECT CAST(timezone('UTC', loaded_at) AS DATE) AS day, count(*) AS runs,
           sum(feeds_polled) AS feeds_polled, sum(feeds_failed) AS feeds_failed
    FROM runs GROUP BY 1
),
feed_days AS (
    SELECT day, count(*) AS feeds_polled, count(*) FILTER (WHERE NOT ok) AS feeds_failed
    FROM (SELECT CAST(timezone('UTC', fetched_at) AS DATE) AS day, feed_id,
                 bool_or(outcome IN ('ok', 'not_modified')) AS ok
          FROM fetch_events WHERE kind = 'feed' GROUP BY 1, 2)
    GROUP BY day
),
page_days AS (
    SELECT CAST(timezone('UTC', fetched_at) AS DATE) AS day, count(*) AS pages_failed
    FROM fetch_events WHERE kind = 'page' AND outcome = 'failed' GROUP BY 1
),
empty_days AS (
    SELECT CAST(timezone('UTC', first_fetched_at) AS DATE) AS day, count(*) AS extraction_empty
    FROM articles WHERE extraction_reason IS NOT NULL GROUP BY 1
),
last_ingest AS (
    SELECT max(ts) AS ts FROM (SELECT max(loaded_at) AS ts FROM runs
                               UNION ALL SELECT max(fetched_at) FROM fetch_events)
),
joined AS (
    SELECT d.day, coalesce(a.articles, 0) AS articles, coalesce(a.stories, 0) AS stories,
           coalesce(r.runs, 0) AS runs,
           coalesce(f.feeds_polled, r.feeds_polled, 0) AS feeds_polled,
           coalesce(f.feeds_failed, r.feeds_failed, 0) AS feeds_failed,
           coalesce(p.pages_failed, 0) AS pages_failed,
           coalesce(e.extraction_empty, 0) AS extraction_empty,
           d.day = CAST($2 AS DATE) AND (l.ts IS NULL OR timezone('UTC', l.ts) < d.day + INTERVAL 1 DAY)
               AS in_progress
    FROM days d
    CROSS JOIN last_ingest l
    LEFT JOIN arts a ON a.day = d.day
    LEFT JOIN run_days r ON r.day = d.day
    LEFT JOIN feed_days f ON f.day = d.day
    LEFT JOIN page_days p ON p.day = d.day
    LEFT JOIN empty_days e ON e.day = d.day
)
SELECT day, articles, stories, runs, feeds_polled, feeds_failed, pages_failed, extraction_empty,
       CASE WHEN runs = 0 AND feeds_polled = 0 THEN 'no_run'
            WHEN 2 * feeds_failed > feeds_polled THEN 'feeds_failed'
            WHEN in_progress THEN 'in_progress'
       END AS incomplete_reason
FROM joined
ORDER BY day;
