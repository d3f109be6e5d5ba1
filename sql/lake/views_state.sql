-- The view definitions last created on the lake (NULL before the first time). No parameters.
SELECT views_sha256 FROM lake_state LIMIT 1;
