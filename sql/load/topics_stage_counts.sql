-- Counts for the staged batch: documents, new, changed, tokens. No parameters.
SELECT count(*), count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE changed),
       (SELECT count(*) FROM tmp_tag_tokens)
FROM tmp_tag_docs;
