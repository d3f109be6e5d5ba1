-- Counts for the run summary, from stg_resolution.
SELECT count(*) FILTER (WHERE chosen AND is_new) AS articles_new,
       count(*) FILTER (WHERE chosen AND changed) AS articles_updated,
       count(*) FILTER (WHERE NOT chosen) AS duplicates_in_batch
FROM stg_resolution;
