-- Raw HTML (zlib-compressed) of new and changed articles, for `presswatch reextract`.
INSERT OR REPLACE INTO raw_pages
SELECT r.article_id, x.fetched_at, x.final_url, x.content_type, x.header_charset, x.html_gzip
FROM stg_extracted x
JOIN stg_resolution r ON r.url = x.url AND r.chosen
LEFT JOIN raw_pages p ON p.article_id = r.article_id
WHERE x.html_gzip IS NOT NULL AND (r.is_new OR r.changed OR p.article_id IS NULL);
