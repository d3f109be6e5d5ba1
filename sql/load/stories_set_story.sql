-- The story of each newly decided article (stg_links); a story, once set, never changes.
UPDATE articles SET story_id = l.story_id
FROM stg_links l
WHERE articles.article_id = l.article_id AND articles.story_id IS NULL;
