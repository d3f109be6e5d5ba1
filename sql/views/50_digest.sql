-- views/50_digest: (re-created on every migrate) the articles as the daily digest and the spike
-- alerts count them (presswatch.digest, presswatch.alerts; docs/digest.md).
-- NEEDS migration 003 (articles.story_id) and views/20_stories.sql (story_outlet).
--
-- day: the UTC day of publication, falling back to the first fetch when the article has no date
-- (date_source 'none'). Publication day, not ingest day: an old article discovered today (a new
-- feed's back catalogue) lands on its own day instead of inflating today.
-- story_key: the story (articles.story_id), or the article itself until stories have run, so
-- a wire story carried by 30 outlets counts once.
CREATE OR REPLACE VIEW digest_articles AS
SELECT a.article_id,
       CAST(timezone('UTC', coalesce(a.published_at, a.first_fetched_at)) AS DATE) AS day,
       coalesce(a.published_at, a.first_fetched_at) AS dated_at,
       a.published_at IS NULL AS undated,
       coalesce(a.story_id, a.article_id) AS story_key,
       story_outlet(a.source, a.domain) AS outlet,
       coalesce(nullif(trim(a.source), ''), story_outlet(a.source, a.domain)) AS outlet_name,
       coalesce(nullif(lower(trim(a.language)), ''), 'und') AS language,
       a.title, a.url, coalesce(len(a.authors), 0) > 0 AS has_byline
FROM articles a;
