-- 006_signature_story: each signature carries its article's story (set when the story is
-- decided), so a batch reads its candidates' stories from the time-ordered signatures, skipping
-- row groups outside the window, instead of joining the whole articles table.
ALTER TABLE story_signatures ADD COLUMN story_id BIGINT;
UPDATE story_signatures SET story_id = a.story_id
FROM articles a
WHERE a.article_id = story_signatures.article_id;
