-- A new topic at version 1. $1 name, $2 query, $3 description, $4 languages, $5 hash, $6 now.
INSERT INTO topics VALUES ($1, $2, $3, CAST($4 AS VARCHAR[]), 1, $5, $6, $6);
