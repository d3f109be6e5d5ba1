-- Articles with a story whose text changed since their signature was built (they keep their
-- story; the signature is rebuilt). $1: run_id, or NULL to check every article.
-- stories.py runs stories_touched.sql first and skips this when it finds nothing (the common
-- case), so a cycle without updated articles never joins the signatures table.
SELECT a.article_id, a.url, a.title, a.text, a.source,
       story_outlet(a.source, a.domain) AS outlet,
       coalesce(a.published_at, a.first_fetched_at) AS dated_at,
       a.content_hash, a.story_id, s.article_id IS NOT NULL AS has_signature,
       s.dated_at AS signature_at
FROM articles a
LEFT JOIN story_signatures s ON s.article_id = a.article_id
WHERE a.story_id IS NOT NULL
  AND ($1::VARCHAR IS NULL OR a.updated_run = $1::VARCHAR)
  AND (s.article_id IS NULL OR s.content_hash <> a.content_hash)
ORDER BY dated_at, a.article_id;
