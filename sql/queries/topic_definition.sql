-- Purpose: one topic's stored definition.
-- Parameters: $1 topic name.
-- Grain: one row (or none).
SELECT name, query, description, languages, version, updated_at FROM topics WHERE name = $1;
