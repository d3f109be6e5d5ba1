-- The staged batch's tokens, filled slice by slice by topics_stage_tokens.sql. No parameters.
CREATE OR REPLACE TEMP TABLE tmp_tag_tokens (
    doc_id INTEGER,
    field  UTINYINT,
    term   VARCHAR,
    pos    INTEGER
);
