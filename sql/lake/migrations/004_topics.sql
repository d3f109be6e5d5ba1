-- lake 004_topics: migrations/004_topics.sql for the DuckLake backend (no PRIMARY KEY; topics.name
-- stays unique through sql/lake/load/topics_insert.sql). Keep in step with the original.

-- Topics as defined in topics.yml; `version` goes up when the query or languages change.
CREATE TABLE topics (
    name             VARCHAR NOT NULL,            -- key; [a-z0-9_]+
    query            VARCHAR NOT NULL,            -- in the topic language (presswatch.querylang)
    description      VARCHAR,
    languages        VARCHAR[],                   -- NULL: all languages
    version          INTEGER NOT NULL,
    definition_hash  VARCHAR NOT NULL,            -- sha256 of query + languages
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

-- One row per (topic, article) that matches the topic's current version.
CREATE TABLE topic_matches (
    topic            VARCHAR NOT NULL,
    topic_version    INTEGER NOT NULL,
    article_id       BIGINT NOT NULL,
    matched_at       TIMESTAMPTZ NOT NULL,
    matched_terms    VARCHAR[] NOT NULL           -- labels of the query parts that matched
);

-- The search index. Documents get a dense doc_id on first indexing (kept on re-indexing).
CREATE TABLE search_docs (
    doc_id           INTEGER NOT NULL,
    article_id       BIGINT NOT NULL,
    content_hash     VARCHAR NOT NULL,            -- articles.content_hash when indexed
    length           INTEGER NOT NULL,            -- tokens in the body
    language         VARCHAR,                     -- lower case
    domain           VARCHAR,                     -- lower case
    source           VARCHAR,
    ts               TIMESTAMPTZ,                 -- coalesce(published_at, first_fetched_at)
    indexed_at       TIMESTAMPTZ NOT NULL
);

-- The term dictionary: whole words (lower case, NFC) and CJK character bigrams.
CREATE TABLE search_terms (
    term_id          INTEGER NOT NULL,
    term             VARCHAR NOT NULL
);

-- One row per token occurrence; field 0 = title, 1 = body. Appended in term_id order per batch.
CREATE TABLE search_postings (
    term_id          INTEGER NOT NULL,
    doc_id           INTEGER NOT NULL,
    field            UTINYINT NOT NULL,
    pos              INTEGER NOT NULL
);
