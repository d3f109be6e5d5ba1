-- lake: every URL variant that resolved to an article, MERGE keyed on url (stg_urls has one row
-- per url). $1: now.
MERGE INTO article_urls a
USING stg_urls u
ON a.url = u.url
WHEN NOT MATCHED THEN INSERT (url, article_id, kind, first_seen_at)
VALUES (u.url, u.article_id, u.kind, $1);
