-- lake: add feeds from stg_new_feeds, MERGE keyed on url (a URL already present is left as it
-- is). $1: now.
MERGE INTO feeds f
USING (SELECT * FROM stg_new_feeds QUALIFY row_number() OVER (PARTITION BY url ORDER BY feed_id) = 1) n
ON f.url = n.url
WHEN NOT MATCHED THEN INSERT (feed_id, url, fetch_url, title, site_url, category, language, added_at)
VALUES (n.feed_id, n.url, n.url, n.title, n.site_url, n.category, n.language, $1);
