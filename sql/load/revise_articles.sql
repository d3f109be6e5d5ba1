-- Keep the text being replaced as a revision (changed content hash only). $1: now.
INSERT INTO article_revisions
SELECT a.article_id, a.revision, a.title, a.text, a.content_hash, a.published_at,
       a.modified_at, a.fetched_at, $1
FROM articles a
JOIN stg_resolution r ON r.article_id = a.article_id AND r.chosen AND NOT r.is_new
JOIN stg_extracted x ON x.url = r.url
WHERE x.content_hash <> a.content_hash
ON CONFLICT DO NOTHING;
