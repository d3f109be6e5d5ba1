-- Purpose: headline counts for `presswatch status`. Parameters: none. Grain: one row.
SELECT (SELECT count(*) FROM feeds) AS feeds_total,
       (SELECT count(*) FROM articles) AS articles,
       (SELECT count(*) FROM feed_entries) AS entries,
       (SELECT count(*) FROM feed_entries WHERE article_id IS NULL AND page_status = 'pending') AS pages_pending,
       (SELECT count(*) FROM feed_entries WHERE page_status IN ('failed', 'skipped')) AS pages_failed,
       (SELECT count(*) FROM runs) AS runs;
