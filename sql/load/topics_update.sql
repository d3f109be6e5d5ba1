-- Update a topic; the version goes up when the definition hash changes.
-- $1 name, $2 query, $3 description, $4 languages, $5 hash, $6 now.
UPDATE topics SET
    version = CASE WHEN definition_hash <> $5 THEN version + 1 ELSE version END,
    query = $2, description = $3, languages = CAST($4 AS VARCHAR[]), definition_hash = $5,
    updated_at = $6
WHERE name = $1;
