-- Purpose: active feeds by status, and the failing or dead ones with why (current state of the
-- feeds table, not as of the report day).
-- Parameters: none. Grain: one row per active feed; problem feeds first, worst first.
SELECT feed_id, url, title, status, last_error, last_error_at, last_success_at, failures,
       consecutive_failures
FROM feeds
WHERE active
ORDER BY status = 'dead' DESC, status = 'failing' DESC, failures DESC, url;
