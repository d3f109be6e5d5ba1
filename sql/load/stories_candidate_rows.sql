-- What the layers compare for each candidate (stg_cand: candidate ids). $1, $2: time range.
-- Candidates are indexed articles that already have a story; it is read from the signature.
SELECT s.article_id, s.story_id, s.dated_at, s.outlet, s.url_key, s.text_key, s.title_key,
       s.n_tokens, s.n_shingles, s.minhash, s.facts
FROM story_signatures s
JOIN stg_cand c ON c.article_id = s.article_id
WHERE s.dated_at BETWEEN $1 AND $2;
