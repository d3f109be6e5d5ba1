-- New articles: one row per resolved article (stg_resolution.chosen AND is_new).
-- $1: run_id.
INSERT INTO articles (article_id, url, title, text, language, published_at, date_source,
    modified_at, authors, source, domain, description, categories, tags, image, feed_id,
    first_fetched_at, fetched_at, http_etag, http_last_modified, extraction_method,
    extraction_reason, extractor, encoding, content_hash, word_count, revision, first_run,
    updated_run)
SELECT r.article_id, r.article_url, x.title, x.text, x.language, x.published_at, x.date_source,
       x.modified_at, x.authors, x.source, x.domain, x.description, x.categories, x.tags,
       x.image, x.feed_id, x.fetched_at, x.fetched_at, x.http_etag, x.http_last_modified,
       x.extraction_method, x.extraction_reason, x.extractor, x.encoding, x.content_hash,
       x.word_count, 1, $1, $1
FROM stg_extracted x
JOIN stg_resolution r ON r.url = x.url
WHERE r.chosen AND r.is_new;
