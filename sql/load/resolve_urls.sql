-- Every URL variant of this run's pages, once each, with the article it resolved to.
CREATE OR REPLACE TEMP TABLE stg_urls AS
SELECT u AS url, arg_min(article_id, prio) AS article_id, arg_min(kind, prio) AS kind
FROM (
    SELECT x.canonical_url AS u, r.article_id, 'canonical' AS kind, 1 AS prio
    FROM stg_extracted x JOIN stg_resolution r ON r.url = x.url
    UNION ALL
    SELECT x.final_url, r.article_id, 'final', 2
    FROM stg_extracted x JOIN stg_resolution r ON r.url = x.url
    UNION ALL
    SELECT x.url, r.article_id, 'requested', 3
    FROM stg_extracted x JOIN stg_resolution r ON r.url = x.url
)
WHERE u IS NOT NULL
GROUP BY u;
