-- The fingerprinted backlog, waiting to be decided in time order (no texts: about 1 KB per
-- article, spilled to disk by DuckDB if need be). No parameters.
CREATE OR REPLACE TEMP TABLE tmp_story_backlog (
    article_id   BIGINT,
    dated_at     TIMESTAMPTZ,
    outlet       VARCHAR,
    content_hash VARCHAR,
    url_text     VARCHAR,
    url_key      BIGINT,
    title_key    BIGINT,
    text_key     BIGINT,
    n_tokens     INTEGER,
    n_shingles   INTEGER,
    minhash      BLOB,
    facts        VARCHAR[],
    bands        BIGINT[]
);
