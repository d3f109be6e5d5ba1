-- lake 005_alerts: migrations/005_alerts.sql for the DuckLake backend, without the PRIMARY KEY
-- (topic, event_day, channel), which DuckLake cannot enforce: there the key is kept by MERGE
-- statements and serialised commits (presswatch.lake). Keep in step with the original.
CREATE TABLE alert_history (
    topic            VARCHAR NOT NULL,
    event_day        DATE NOT NULL,               -- the UTC day that spiked
    channel          VARCHAR NOT NULL,            -- smtp | webhook
    status           VARCHAR NOT NULL,            -- pending | sending | sent | failed
    stories          INTEGER NOT NULL,            -- distinct stories that day (not copies)
    articles         INTEGER NOT NULL,
    baseline_median  DOUBLE,
    baseline_mad     DOUBLE,
    score            DOUBLE,                      -- robust z of the day (see docs/digest.md)
    threshold        DOUBLE,                      -- stories needed to count as a spike
    payload_json     VARCHAR NOT NULL,            -- what is sent (webhook body; the mail is built from it)
    payload_hash     VARCHAR NOT NULL,            -- sha256 of payload_json
    target           VARCHAR,                     -- recipients or webhook URL, as configured then
    detected_at      TIMESTAMPTZ NOT NULL,
    claimed_at       TIMESTAMPTZ,                 -- when a process started delivering it
    sent_at          TIMESTAMPTZ,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       VARCHAR                      -- key: (topic, event_day, channel)
);
