-- An updated page replaces the stored text (one row per URL; the old text went to
-- article_revisions). The first publication date is kept. $1: run_id.
UPDATE articles SET
    title = coalesce(x.title, articles.title), text = x.text,
    language = coalesce(x.language, articles.language),
    published_at = coalesce(articles.published_at, x.published_at),
    date_source = CASE WHEN articles.published_at IS NULL THEN x.date_source ELSE articles.date_source END,
    modified_at = x.modified_at, authors = x.authors, description = x.description,
    categories = x.categories, tags = x.tags, image = x.image, fetched_at = x.fetched_at,
    http_etag = x.http_etag, http_last_modified = x.http_last_modified,
    extraction_method = x.extraction_method, extraction_reason = x.extraction_reason,
    extractor = x.extractor, encoding = x.encoding, content_hash = x.content_hash,
    word_count = x.word_count, revision = articles.revision + 1, updated_run = $1
FROM stg_resolution r, stg_extracted x
WHERE r.article_id = articles.article_id AND r.chosen AND NOT r.is_new AND x.url = r.url
  AND x.content_hash <> articles.content_hash;
