-- Add feeds from stg_new_feeds; a URL already present is left as it is. $1: now.
INSERT INTO feeds (feed_id, url, fetch_url, title, site_url, category, language, added_at)
SELECT n.feed_id, n.url, n.url, n.title, n.site_url, n.category, n.language, $1
FROM stg_new_feeds n
ANTI JOIN feeds f ON f.url = n.url;
