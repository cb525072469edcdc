-- Reverse DNS: the PTR record of every instance address Zenith has seen, the truth that PowerDNS (or
-- the embedded DNS server, which answers from this table) is kept equal to. One row per address,
-- canonical (IPv4 dotted, IPv6 as RFC 5952 writes it), so every notation is one row.
-- `custom` is 1 when the customer chose the name (forward-confirmed), 0 for the provider's default.
-- `instance_id` is the instance holding the address now; NULL once it let go of it (destroyed): the
-- name is then the default again and the reconciler removes the record.
CREATE TABLE ptr_records (
    address      TEXT PRIMARY KEY,
    reverse_name TEXT NOT NULL UNIQUE,
    zone         TEXT NOT NULL,
    name         TEXT NOT NULL,
    custom       BIGINT NOT NULL,
    instance_id  TEXT,
    cloud_zone   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX ptr_records_zone ON ptr_records (zone);
CREATE INDEX ptr_records_instance ON ptr_records (instance_id);
