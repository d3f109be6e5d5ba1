-- One batch of the queued backlog, in processing order. $1 < seq <= $2.
SELECT article_id, dated_at, outlet, content_hash, url_text, url_key, title_key, text_key,
       n_tokens, n_shingles, minhash, facts, bands
FROM tmp_story_queue
WHERE seq > $1 AND seq <= $2
ORDER BY seq;
