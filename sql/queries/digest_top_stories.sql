-- Purpose: a topic's stories of one day, one line per story (never per copy), most outlets
-- first. A story is listed when at least one of its articles dated that day matches the topic;
-- its size counts every member article dated up to that day (copies that do not themselves
-- match the topic included), so a digest rendered again later shows what was known that day.
-- The title and link are the story's original: earliest dated, then the one with a byline.
-- Parameters: $1 topic, $2 day (DATE), $3 limit.
-- Grain: one row per story.
WITH listed AS (
    SELECT DISTINCT d.story_key
    FROM topic_matches tm
    JOIN digest_articles d ON d.article_id = tm.article_id
    WHERE tm.topic = $1 AND d.day = $2
),
members AS (
    SELECT d.*
    FROM digest_articles d
    JOIN listed l ON l.story_key = d.story_key
    WHERE d.day <= $2
)
SELECT story_key,
       first(title ORDER BY dated_at, has_byline DESC, article_id) AS title,
       first(url ORDER BY dated_at, has_byline DESC, article_id) AS url,
       first(outlet_name ORDER BY dated_at, has_byline DESC, article_id) AS first_outlet,
       min(dated_at) AS first_seen,
       count(*) AS articles,
       count(DISTINCT outlet) AS outlets,
       count(*) FILTER (WHERE day = $2) AS articles_today,
       list_sort(list_distinct(list(outlet_name))) AS outlet_names,
       (SELECT count(*) FROM listed) AS stories_listed
FROM members
GROUP BY story_key
ORDER BY outlets DESC, articles DESC, first_seen, story_key
LIMIT $3;
