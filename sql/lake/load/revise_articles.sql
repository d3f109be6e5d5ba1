-- lake: keep the text being replaced as a revision (changed content hash only), MERGE keyed on
-- (article_id, revision) instead of ON CONFLICT DO NOTHING. $1: now.
MERGE INTO article_revisions v
USING (
    SELECT a.article_id, a.revision, a.title, a.text, a.content_hash, a.published_at,
           a.modified_at, a.fetched_at
    FROM articles a
    JOIN stg_resolution r ON r.article_id = a.article_id AND r.chosen AND NOT r.is_new
    JOIN stg_extracted x ON x.url = r.url
    WHERE x.content_hash <> a.content_hash
    QUALIFY row_number() OVER (PARTITION BY a.article_id ORDER BY x.url) = 1
) s
ON v.article_id = s.article_id AND v.revision = s.revision
WHEN NOT MATCHED THEN INSERT (article_id, revision, title, text, content_hash, published_at,
    modified_at, fetched_at, replaced_at)
VALUES (s.article_id, s.revision, s.title, s.text, s.content_hash, s.published_at,
    s.modified_at, s.fetched_at, $1);
