-- The LSH band buckets of one batch (stg_buckets), appended in time order.
INSERT INTO story_buckets SELECT bucket, article_id, dated_at FROM stg_buckets ORDER BY dated_at, article_id;
