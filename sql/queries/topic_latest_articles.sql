-- Purpose: the most recently matched articles of a topic.
-- Parameters: $1 topic name, $2 limit.
-- Grain: one row per article.
SELECT m.matched_at, a.title, a.domain, a.url, m.matched_terms
FROM topic_matches m
JOIN articles a ON a.article_id = m.article_id
WHERE m.topic = $1
ORDER BY m.matched_at DESC, a.first_fetched_at DESC, a.article_id
LIMIT $2;
