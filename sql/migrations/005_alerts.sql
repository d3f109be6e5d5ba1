-- 005_alerts: the alert history (presswatch.alerts; docs/digest.md). Forward-only.
-- One row per spike event (topic x UTC day of the spike) and delivery channel. The primary key
-- is what makes delivery idempotent: a repeated run finds the row and sends nothing again; a
-- failed delivery is retried (up to a bound) from the stored payload, so a retry sends the same
-- bytes. The cool-down also reads this table: an event within PRESSWATCH_ALERT_COOLDOWN_DAYS of
-- an earlier one of the same topic is the same event.
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
    target           VARCHAR,                     -- recipients, or the webhook as scheme://host/… (no token)
    detected_at      TIMESTAMPTZ NOT NULL,
    claimed_at       TIMESTAMPTZ,                 -- when a process started delivering it
    sent_at          TIMESTAMPTZ,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       VARCHAR,
    PRIMARY KEY (topic, event_day, channel)
);
