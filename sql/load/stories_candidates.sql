-- Candidate pairs (new article, indexed article) for the articles in stg_new, from every layer:
-- same URL key or same text (dates within $3 s), same outlet and normalised title (within $6 s),
-- a shared LSH band bucket (within $9 s). Each layer also gets constant date bounds (the batch's
-- range widened by its window: $1-$2, $4-$5, $7-$8) so DuckDB skips row groups outside them.
SELECT n.article_id, s.article_id AS candidate_id
FROM stg_new n JOIN story_signatures s ON s.url_key = n.url_key
WHERE s.dated_at BETWEEN $1 AND $2 AND abs(epoch(s.dated_at) - epoch(n.dated_at)) <= $3
  AND s.article_id <> n.article_id
UNION
SELECT n.article_id, s.article_id
FROM stg_new n JOIN story_signatures s ON s.text_key = n.text_key
WHERE s.dated_at BETWEEN $1 AND $2 AND abs(epoch(s.dated_at) - epoch(n.dated_at)) <= $3
  AND s.article_id <> n.article_id
UNION
SELECT n.article_id, s.article_id
FROM stg_new n JOIN story_signatures s ON s.title_key = n.title_key
WHERE s.dated_at BETWEEN $4 AND $5 AND abs(epoch(s.dated_at) - epoch(n.dated_at)) <= $6
  AND s.article_id <> n.article_id
UNION
SELECT nb.article_id, b.article_id
FROM stg_new_buckets nb JOIN story_buckets b ON b.bucket = nb.bucket
WHERE b.dated_at BETWEEN $7 AND $8 AND abs(epoch(b.dated_at) - epoch(nb.dated_at)) <= $9
  AND b.article_id <> nb.article_id;
