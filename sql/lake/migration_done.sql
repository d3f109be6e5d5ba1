-- Record an applied migration. $1: version, $2: name.
INSERT INTO schema_migrations VALUES ($1, $2, now());
