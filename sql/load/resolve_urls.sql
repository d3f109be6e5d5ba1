-- Every URL variant of this run's pages, once each, with the article it resolved to
-- (from stg_resolution, which already carries each page's canonical and final URL).
CREATE OR REPLACE TEMP TABLE stg_urls AS
SELECT u AS url, arg_min(article_id, prio) AS article_id, arg_min(kind, prio) AS kind
FROM (
    SELECT canonical_url AS u, article_id, 'canonical' AS kind, 1 AS prio FROM stg_resolution
    UNION ALL
    SELECT final_url, article_id, 'final', 2 FROM stg_resolution
    UNION ALL
    SELECT url, article_id, 'requested', 3 FROM stg_resolution
)
WHERE u IS NOT NULL
GROUP BY u;
