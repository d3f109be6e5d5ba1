-- Purpose: feeds that are failing or dead, worst first. Parameters: none. Grain: feed.
SELECT url, status, last_error, last_error_at, last_success_at, failures, next_poll_at
FROM feeds WHERE status IN ('failing', 'dead')
ORDER BY status = 'dead' DESC, failures DESC, url;
