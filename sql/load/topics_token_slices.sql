-- The staged batch cut into slices of at most $n documents: (first doc_id, last doc_id) each.
SELECT min(doc_id), max(doc_id)
FROM (SELECT doc_id, (row_number() OVER (ORDER BY doc_id) - 1) // $n AS slice FROM tmp_tag_docs)
GROUP BY slice
ORDER BY 1;
