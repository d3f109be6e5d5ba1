-- The fingerprinted backlog numbered in processing order (time, then article_id); returns
-- how many are queued. No parameters.
CREATE OR REPLACE TEMP TABLE tmp_story_queue AS
SELECT *, row_number() OVER (ORDER BY dated_at, article_id) AS seq
FROM tmp_story_backlog
ORDER BY seq;
DROP TABLE tmp_story_backlog;
SELECT count(*) FROM tmp_story_queue;
