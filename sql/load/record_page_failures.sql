-- Pages that failed or were skipped: the entries keep the reason and when to try again.
UPDATE feed_entries SET
    page_status = f.page_status, page_reason = f.reason,
    page_attempts = feed_entries.page_attempts + 1, page_next_attempt_at = f.next_attempt_at
FROM stg_failures f
WHERE feed_entries.url_normalized = f.url AND feed_entries.article_id IS NULL;
