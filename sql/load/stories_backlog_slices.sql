-- The backlog (articles without a story) cut into slices of at most $n articles in storage
-- order: (first rowid, last rowid, articles) each. Reading a slice's texts then touches only its
-- own row groups, where reading them in time order would read the whole table per batch.
SELECT min(r), max(r), count(*)
FROM (SELECT a.rowid AS r, (row_number() OVER (ORDER BY a.rowid) - 1) // $n AS slice
      FROM articles a WHERE a.story_id IS NULL)
GROUP BY slice
ORDER BY 1;
