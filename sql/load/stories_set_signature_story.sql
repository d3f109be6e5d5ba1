-- The story of each newly decided article (stg_links) on its signature. $1, $2: the batch's
-- time range (its signatures lie inside it; the bounds let DuckDB skip older row groups).
UPDATE story_signatures SET story_id = l.story_id
FROM stg_links l
WHERE story_signatures.article_id = l.article_id
  AND story_signatures.dated_at BETWEEN $1 AND $2
  AND story_signatures.story_id IS NULL;
