-- The DuckLake backend's own bookkeeping (presswatch.lake), created once in one transaction.
-- schema_migrations: as in the DuckDB file (there `version` is a PRIMARY KEY; here concurrent
-- migrators are kept apart by commit conflicts, see presswatch.lake.migrate).
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER NOT NULL,
    name        VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
);

-- One row. `commits` is the commit token: every writing transaction updates it, so that two
-- transactions running at the same time always conflict at commit (DuckLake reports a conflict
-- for an insert racing a delete on one table, never for two inserts) and the later one is
-- retried against the new snapshot, where its MERGE statements see the other's rows.
-- `views_sha256`: the view definitions last created, so views are only re-created on change.
CREATE TABLE IF NOT EXISTS lake_state (
    commits       BIGINT NOT NULL,
    views_sha256  VARCHAR,
    updated_at    TIMESTAMPTZ NOT NULL
);

INSERT INTO lake_state
SELECT 0, NULL, now() WHERE NOT EXISTS (SELECT 1 FROM lake_state);
