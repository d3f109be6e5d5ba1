-- Purpose: the day a digest or an alert run is about when none is given: the latest UTC day an
-- article is dated, but not after the UTC day of the latest ingest (an article dated in the
-- future does not pick a future day). Read from the warehouse only, so it is deterministic.
-- Parameters: none. Grain: one row; NULL when there are no articles.
SELECT max(day)
FROM digest_articles
WHERE day <= (SELECT CAST(timezone('UTC', max(first_fetched_at)) AS DATE) FROM articles);
