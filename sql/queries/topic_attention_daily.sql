-- Purpose: daily attention for one topic (articles, stories, share of all ingested articles),
-- with days whose ingest was partial flagged so charts do not show false dips.
-- Parameters: $1 topic name, $2 first day (DATE), $3 last day (DATE).
-- Grain: one row per UTC ingest day.
SELECT day, n_articles, n_stories, n_outlets, n_all_articles, round(share, 5) AS share,
       complete, incomplete_reason
FROM topic_daily
WHERE topic = $1 AND day BETWEEN $2 AND $3
ORDER BY day;
