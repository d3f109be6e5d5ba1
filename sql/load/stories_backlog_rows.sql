-- One slice of the backlog with the texts to fingerprint ($1-$2: rowid range, from
-- stories_backlog_slices.sql).
SELECT a.article_id, a.url, a.title, a.text, a.source,
       story_outlet(a.source, a.domain) AS outlet,
       coalesce(a.published_at, a.first_fetched_at) AS dated_at,
       a.content_hash
FROM articles a
WHERE a.story_id IS NULL AND a.rowid BETWEEN $1 AND $2;
