-- Purpose: Fukushima treated-water coverage by outlet (share of voice) over a date range.
-- Parameters: $1 first day (DATE, inclusive), $2 last day (DATE, inclusive); UTC ingest days.
-- Grain: one row per domain/source/language, largest first.
SELECT a.domain, a.source, a.language,
       count(*) AS articles,
       round(count(*) / sum(count(*)) OVER (), 4) AS share_of_topic,
       min(CAST(timezone('UTC', a.first_fetched_at) AS DATE)) AS first_day,
       max(CAST(timezone('UTC', a.first_fetched_at) AS DATE)) AS last_day
FROM topic_matches m
JOIN articles a ON a.article_id = m.article_id
WHERE m.topic = 'fukushima_water'
  AND CAST(timezone('UTC', a.first_fetched_at) AS DATE) BETWEEN $1 AND $2
GROUP BY a.domain, a.source, a.language
ORDER BY articles DESC, a.domain;
