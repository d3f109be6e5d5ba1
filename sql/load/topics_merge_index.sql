-- Merge the staged batch into the search index: only new or changed documents are written;
-- a changed document's old postings are removed first. $now.
DELETE FROM search_postings
WHERE doc_id IN (SELECT doc_id FROM tmp_tag_docs WHERE changed);

DELETE FROM search_docs
WHERE doc_id IN (SELECT doc_id FROM tmp_tag_docs WHERE changed);

INSERT INTO search_terms SELECT term_id, term FROM tmp_tag_terms WHERE is_new ORDER BY term_id;

INSERT INTO search_postings
SELECT p.term_id, p.doc_id, p.field, p.pos
FROM tmp_tag_postings p
WHERE p.doc_id IN (SELECT doc_id FROM tmp_tag_docs WHERE is_new OR changed)
ORDER BY p.term_id, p.doc_id, p.field, p.pos;

INSERT INTO search_docs
SELECT doc_id, article_id, content_hash, length, language, domain, source, ts, $now
FROM tmp_tag_docs WHERE is_new OR changed;
