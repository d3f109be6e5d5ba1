-- Purpose: what failed on one UTC day: failed fetches by kind and reason, and articles whose
-- extraction came out empty (first fetched that day).
-- Parameters: $1 day (DATE).
-- Grain: one row per (kind, reason); kind 'feed', 'page', 'robots' or 'extraction'.
SELECT kind, reason, count(*) AS events, count(DISTINCT url) AS urls
FROM fetch_events
WHERE outcome = 'failed' AND CAST(timezone('UTC', fetched_at) AS DATE) = $1
GROUP BY kind, reason
UNION ALL
SELECT 'extraction', extraction_reason, count(*), count(DISTINCT url)
FROM articles
WHERE extraction_reason IS NOT NULL AND CAST(timezone('UTC', first_fetched_at) AS DATE) = $1
GROUP BY extraction_reason
ORDER BY events DESC, kind, reason;
