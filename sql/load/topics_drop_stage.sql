-- Drop the scratch tables of a tagging step. No parameters.
DROP TABLE IF EXISTS tmp_tag_docs;
DROP TABLE IF EXISTS tmp_tag_tokens;
DROP TABLE IF EXISTS tmp_tag_terms;
DROP TABLE IF EXISTS tmp_tag_postings;
DROP TABLE IF EXISTS tmp_tag_matches;
