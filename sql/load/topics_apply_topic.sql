-- Make topic_matches agree with tmp_tag_matches for one topic over the whole archive (after
-- its query changed). $topic: topic name, $now.
DELETE FROM topic_matches m
WHERE m.topic = $topic
  AND NOT EXISTS (SELECT 1 FROM tmp_tag_matches n
                  WHERE n.topic = m.topic AND n.article_id = m.article_id
                    AND n.topic_version = m.topic_version
                    AND n.matched_terms IS NOT DISTINCT FROM m.matched_terms);

INSERT INTO topic_matches
SELECT n.topic, n.topic_version, n.article_id, $now, n.matched_terms
FROM tmp_tag_matches n
WHERE NOT EXISTS (SELECT 1 FROM topic_matches m
                  WHERE n.topic = m.topic AND n.article_id = m.article_id
                    AND n.topic_version = m.topic_version
                    AND n.matched_terms IS NOT DISTINCT FROM m.matched_terms);
