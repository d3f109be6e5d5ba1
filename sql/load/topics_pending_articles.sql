-- Articles whose search-index entry is missing or stale (text changed since it was indexed),
-- in storage order (rowid): consecutive ids then lie in few row groups, and each batch reads
-- only those (topics_batch_rows.sql). No parameters.
SELECT a.article_id
FROM articles a
LEFT JOIN search_docs d ON d.article_id = a.article_id
WHERE d.article_id IS NULL OR d.content_hash <> a.content_hash
ORDER BY a.rowid;
