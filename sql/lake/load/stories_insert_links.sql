-- lake: why each newly decided article is in its story (stg_links), MERGE keyed on article_id
-- instead of ON CONFLICT. $1: now, $2: run_id.
MERGE INTO story_links t
USING stg_links s
ON t.article_id = s.article_id
WHEN MATCHED THEN UPDATE SET story_id = s.story_id, layer = s.layer, similarity = s.similarity,
    matched_article_id = s.matched_article_id, detail = s.detail, decided_at = $1, run_id = $2
WHEN NOT MATCHED THEN INSERT (article_id, story_id, layer, similarity, matched_article_id,
    detail, decided_at, run_id)
VALUES (s.article_id, s.story_id, s.layer, s.similarity, s.matched_article_id, s.detail, $1, $2);
