-- Apply staged poll results (stg_feed_results) to feed state. Scheduling was computed by the
-- poll stage (presswatch.scheduling); this statement only writes it.
UPDATE feeds SET
    status = r.status,
    failures = r.failures,
    consecutive_failures = r.consecutive_failures,
    next_poll_at = r.next_poll_at,
    polls = r.polls,
    last_attempt_at = r.polled_at,
    last_status = r.http_status,
    etag = CASE WHEN r.outcome IN ('ok', 'not_modified') THEN r.etag ELSE feeds.etag END,
    last_modified = CASE WHEN r.outcome IN ('ok', 'not_modified') THEN r.last_modified ELSE feeds.last_modified END,
    body_sha256 = CASE WHEN r.outcome = 'ok' THEN r.body_sha256 ELSE feeds.body_sha256 END,
    last_success_at = CASE WHEN r.outcome IN ('ok', 'not_modified') THEN r.polled_at ELSE feeds.last_success_at END,
    last_error = CASE WHEN r.outcome = 'failed' THEN r.reason ELSE feeds.last_error END,
    last_error_at = CASE WHEN r.outcome = 'failed' THEN r.polled_at ELSE feeds.last_error_at END,
    feed_version = coalesce(r.feed_version, feeds.feed_version),
    title = coalesce(feeds.title, r.title),
    site_url = coalesce(feeds.site_url, r.site_url),
    language = coalesce(feeds.language, r.language)
FROM stg_feed_results r
WHERE feeds.feed_id = r.feed_id;
