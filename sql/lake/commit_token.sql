-- Take the commit token (see bootstrap.sql): run inside every writing transaction, just before
-- COMMIT, by presswatch.lake.LakeConnection. No parameters.
UPDATE lake_state SET commits = commits + 1, updated_at = now();
