-- Purpose: the topic list for `presswatch topics list`.
-- Parameters: none.
-- Grain: one row per topic.
SELECT t.name, t.version, count(m.article_id) AS matches, max(m.matched_at) AS last_match_at,
       t.languages, t.description
FROM topics t
LEFT JOIN topic_matches m ON m.topic = t.name
GROUP BY t.name, t.version, t.languages, t.description
ORDER BY t.name;
