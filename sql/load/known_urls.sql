-- Which of the staged candidate URLs (stg_candidates.url) already belong to an article.
SELECT u.url, u.article_id FROM article_urls u JOIN stg_candidates c ON c.url = u.url;
