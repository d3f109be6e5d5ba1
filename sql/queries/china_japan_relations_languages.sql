-- Purpose: China-Japan relations coverage by language and week (who talks about it, and when).
-- Parameters: $1 first day (DATE), $2 last day (DATE); UTC ingest days.
-- Grain: one row per ISO week x language.
SELECT CAST(date_trunc('week', timezone('UTC', a.first_fetched_at)) AS DATE) AS week,
       coalesce(a.language, 'unknown') AS language,
       count(*) AS articles, count(DISTINCT a.domain) AS outlets
FROM topic_matches m
JOIN articles a ON a.article_id = m.article_id
WHERE m.topic = 'china_japan_relations'
  AND CAST(timezone('UTC', a.first_fetched_at) AS DATE) BETWEEN $1 AND $2
GROUP BY ALL
ORDER BY week, articles DESC;
