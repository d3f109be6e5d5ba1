-- Purpose: the largest stories (most outlets, then most articles), with their outlets.
-- Parameters: $1 since (TIMESTAMPTZ or NULL: stories seen at or after it), $2 limit.
-- Grain: one row per story.
WITH top AS (
    SELECT * FROM stories
    WHERE $1::TIMESTAMPTZ IS NULL OR last_seen >= $1::TIMESTAMPTZ
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
