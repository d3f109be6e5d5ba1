-- The backlog of articles that need a story, keys only, in processing order: the texts are
-- read one batch at a time (stories_pending.sql), so a large backlog never sits in memory.
SELECT a.article_id
FROM articles a
WHERE a.story_id IS NULL
ORDER BY coalesce(a.published_at, a.first_fetched_at), a.article_id;
