-- Purpose: the article an id or URL designates (explain). Parameters: $1 URL, $2 article id or NULL.
-- Grain: article ids (at most a few rows).
SELECT article_id FROM articles WHERE url = $1 OR article_id = $2
UNION
SELECT article_id FROM article_urls WHERE url = $1;
