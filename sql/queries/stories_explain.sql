-- Purpose: why an article is in its story: its link, the matched article, the story's figures.
-- Parameters: $1 article id. Grain: one row.
SELECT sa.article_id, sa.url, sa.title, sa.outlet, sa.dated_at, sa.story_id, sa.layer,
       sa.similarity, sa.matched_article_id, sa.detail, sa.decided_at, l.run_id,
       m.url AS matched_url, m.title AS matched_title, m.outlet AS matched_outlet,
       s.title AS story_title, s.n_articles, s.n_outlets, s.first_seen, s.last_seen,
       s.representative_article_id
FROM story_articles sa
LEFT JOIN story_links l ON l.article_id = sa.article_id
LEFT JOIN story_articles m ON m.article_id = sa.matched_article_id
JOIN stories s ON s.story_id = sa.story_id
WHERE sa.article_id = $1;
