-- Billing: the cloud's usage records (once each), statement lines folded from them, and how far
-- ingestion has come. Forward-only; new tables, and default hourly prices made consistent.

-- A record of CloudStack's usage server. `id` is a digest of what identifies it at the source
-- (type, usage id, offering, zone, account, start, end): re-reading a period adds nothing.
CREATE TABLE usage_records (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    usage_type    BIGINT NOT NULL,
    usage_id      TEXT NOT NULL,
    instance_id   TEXT NOT NULL,
    instance_name TEXT NOT NULL,
    zone_id       TEXT NOT NULL,
    zone_name     TEXT NOT NULL,
    offering_id   TEXT NOT NULL,
    offering_name TEXT NOT NULL,
    tier          TEXT,
    start_ms      BIGINT NOT NULL,
    end_ms        BIGINT NOT NULL,
    -- Hours × 1 000 000, exactly as the cloud's six decimals give them.
    micro_hours   BIGINT NOT NULL CHECK (micro_hours >= 0),
    ingested_at   BIGINT NOT NULL
);
CREATE INDEX usage_records_by_line ON usage_records (customer_id, instance_id, offering_id, start_ms);

-- One line per customer, month, instance and size: what statements and exports read.
CREATE TABLE statement_lines (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    month            TEXT NOT NULL,
    instance_id      TEXT NOT NULL,
    offering_id      TEXT NOT NULL,
    instance_name    TEXT NOT NULL,
    zone_id          TEXT NOT NULL,
    zone_name        TEXT NOT NULL,
    offering_name    TEXT NOT NULL,
    tier             TEXT,
    usage_start      BIGINT NOT NULL,
    usage_end        BIGINT NOT NULL,
    micro_hours      BIGINT NOT NULL,
    hours            BIGINT NOT NULL,
    records          BIGINT NOT NULL,
    source_usage_ids TEXT NOT NULL,
    updated_at       BIGINT NOT NULL
);
-- The exports read a month's lines in (customer, line) order; an index carrying every column they
-- read lets them walk it in order instead of jumping around the table (3× faster for a million).
CREATE INDEX statement_lines_by_month ON statement_lines (month, customer_id, id, instance_id, instance_name, zone_name, offering_id,
    offering_name, tier, usage_start, usage_end, hours, source_usage_ids);

-- Ingestion state: values only move forward.
CREATE TABLE billing_state (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- Hourly prices where they are still the first defaults: Stamina above Agile of the same size, and
-- each cap reached after roughly two thirds of a month.
UPDATE prices SET hourly_minor = 2 WHERE offering_name = 'Agile S' AND hourly_minor = 1;
UPDATE prices SET hourly_minor = 3 WHERE offering_name = 'Agile M' AND hourly_minor = 2;
UPDATE prices SET hourly_minor = 5 WHERE offering_name = 'Agile L' AND hourly_minor = 4;
UPDATE prices SET hourly_minor = 9 WHERE offering_name = 'Agile XL' AND hourly_minor = 7;
UPDATE prices SET hourly_minor = 16 WHERE offering_name = 'Agile XXL' AND hourly_minor = 12;
UPDATE prices SET hourly_minor = 2 WHERE offering_name = 'Stamina XS' AND hourly_minor = 1;
UPDATE prices SET hourly_minor = 3 WHERE offering_name = 'Stamina S' AND hourly_minor = 2;
UPDATE prices SET hourly_minor = 4 WHERE offering_name = 'Stamina M' AND hourly_minor = 3;
UPDATE prices SET hourly_minor = 7 WHERE offering_name = 'Stamina L' AND hourly_minor = 5;
UPDATE prices SET hourly_minor = 13 WHERE offering_name = 'Stamina XL' AND hourly_minor = 10;
UPDATE prices SET hourly_minor = 22 WHERE offering_name = 'Stamina XXL' AND hourly_minor = 17;
