-- Drop the old signatures of articles being re-indexed (stg_sig holds the new ones).
DELETE FROM story_signatures WHERE article_id IN (SELECT article_id FROM stg_sig);
