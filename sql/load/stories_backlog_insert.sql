-- Append one fingerprinted slice (stg_backlog, registered from Arrow). No parameters.
INSERT INTO tmp_story_backlog BY NAME SELECT * FROM stg_backlog;
