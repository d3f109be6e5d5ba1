-- Raw HTML (zlib-compressed) of new and changed articles, for `presswatch reextract`: the old
-- rows of changed articles are deleted, then every wanted row is inserted. A plain INSERT
-- streams its rows to disk; INSERT OR REPLACE held them all in memory (20,000 articles with
-- real-sized compressed HTML ran DuckDB out of its default 256 MB).
DELETE FROM raw_pages
WHERE article_id IN (SELECT r.article_id FROM stg_resolution r
                     WHERE r.chosen AND (r.is_new OR r.changed));

INSERT INTO raw_pages
SELECT r.article_id, x.fetched_at, x.final_url, x.content_type, x.header_charset, x.html_gzip
FROM stg_extracted x
JOIN stg_resolution r ON r.url = x.url AND r.chosen
ANTI JOIN raw_pages p ON p.article_id = r.article_id
WHERE x.html_gzip IS NOT NULL;
