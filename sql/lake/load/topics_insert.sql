-- lake: a new topic at version 1, MERGE keyed on name. $1 name, $2 query, $3 description,
-- $4 languages, $5 hash, $6 now.
MERGE INTO topics t
USING (SELECT $1::VARCHAR AS name) s
ON t.name = s.name
WHEN NOT MATCHED THEN INSERT VALUES ($1, $2, $3, CAST($4 AS VARCHAR[]), 1, $5, $6, $6);
