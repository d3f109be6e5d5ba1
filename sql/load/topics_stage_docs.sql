-- Stage one batch of articles for indexing and tagging: the ids are in stg_tag_ids
-- (article_id BIGINT, registered by presswatch.search.stage_batch). $lo, $hi: the rowid range
-- holding them (topics_batch_rows.sql), so only those row groups' texts are read.
-- Existing documents keep their doc_id; new ones are numbered after the largest one.
CREATE OR REPLACE TEMP TABLE tmp_tag_docs AS
WITH ids AS (SELECT DISTINCT article_id FROM stg_tag_ids),
top AS (SELECT coalesce(max(doc_id), 0) AS m FROM search_docs)
SELECT CAST(coalesce(d.doc_id, top.m + row_number() OVER (
           PARTITION BY d.doc_id IS NULL ORDER BY a.article_id)) AS INTEGER) AS doc_id,
       a.article_id, a.content_hash, 0 AS length, lower(a.language) AS language,
       lower(a.domain) AS domain, a.source,
       coalesce(a.published_at, a.first_fetched_at) AS ts,
       d.doc_id IS NULL AS is_new,
       d.doc_id IS NOT NULL AND d.content_hash <> a.content_hash AS changed,
       a.title, a.text
FROM ids
JOIN articles a ON a.article_id = ids.article_id AND a.rowid BETWEEN $lo AND $hi
LEFT JOIN search_docs d ON d.article_id = a.article_id
CROSS JOIN top;
