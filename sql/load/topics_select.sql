-- Stored topics. No parameters.
SELECT name, query, description, languages, version, definition_hash, created_at, updated_at
FROM topics ORDER BY name;
