-- The signatures of one batch (stg_sig; story_id is NULL until decided). $1: now.
INSERT INTO story_signatures (article_id, content_hash, dated_at, outlet, url_key, text_key,
    title_key, n_tokens, n_shingles, minhash, facts, indexed_at, story_id)
SELECT article_id, content_hash, dated_at, outlet, url_key, text_key, title_key, n_tokens,
       n_shingles, minhash, facts, $1, story_id
FROM stg_sig;
