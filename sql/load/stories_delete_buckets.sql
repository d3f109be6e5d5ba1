-- Drop the LSH buckets of articles being re-indexed (stg_sig holds their new signatures).
-- $1, $2: time range covering the old rows (lets DuckDB skip row groups of story_buckets).
DELETE FROM story_buckets
WHERE dated_at BETWEEN $1 AND $2 AND article_id IN (SELECT article_id FROM stg_sig);
