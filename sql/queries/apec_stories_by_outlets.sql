-- Purpose: APEC stories ranked by how many outlets carried them (needs migration 003: stories).
-- Parameters: $1 first day (DATE, inclusive), $2 last day (DATE, inclusive); UTC ingest days of
-- the matching articles.
-- Grain: one row per story, most outlets first.
SELECT a.story_id, s.n_outlets AS story_outlets, s.n_articles AS story_articles,
       count(*) AS apec_articles, count(DISTINCT a.domain) AS apec_outlets,
       arg_min(a.title, a.first_fetched_at) AS first_title,
       min(a.first_fetched_at) AS first_seen_at
FROM topic_matches m
JOIN articles a ON a.article_id = m.article_id
JOIN stories s ON s.story_id = a.story_id
WHERE m.topic = 'apec'
  AND CAST(timezone('UTC', a.first_fetched_at) AS DATE) BETWEEN $1 AND $2
GROUP BY ALL
ORDER BY story_outlets DESC, story_articles DESC, a.story_id;
