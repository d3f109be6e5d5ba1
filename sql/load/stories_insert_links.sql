-- Why each newly decided article is in its story (stg_links). $1: now, $2: run_id.
INSERT INTO story_links
SELECT article_id, story_id, layer, similarity, matched_article_id, detail, $1, $2
FROM stg_links
ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id, layer = excluded.layer,
    similarity = excluded.similarity, matched_article_id = excluded.matched_article_id,
    detail = excluded.detail, decided_at = excluded.decided_at, run_id = excluded.run_id;
