-- Scratch table for the matches computed in one tagging step. No parameters.
CREATE OR REPLACE TEMP TABLE tmp_tag_matches (
    topic VARCHAR, topic_version INTEGER, article_id BIGINT, matched_terms VARCHAR[]);
