-- lake: the signatures of one batch (stg_sig; story_id is NULL until decided), MERGE keyed on
-- article_id. $1: now.
MERGE INTO story_signatures t
USING stg_sig s
ON t.article_id = s.article_id
WHEN MATCHED THEN UPDATE SET content_hash = s.content_hash, dated_at = s.dated_at,
    outlet = s.outlet, url_key = s.url_key, text_key = s.text_key, title_key = s.title_key,
    n_tokens = s.n_tokens, n_shingles = s.n_shingles, minhash = s.minhash, facts = s.facts,
    indexed_at = $1, story_id = s.story_id
WHEN NOT MATCHED THEN INSERT (article_id, content_hash, dated_at, outlet, url_key, text_key,
    title_key, n_tokens, n_shingles, minhash, facts, indexed_at, story_id)
VALUES (s.article_id, s.content_hash, s.dated_at, s.outlet, s.url_key, s.text_key, s.title_key,
    s.n_tokens, s.n_shingles, s.minhash, s.facts, $1, s.story_id);
