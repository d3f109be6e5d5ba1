-- Articles whose search-index entry is missing or stale (text changed since it was indexed),
-- oldest first. No parameters.
SELECT a.article_id
FROM articles a
LEFT JOIN search_docs d ON d.article_id = a.article_id
WHERE d.article_id IS NULL OR d.content_hash <> a.content_hash
ORDER BY a.first_fetched_at, a.article_id;
