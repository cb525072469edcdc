-- Snapshot storage (usage type 9): each record's size, what each statement line bills and, for a
-- snapshot's line, the instance whose disk it is; prices per hour (sizes) or per GiB-month (storage).
ALTER TABLE usage_records ADD COLUMN size_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE statement_lines ADD COLUMN resource_type TEXT NOT NULL DEFAULT 'instance';
ALTER TABLE statement_lines ADD COLUMN parent_instance_id TEXT;
ALTER TABLE prices ADD COLUMN unit TEXT NOT NULL DEFAULT 'hour';

-- The exports' covering index gains the new columns they read.
DROP INDEX statement_lines_by_month;
CREATE INDEX statement_lines_by_month ON statement_lines (month, customer_id, id, instance_id, instance_name, zone_name, offering_id,
    offering_name, tier, usage_start, usage_end, hours, source_usage_ids, resource_type, parent_instance_id);

-- Snapshot storage: 5 cents per GiB a month until `zenith prices import` sets the operator's price.
INSERT INTO prices (offering_name, hourly_minor, monthly_minor, unit) VALUES ('Snapshot storage', 0, 5, 'gib_month');
