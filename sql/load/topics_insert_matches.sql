-- The matches of one topic: the QUERY placeholder below is replaced by the SQL compiled from the topic's query
-- (presswatch.querylang.compile_query, every value bound). $topic_name, $topic_version.
INSERT INTO tmp_tag_matches
SELECT $topic_name, $topic_version, q.article_id, q.matched FROM (/*QUERY*/) q;
