-- Articles for a list of article ids, in the order given. $1: article ids (BIGINT[]).
SELECT a.article_id, a.title, a.url, a.domain, a.source, a.language,
       coalesce(a.published_at, a.first_fetched_at) AS ts, a.text
FROM (SELECT unnest(CAST($1 AS BIGINT[])) AS article_id,
             generate_subscripts(CAST($1 AS BIGINT[]), 1) AS k) ids
JOIN articles a ON a.article_id = ids.article_id
ORDER BY ids.k;
