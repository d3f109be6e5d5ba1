-- views/30_topics: (re-created on every migrate) topic analytics over topic_matches.
-- Days are UTC ingest days (articles.first_fetched_at), so that a day's share of attention is
-- measured against everything ingested that day, as Media Cloud and GDELT report it.

-- Placeholder article -> story mapping (story_id NULL) so topic_daily works before stories
-- exist; views/40_topic_stories.sql replaces it with articles.story_id (migration 003).
CREATE OR REPLACE VIEW topic_article_stories AS
SELECT article_id, CAST(NULL AS BIGINT) AS story_id FROM articles;

-- One row per UTC ingest day from the first ingest day to today: articles ingested, feed
-- polls, and whether the day's ingest is complete. A day is incomplete when it is today, when
-- nothing was polled, or when most of the feeds polled that day never succeeded.
CREATE OR REPLACE VIEW ingest_days AS
WITH bounds AS (
    SELECT coalesce(min(CAST(timezone('UTC', first_fetched_at) AS DATE)),
                    CAST(timezone('UTC', now()) AS DATE)) AS first_day,
           CAST(timezone('UTC', now()) AS DATE) AS today
    FROM articles
),
days AS (
    SELECT CAST(unnest(generate_series(first_day, greatest(first_day, today), INTERVAL 1 DAY)) AS DATE) AS day,
           today
    FROM bounds
),
arts AS (
    SELECT CAST(timezone('UTC', first_fetched_at) AS DATE) AS day, count(*) AS n
    FROM articles GROUP BY 1
),
polls AS (
    SELECT CAST(timezone('UTC', fetched_at) AS DATE) AS day,
           count(DISTINCT feed_id) AS feeds_polled,
           count(DISTINCT feed_id) FILTER (WHERE outcome IN ('ok', 'not_modified')) AS feeds_ok
    FROM fetch_events WHERE kind = 'feed' GROUP BY 1
),
run_days AS (
    SELECT CAST(timezone('UTC', loaded_at) AS DATE) AS day, count(*) AS runs,
           sum(feeds_polled) AS run_feeds_polled, sum(feeds_failed) AS run_feeds_failed
    FROM runs GROUP BY 1
)
SELECT d.day,
       coalesce(a.n, 0) AS articles,
       coalesce(r.runs, 0) AS runs,
       coalesce(p.feeds_polled, r.run_feeds_polled, 0) AS feeds_polled,
       coalesce(p.feeds_ok, r.run_feeds_polled - r.run_feeds_failed, 0) AS feeds_ok,
       CASE
           WHEN d.day >= d.today THEN 'today'
           WHEN coalesce(p.feeds_polled, r.run_feeds_polled, 0) = 0 THEN 'no_ingest'
           WHEN coalesce(p.feeds_ok, r.run_feeds_polled - r.run_feeds_failed, 0)
                < 0.5 * coalesce(p.feeds_polled, r.run_feeds_polled) THEN 'feeds_failed'
       END AS incomplete_reason,
       incomplete_reason IS NULL AS complete
FROM days d
LEFT JOIN arts a ON a.day = d.day
LEFT JOIN polls p ON p.day = d.day
LEFT JOIN run_days r ON r.day = d.day;

-- Grain: topic x UTC ingest day (every day, zero-filled). share = matching articles / all
-- articles ingested that day (NULL when nothing was ingested). Use `complete` to avoid
-- plotting partial days as dips.
CREATE OR REPLACE VIEW topic_daily AS
WITH m AS (
    SELECT tm.topic, CAST(timezone('UTC', a.first_fetched_at) AS DATE) AS day,
           count(*) AS n_articles, count(DISTINCT s.story_id) AS n_stories,
           count(DISTINCT a.domain) AS n_outlets
    FROM topic_matches tm
    JOIN articles a ON a.article_id = tm.article_id
    LEFT JOIN topic_article_stories s ON s.article_id = tm.article_id
    GROUP BY ALL
)
SELECT t.name AS topic, d.day,
       coalesce(m.n_articles, 0) AS n_articles,
       coalesce(m.n_stories, 0) AS n_stories,
       coalesce(m.n_outlets, 0) AS n_outlets,
       d.articles AS n_all_articles,
       CASE WHEN d.articles > 0 THEN coalesce(m.n_articles, 0) / d.articles END AS share,
       d.complete, d.incomplete_reason
FROM topics t
CROSS JOIN ingest_days d
LEFT JOIN m ON m.topic = t.name AND m.day = d.day;

-- Grain: topic x domain x source x language (all time). share_of_topic = the outlet's part of
-- the topic's matching articles (share of voice).
CREATE OR REPLACE VIEW topic_sources AS
SELECT tm.topic, a.domain, a.source, a.language,
       count(*) AS n_articles,
       count(*) / sum(count(*)) OVER (PARTITION BY tm.topic) AS share_of_topic,
       min(a.first_fetched_at) AS first_seen_at,
       max(a.first_fetched_at) AS last_seen_at
FROM topic_matches tm
JOIN articles a ON a.article_id = tm.article_id
GROUP BY tm.topic, a.domain, a.source, a.language;
