-- lake: raw HTML (zlib-compressed) of new and changed articles, for `presswatch reextract`:
-- MERGE keyed on article_id instead of INSERT OR REPLACE (DuckLake has no PRIMARY KEY).
MERGE INTO raw_pages p
USING (
    SELECT r.article_id, x.fetched_at, x.final_url, x.content_type, x.header_charset,
           x.html_gzip, r.is_new OR r.changed AS replace_it
    FROM stg_extracted x
    JOIN stg_resolution r ON r.url = x.url AND r.chosen
    WHERE x.html_gzip IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY r.article_id ORDER BY x.url) = 1
) s
ON p.article_id = s.article_id
WHEN MATCHED AND s.replace_it THEN UPDATE SET fetched_at = s.fetched_at,
    final_url = s.final_url, content_type = s.content_type, header_charset = s.header_charset,
    html_gzip = s.html_gzip
WHEN NOT MATCHED THEN INSERT (article_id, fetched_at, final_url, content_type, header_charset,
    html_gzip)
VALUES (s.article_id, s.fetched_at, s.final_url, s.content_type, s.header_charset, s.html_gzip);
