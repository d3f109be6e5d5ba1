-- Does this run have updated articles that already have a story? $1: run_id.
SELECT count(*) FROM articles
WHERE updated_run = $1 AND first_run IS DISTINCT FROM $1 AND story_id IS NOT NULL;
