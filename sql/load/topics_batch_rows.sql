-- The storage range (rowid) holding one batch's articles (stg_tag_ids): the batch's texts are
-- then read from those row groups only, not from the whole archive. No parameters.
SELECT coalesce(min(a.rowid), 0), coalesce(max(a.rowid), -1)
FROM articles a
WHERE a.article_id IN (SELECT article_id FROM stg_tag_ids);
