-- Every URL variant that resolved to an article ($1: now). stg_urls is deduplicated by url.
INSERT INTO article_urls (url, article_id, kind, first_seen_at)
SELECT u.url, u.article_id, u.kind, $1 FROM stg_urls u
ANTI JOIN article_urls a ON a.url = u.url;
