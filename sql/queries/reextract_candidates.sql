-- Purpose: articles whose raw HTML is kept, for `presswatch reextract`.
-- Parameters: $1 only articles whose extraction came out empty (BOOLEAN), $2 limit (or NULL).
-- Grain: article.
SELECT a.article_id, a.url, p.final_url, p.content_type, p.header_charset, p.html_gzip,
       a.fetched_at, a.http_etag, a.http_last_modified, a.feed_id,
       e.title AS feed_title, e.content_html AS feed_content_html,
       CASE WHEN a.date_source = 'feed' THEN a.published_at END AS feed_published_at
FROM articles a
JOIN raw_pages p ON p.article_id = a.article_id
LEFT JOIN (SELECT article_id, any_value(title) AS title, any_value(content_html) AS content_html
           FROM feed_entries WHERE article_id IS NOT NULL GROUP BY article_id) e
       ON e.article_id = a.article_id
WHERE p.html_gzip IS NOT NULL AND (NOT $1 OR a.extraction_reason IS NOT NULL)
ORDER BY a.article_id
LIMIT $2;
