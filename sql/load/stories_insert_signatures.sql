-- The signatures of one batch (stg_sig). $1: now.
INSERT INTO story_signatures
SELECT article_id, content_hash, dated_at, outlet, url_key, text_key, title_key, n_tokens,
       n_shingles, minhash, facts, $1
FROM stg_sig;
