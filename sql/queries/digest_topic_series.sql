-- Purpose: daily attention per topic: matching articles, distinct stories (a story carried by
-- 30 outlets counts once) and outlets, per UTC publication day (views/50_digest.sql).
-- Parameters: $1 first day (DATE), $2 last day (DATE), $3 topic name or NULL (all).
-- Grain: topic x day, only days with at least one matching article.
SELECT tm.topic, d.day, count(*) AS articles, count(DISTINCT d.story_key) AS stories,
       count(DISTINCT d.outlet) AS outlets
FROM topic_matches tm
JOIN digest_articles d ON d.article_id = tm.article_id
WHERE d.day BETWEEN $1 AND $2
  AND (CAST($3 AS VARCHAR) IS NULL OR tm.topic = CAST($3 AS VARCHAR))
GROUP BY tm.topic, d.day
ORDER BY tm.topic, d.day;
