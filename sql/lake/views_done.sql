-- Record the view definitions just created. $1: sha256 of the view files.
UPDATE lake_state SET views_sha256 = $1, updated_at = now();
