-- Purpose: the largest stories with at least one article matching a topic, with their outlets.
-- Parameters: $1 since (TIMESTAMPTZ or NULL), $2 limit, $3 topic name (topic_matches.topic).
-- Grain: one row per story.
WITH top AS (
    SELECT * FROM stories
    WHERE ($1::TIMESTAMPTZ IS NULL OR last_seen >= $1::TIMESTAMPTZ)
      AND story_id IN (SELECT a.story_id FROM topic_matches tm
                       JOIN articles a ON a.article_id = tm.article_id
                       WHERE tm.topic = $3)
    ORDER BY n_outlets DESC, n_articles DESC, first_seen DESC, story_id
    LIMIT $2
)
SELECT t.story_id, t.title, t.n_articles, t.n_outlets, t.first_seen, t.last_seen,
       t.representative_article_id,
       list_sort(list_distinct(list(sa.outlet))) AS outlets
FROM top t
JOIN story_articles sa ON sa.story_id = t.story_id
GROUP BY ALL
ORDER BY t.n_outlets DESC, t.n_articles DESC, t.first_seen DESC, t.story_id;
