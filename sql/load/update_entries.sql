-- Entries the feed reports as updated: keep one row, take the newer metadata.
UPDATE feed_entries SET
    title = s.title, summary = s.summary, content_html = s.content_html,
    updated_at = s.updated_at, url = s.url, url_normalized = coalesce(s.url_normalized, feed_entries.url_normalized)
FROM stg_entries s
WHERE feed_entries.feed_id = s.feed_id AND feed_entries.guid = s.guid
  AND s.updated_at IS NOT NULL AND feed_entries.updated_at IS NOT NULL
  AND s.updated_at > feed_entries.updated_at;
