-- From the staged tokens: the batch's term dictionary (known ids, new ids after the largest),
-- its postings, and each document's body length. No parameters.
CREATE OR REPLACE TEMP TABLE tmp_tag_terms AS
WITH b AS (SELECT DISTINCT term FROM tmp_tag_tokens),
known AS (SELECT t.term_id, t.term FROM search_terms t JOIN b ON b.term = t.term),
top AS (SELECT coalesce(max(term_id), 0) AS m FROM search_terms)
SELECT term_id, term, false AS is_new FROM known
UNION ALL
SELECT CAST(top.m + row_number() OVER (ORDER BY b.term) AS INTEGER), b.term, true
FROM b CROSS JOIN top
WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.term = b.term);

CREATE OR REPLACE TEMP TABLE tmp_tag_postings AS
SELECT t.term_id, k.doc_id, k.field, k.pos
FROM tmp_tag_tokens k JOIN tmp_tag_terms t ON t.term = k.term;

UPDATE tmp_tag_docs SET length = n.n
FROM (SELECT doc_id, count(*) AS n FROM tmp_tag_tokens WHERE field = 1 GROUP BY doc_id) n
WHERE n.doc_id = tmp_tag_docs.doc_id;
