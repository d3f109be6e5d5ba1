-- views/40_topic_stories: (re-created on every migrate) topics x stories.
-- NEEDS migration 003 (articles.story_id and the `stories` relation with story_id,
-- n_articles, n_outlets); without it these statements fail.

-- The real article -> story mapping (replaces the placeholder of views/30_topics.sql, so
-- topic_daily.n_stories counts stories from here on).
CREATE OR REPLACE VIEW topic_article_stories AS
SELECT article_id, story_id FROM articles;

-- Grain: topic x story x ISO week of the story's first matching article. topic_articles /
-- topic_outlets count the story's articles that match the topic; story_articles /
-- story_outlets are the whole story's size. rank_in_week: 1 = the story carried by most
-- outlets that week for that topic.
CREATE OR REPLACE VIEW topic_top_stories AS
WITH per_story AS (
    SELECT tm.topic, a.story_id,
           count(*) AS topic_articles, count(DISTINCT a.domain) AS topic_outlets,
           min(a.first_fetched_at) AS first_seen_at, max(a.first_fetched_at) AS last_seen_at,
           arg_min(a.title, a.first_fetched_at) AS first_title
    FROM topic_matches tm
    JOIN articles a ON a.article_id = tm.article_id
    WHERE a.story_id IS NOT NULL
    GROUP BY ALL
)
SELECT p.topic, CAST(date_trunc('week', timezone('UTC', p.first_seen_at)) AS DATE) AS week,
       p.story_id, p.first_title, p.topic_articles, p.topic_outlets,
       s.n_articles AS story_articles, s.n_outlets AS story_outlets,
       p.first_seen_at, p.last_seen_at,
       rank() OVER (PARTITION BY p.topic, CAST(date_trunc('week', timezone('UTC', p.first_seen_at)) AS DATE)
                    ORDER BY s.n_outlets DESC, s.n_articles DESC, p.story_id) AS rank_in_week
FROM per_story p
JOIN stories s ON s.story_id = p.story_id;
