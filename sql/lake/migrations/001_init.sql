-- lake 001_init: the ingest schema of migrations/001_init.sql for the DuckLake backend.
-- DuckLake has no PRIMARY KEY, UNIQUE or index: the same tables and columns (types, NOT NULL,
-- literal defaults) without them. Uniqueness of the natural keys (noted on each table) comes from
-- the MERGE statements in sql/lake/load/ and from serialised commits (presswatch.lake).
-- Keep in step with migrations/001_init.sql (tests/test_lake.py compares the two schemas).


CREATE TABLE feeds (
    feed_id          BIGINT NOT NULL,             -- key; stable hash of the feed URL
    url              VARCHAR NOT NULL,            -- unique; as added by the user (normalised)
    fetch_url        VARCHAR NOT NULL,            -- where we poll it (follows permanent redirects)
    title            VARCHAR,
    site_url         VARCHAR,
    category         VARCHAR,
    language         VARCHAR,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    status           VARCHAR NOT NULL DEFAULT 'new',   -- new | ok | failing | dead
    feed_version     VARCHAR,                     -- rss20, atom10, rss10, ...
    etag             VARCHAR,
    last_modified    VARCHAR,
    body_sha256      VARCHAR,
    added_at         TIMESTAMPTZ NOT NULL,
    last_attempt_at  TIMESTAMPTZ,
    last_success_at  TIMESTAMPTZ,
    last_new_entry_at TIMESTAMPTZ,
    next_poll_at     TIMESTAMPTZ,
    polls            INTEGER NOT NULL DEFAULT 0,
    failures         DOUBLE NOT NULL DEFAULT 0,   -- weighted consecutive failures
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_status      INTEGER,                     -- last HTTP status
    last_error       VARCHAR,                     -- fixed reason (presswatch.reasons)
    last_error_at    TIMESTAMPTZ
);

CREATE TABLE feed_entries (
    feed_id          BIGINT NOT NULL,
    guid             VARCHAR NOT NULL,
    url              VARCHAR,                     -- absolute link as in the feed
    url_normalized   VARCHAR,                     -- tracking params, fragment, AMP suffix removed
    title            VARCHAR,
    summary          VARCHAR,
    content_html     VARCHAR,                     -- content:encoded / atom:content when present
    authors          VARCHAR[],
    tags             VARCHAR[],
    published_at     TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ,
    date_problem     VARCHAR,                     -- future_date / invalid_date when the feed date was refused
    first_seen_at    TIMESTAMPTZ NOT NULL,
    first_seen_run   VARCHAR,
    article_id       BIGINT,                      -- set when the page is stored
    page_status      VARCHAR NOT NULL DEFAULT 'pending',  -- pending | stored | failed | skipped
    page_reason      VARCHAR,
    page_attempts    INTEGER NOT NULL DEFAULT 0,
    page_next_attempt_at TIMESTAMPTZ              -- key: (feed_id, guid)
);

CREATE TABLE articles (
    article_id       BIGINT NOT NULL,             -- key; stable hash of the first canonical URL
    url              VARCHAR NOT NULL,            -- unique; canonical URL (normalised)
    title            VARCHAR,
    text             VARCHAR NOT NULL,
    language         VARCHAR,                     -- ISO 639-1
    published_at     TIMESTAMPTZ,
    date_source      VARCHAR,                     -- feed | page | url | none
    modified_at      TIMESTAMPTZ,
    authors          VARCHAR[],
    source           VARCHAR,                     -- site name
    domain           VARCHAR NOT NULL,
    description      VARCHAR,
    categories       VARCHAR[],
    tags             VARCHAR[],
    image            VARCHAR,
    feed_id          BIGINT,                      -- feed through which it was first seen
    first_fetched_at TIMESTAMPTZ NOT NULL,
    fetched_at       TIMESTAMPTZ NOT NULL,
    http_etag        VARCHAR,
    http_last_modified VARCHAR,
    extraction_method VARCHAR NOT NULL,           -- trafilatura | trafilatura_recall | feed_content | none
    extraction_reason VARCHAR,                    -- NULL or extraction_empty
    extractor        VARCHAR NOT NULL,            -- e.g. 'trafilatura 2.3.1'
    encoding         VARCHAR,
    content_hash     VARCHAR NOT NULL,            -- sha256 of the normalised text
    word_count       INTEGER NOT NULL,
    revision         INTEGER NOT NULL DEFAULT 1,
    first_run        VARCHAR,
    updated_run      VARCHAR
);

CREATE TABLE article_urls (
    url              VARCHAR NOT NULL,            -- key; every normalised URL variant seen for an article
    article_id       BIGINT NOT NULL,
    kind             VARCHAR NOT NULL,            -- canonical | final | requested | feed_link
    first_seen_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE article_revisions (
    article_id       BIGINT NOT NULL,
    revision         INTEGER NOT NULL,            -- the revision number this text had
    title            VARCHAR,
    text             VARCHAR NOT NULL,
    content_hash     VARCHAR NOT NULL,
    published_at     TIMESTAMPTZ,
    modified_at      TIMESTAMPTZ,
    fetched_at       TIMESTAMPTZ NOT NULL,
    replaced_at      TIMESTAMPTZ NOT NULL         -- key: (article_id, revision)
);

CREATE TABLE raw_pages (
    article_id       BIGINT NOT NULL,             -- key
    fetched_at       TIMESTAMPTZ NOT NULL,
    final_url        VARCHAR NOT NULL,
    content_type     VARCHAR,
    header_charset   VARCHAR,
    html_gzip        BLOB                         -- NULL once pruned by retention
);

CREATE TABLE fetch_events (
    run_id           VARCHAR NOT NULL,
    fetched_at       TIMESTAMPTZ NOT NULL,
    kind             VARCHAR NOT NULL,            -- feed | page | robots
    feed_id          BIGINT,
    url              VARCHAR NOT NULL,
    final_url        VARCHAR,
    http_status      INTEGER,
    outcome          VARCHAR NOT NULL,            -- ok | not_modified | failed | skipped
    reason           VARCHAR,                     -- fixed reason (presswatch.reasons)
    bytes            BIGINT NOT NULL DEFAULT 0,   -- bytes received on the wire
    duration_ms      DOUBLE NOT NULL DEFAULT 0,
    redirects        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE runs (
    run_id           VARCHAR NOT NULL,            -- key
    started_at       TIMESTAMPTZ NOT NULL,
    loaded_at        TIMESTAMPTZ NOT NULL,
    trigger          VARCHAR,                     -- cli | airflow | demo
    feeds_polled     INTEGER,
    feeds_not_modified INTEGER,
    feeds_failed     INTEGER,
    new_entries      INTEGER,
    pages_fetched    INTEGER,
    pages_failed     INTEGER,
    articles_new     INTEGER,
    articles_updated INTEGER,
    stats_json       VARCHAR
);
