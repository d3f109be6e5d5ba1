-- Candidate pairs (new article, indexed article) for the articles in stg_new, from every layer:
-- same URL key or same text (within $3 s), a shared LSH band bucket (within $4 s), same outlet
-- and normalised title (within $5 s). $1, $2: the batch's time range widened by the longest
-- window (constant bounds let DuckDB skip row groups outside it).
WITH sig AS (
    SELECT article_id, dated_at, url_key, text_key, title_key, outlet
    FROM story_signatures WHERE dated_at BETWEEN $1 AND $2
), pairs AS (
    SELECT n.article_id, s.article_id AS candidate_id
    FROM stg_new n JOIN sig s ON s.url_key = n.url_key
    WHERE abs(epoch(s.dated_at) - epoch(n.dated_at)) <= $3
    UNION
    SELECT n.article_id, s.article_id
    FROM stg_new n JOIN sig s ON s.text_key = n.text_key
    WHERE abs(epoch(s.dated_at) - epoch(n.dated_at)) <= $3
    UNION
    SELECT n.article_id, s.article_id
    FROM stg_new n JOIN sig s ON s.title_key = n.title_key AND s.outlet = n.outlet
    WHERE abs(epoch(s.dated_at) - epoch(n.dated_at)) <= $5
    UNION
    SELECT nb.article_id, b.article_id
    FROM stg_new_buckets nb
    JOIN story_buckets b ON b.bucket = nb.bucket
    WHERE b.dated_at BETWEEN $1 AND $2 AND abs(epoch(b.dated_at) - epoch(nb.dated_at)) <= $4
)
SELECT article_id, candidate_id FROM pairs WHERE article_id <> candidate_id;
