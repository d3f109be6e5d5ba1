-- Purpose: share of voice of a topic: its matching articles per outlet and per language over a
-- window of days, with the last day's count beside.
-- Parameters: $1 topic, $2 first day (DATE), $3 last day (DATE).
-- Grain: one row per (dimension, key): dimension 'outlet' (key = outlet, name = site name) or
-- 'language' (ISO 639-1, 'und' when unknown); most articles first.
WITH m AS (
    SELECT d.*
    FROM topic_matches tm
    JOIN digest_articles d ON d.article_id = tm.article_id
    WHERE tm.topic = $1 AND d.day BETWEEN $2 AND $3
)
SELECT 'outlet' AS dimension, outlet AS key, min(outlet_name) AS name, count(*) AS articles,
       count(*) FILTER (WHERE day = $3) AS last_day
FROM m GROUP BY outlet
UNION ALL
SELECT 'language', language, language, count(*), count(*) FILTER (WHERE day = $3)
FROM m GROUP BY language
ORDER BY dimension DESC, articles DESC, key;
