-- Drop the backlog's scratch tables. No parameters.
DROP TABLE IF EXISTS tmp_story_backlog;
DROP TABLE IF EXISTS tmp_story_queue;
