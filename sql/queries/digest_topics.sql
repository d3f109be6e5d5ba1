-- Purpose: the topics a digest or an alert run covers (all, or the one named).
-- Parameters: $1 topic name or NULL (all). Grain: one row per topic, by name.
SELECT name, description
FROM topics
WHERE CAST($1 AS VARCHAR) IS NULL OR name = CAST($1 AS VARCHAR)
ORDER BY name;
