-- One batch of the articles that need a story ($1: their ids, from stories_pending_keys.sql).
-- (A row group whose story_id has no NULL is skipped from its statistics, so once the archive
-- is assigned this reads only the newly loaded rows.)
SELECT a.article_id, a.url, a.title, a.text, a.source,
       story_outlet(a.source, a.domain) AS outlet,
       coalesce(a.published_at, a.first_fetched_at) AS dated_at,
       a.content_hash, a.story_id, FALSE AS has_signature, NULL::TIMESTAMPTZ AS signature_at
FROM articles a
WHERE a.story_id IS NULL AND a.article_id IN (SELECT unnest($1::BIGINT[]))
ORDER BY dated_at, a.article_id;
