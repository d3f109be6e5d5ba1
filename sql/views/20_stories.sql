-- views/20_stories: (re-created on every migrate) stories and their members.

-- An outlet is the article's domain without "www."; when the domain is an IP address or
-- localhost (fixture sites), the site name (`source`) stands in for it.
CREATE OR REPLACE MACRO story_outlet(source, domain) AS
    CASE WHEN regexp_matches(coalesce(domain, ''), '^(\d+\.\d+\.\d+\.\d+|\[.*\]|localhost)(:\d+)?$')
              AND nullif(trim(source), '') IS NOT NULL
         THEN lower(trim(source))
         ELSE regexp_replace(lower(coalesce(domain, '')), '^www\.', '') END;

CREATE OR REPLACE VIEW story_articles AS
SELECT a.story_id, a.article_id, a.url, a.title, story_outlet(a.source, a.domain) AS outlet,
       coalesce(a.published_at, a.first_fetched_at) AS dated_at, a.authors,
       l.layer, l.similarity, l.matched_article_id, l.detail, l.decided_at
FROM articles a
LEFT JOIN story_links l ON l.article_id = a.article_id
WHERE a.story_id IS NOT NULL;

-- The representative is the original: earliest published, then the one with a byline.
CREATE OR REPLACE VIEW stories AS
SELECT story_id,
       first(article_id ORDER BY dated_at, coalesce(len(authors), 0) > 0 DESC, article_id) AS representative_article_id,
       first(title ORDER BY dated_at, coalesce(len(authors), 0) > 0 DESC, article_id) AS title,
       min(dated_at) AS first_seen,
       max(dated_at) AS last_seen,
       count(*) AS n_articles,
       count(DISTINCT outlet) AS n_outlets
FROM story_articles
GROUP BY story_id;
