-- lake: the run's row, MERGE keyed on run_id (a run is loaded once). $1..$13: the columns of runs.
MERGE INTO runs t
USING (SELECT $1::VARCHAR AS run_id, $2::TIMESTAMPTZ AS started_at,
              $3::TIMESTAMPTZ AS loaded_at, $4::VARCHAR AS trigger, $5::INTEGER AS feeds_polled,
              $6::INTEGER AS feeds_not_modified, $7::INTEGER AS feeds_failed,
              $8::INTEGER AS new_entries, $9::INTEGER AS pages_fetched,
              $10::INTEGER AS pages_failed, $11::INTEGER AS articles_new,
              $12::INTEGER AS articles_updated, $13::VARCHAR AS stats_json) s
ON t.run_id = s.run_id
WHEN NOT MATCHED THEN INSERT VALUES (s.run_id, s.started_at, s.loaded_at, s.trigger,
    s.feeds_polled, s.feeds_not_modified, s.feeds_failed, s.new_entries, s.pages_fetched,
    s.pages_failed, s.articles_new, s.articles_updated, s.stats_json);
