-- Entries whose (normalised) link now belongs to a stored article point at it.
UPDATE feed_entries SET article_id = u.article_id, page_status = 'stored', page_reason = NULL,
       page_next_attempt_at = NULL
FROM article_urls u
WHERE feed_entries.url_normalized = u.url AND feed_entries.article_id IS NULL;
