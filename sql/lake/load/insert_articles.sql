-- lake: new articles, MERGE keyed on article_id (one row per resolved article: stg_resolution
-- chosen AND is_new, deduplicated by id and by URL). $1: run_id.
MERGE INTO articles a
USING (
    SELECT r.article_id, r.article_url, x.title, x.text, x.language, x.published_at,
           x.date_source, x.modified_at, x.authors, x.source, x.domain, x.description,
           x.categories, x.tags, x.image, x.feed_id, x.fetched_at, x.http_etag,
           x.http_last_modified, x.extraction_method, x.extraction_reason, x.extractor,
           x.encoding, x.content_hash, x.word_count, x.url AS page_url
    FROM stg_extracted x
    JOIN stg_resolution r ON r.url = x.url
    WHERE r.chosen AND r.is_new
    QUALIFY row_number() OVER (PARTITION BY r.article_id ORDER BY x.url) = 1
        AND row_number() OVER (PARTITION BY r.article_url ORDER BY r.article_id) = 1
) s
ON a.article_id = s.article_id
WHEN NOT MATCHED THEN INSERT (article_id, url, title, text, language, published_at, date_source,
    modified_at, authors, source, domain, description, categories, tags, image, feed_id,
    first_fetched_at, fetched_at, http_etag, http_last_modified, extraction_method,
    extraction_reason, extractor, encoding, content_hash, word_count, revision, first_run,
    updated_run)
VALUES (s.article_id, s.article_url, s.title, s.text, s.language, s.published_at, s.date_source,
    s.modified_at, s.authors, s.source, s.domain, s.description, s.categories, s.tags,
    s.image, s.feed_id, s.fetched_at, s.fetched_at, s.http_etag, s.http_last_modified,
    s.extraction_method, s.extraction_reason, s.extractor, s.encoding, s.content_hash,
    s.word_count, 1, $1, $1);
