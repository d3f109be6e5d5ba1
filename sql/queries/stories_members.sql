-- Purpose: the articles of one story, oldest first, with the layer that joined each.
-- Parameters: $1 story id. Grain: one row per article.
SELECT article_id, outlet, dated_at, layer, similarity, matched_article_id, title, url
FROM story_articles WHERE story_id = $1
ORDER BY dated_at, article_id;
