-- Tokenise the staged batch: NFC, lower case, then runs of letters/digits/marks are words and
-- runs of Chinese/Japanese characters give one token per character (that character and the
-- next one: overlapping bigrams, the run's last character alone). Keep in step with
-- presswatch.querylang.tokenize. field 0 = title, 1 = body.
-- Run once per slice of the batch ($lo-$hi: doc_id bounds, from topics_token_slices.sql) into
-- tmp_tag_tokens (topics_create_tokens.sql): DuckDB holds a whole vector's token lists (up to
-- 2,048 documents) outside its memory limit, so small slices keep that memory small.
INSERT INTO tmp_tag_tokens
WITH f AS (
    SELECT doc_id, CAST(0 AS UTINYINT) AS field, coalesce(title, '') AS body FROM tmp_tag_docs
    WHERE doc_id BETWEEN $lo AND $hi
    UNION ALL
    SELECT doc_id, CAST(1 AS UTINYINT), text FROM tmp_tag_docs
    WHERE doc_id BETWEEN $lo AND $hi
),
l AS (
    SELECT doc_id, field, flatten(list_transform(
        regexp_extract_all(lower(nfc_normalize(body)),
            '[\x{3005}\x{3007}\x{3040}-\x{30FF}\x{31F0}-\x{31FF}\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}\x{FF66}-\x{FF9F}\x{20000}-\x{3134F}]+|[^\p{P}\p{S}\p{Z}\p{C}\x{3005}\x{3007}\x{3040}-\x{30FF}\x{31F0}-\x{31FF}\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}\x{FF66}-\x{FF9F}\x{20000}-\x{3134F}]+'),
        r -> CASE WHEN regexp_matches(r, '^[\x{3005}\x{3007}\x{3040}-\x{30FF}\x{31F0}-\x{31FF}\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}\x{FF66}-\x{FF9F}\x{20000}-\x{3134F}]')
                  THEN list_transform(range(length(r)), i -> substr(r, i + 1, 2))
                  ELSE [r] END)) AS toks
    FROM f
)
SELECT doc_id, field, unnest(toks) AS term, CAST(generate_subscripts(toks, 1) - 1 AS INTEGER) AS pos
FROM l;
