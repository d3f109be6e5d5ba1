-- Map each successfully extracted page of this run (stg_extracted) to an article id.
-- A page joins an existing article when any of its URLs (canonical, final, requested) is already
-- known; otherwise it becomes a new article keyed by its canonical URL. Pages of one batch that
-- resolve to the same article collapse to one (the text with most words wins;
-- word_count is staged, so the texts themselves are not read here), so inserts never see a
-- key twice. Ids are presswatch.ids.stable_id(): the first 63 bits of sha256(url).
CREATE OR REPLACE TEMP TABLE stg_resolution AS
WITH ok AS (
    SELECT url, final_url, canonical_url, article_id AS given_id, content_hash,
           word_count AS text_len, coalesce(canonical_url, final_url, url) AS own_url
    FROM stg_extracted
    WHERE outcome = 'ok' AND content_hash IS NOT NULL
), ids AS (
    SELECT ok.*,
           coalesce(ok.given_id, kc.article_id, kf.article_id, ku.article_id,
                    (('0x' || left(sha256(ok.own_url), 16))::UBIGINT
                     & 9223372036854775807::UBIGINT)::BIGINT) AS article_id
    FROM ok
    LEFT JOIN article_urls kc ON kc.url = ok.canonical_url
    LEFT JOIN article_urls kf ON kf.url = ok.final_url
    LEFT JOIN article_urls ku ON ku.url = ok.url
), ranked AS (
    SELECT ids.*,
           row_number() OVER (PARTITION BY article_id
                              ORDER BY text_len DESC, (url = canonical_url) DESC, url DESC) AS rnk
    FROM ids
)
SELECT r.url, r.article_id, r.own_url AS article_url, r.final_url, r.canonical_url,
       a.article_id IS NULL AS is_new,
       r.rnk = 1 AS chosen,
       a.article_id IS NOT NULL AND r.rnk = 1 AND a.content_hash <> r.content_hash AS changed
FROM ranked r
LEFT JOIN articles a ON a.article_id = r.article_id;
