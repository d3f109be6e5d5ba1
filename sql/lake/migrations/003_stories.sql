-- lake 003_stories: migrations/003_stories.sql for the DuckLake backend (no PRIMARY KEY; the keys
-- are noted and kept by the MERGE statements of sql/lake/load/). Keep in step with the original.
-- articles.story_id: the story an article belongs to (= article_id of the story's first
-- processed article). NULL until presswatch.stories.assign_stories has seen the article.
ALTER TABLE articles ADD COLUMN story_id BIGINT;

-- Why each article is in its story: one row per article (written once, kept on text updates).
CREATE TABLE story_links (
    article_id          BIGINT NOT NULL,    -- key
    story_id            BIGINT NOT NULL,
    layer               VARCHAR NOT NULL,   -- url | exact | near_duplicate | title | self
    similarity          DOUBLE,             -- 1.0 for url/exact; MinHash Jaccard estimate otherwise
    matched_article_id  BIGINT,             -- the article it matched (NULL for self)
    detail              VARCHAR,            -- e.g. 'jaccard=0.81 containment=0.93 facts agree=4 ...'
    decided_at          TIMESTAMPTZ NOT NULL,
    run_id              VARCHAR
);

-- The signature of each article's current text (refreshed when content_hash changes).
CREATE TABLE story_signatures (
    article_id   BIGINT NOT NULL,          -- key
    content_hash VARCHAR NOT NULL,          -- articles.content_hash this signature was built from
    dated_at           TIMESTAMPTZ NOT NULL,      -- coalesce(published_at, first_fetched_at)
    outlet       VARCHAR NOT NULL,          -- story_outlet(source, domain)
    url_key      BIGINT NOT NULL,           -- hash of the loose URL identity (similarity.url_key)
    text_key     BIGINT,                    -- hash of the normalised words (NULL: text too short)
    title_key    BIGINT,                    -- hash of outlet + normalised title (NULL: under 4 words)
    n_tokens     INTEGER NOT NULL,
    n_shingles   INTEGER NOT NULL,
    minhash      BLOB,                      -- 128 x uint32 little-endian (datasketch affine32)
    facts        VARCHAR[],                 -- numbers/dates/ordinals in context (merge veto)
    indexed_at   TIMESTAMPTZ NOT NULL
);

-- MinHash LSH band buckets (42 bands x 3 rows): a new article's candidates are the articles
-- sharing a bucket within the time window. Rows are appended in time order, so the `dated_at`
-- filter lets DuckDB skip row groups outside the window (cost follows the window, not the archive).
CREATE TABLE story_buckets (
    bucket     BIGINT NOT NULL,
    article_id BIGINT NOT NULL,
    dated_at         TIMESTAMPTZ NOT NULL
);
