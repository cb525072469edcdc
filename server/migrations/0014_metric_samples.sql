-- The panel's own samples of each running VM's counters, for clouds without
-- listVirtualMachinesUsageHistory (before CloudStack 4.18): kept 30 days. CPU in hundredths of a
-- percent; the counters as the cloud gives them (KiB, operations), cumulative.
CREATE TABLE metric_samples (
    vm_id          TEXT NOT NULL,
    at_ms          BIGINT NOT NULL,
    cpu_centi      BIGINT NOT NULL,
    net_read_kib   BIGINT NOT NULL,
    net_write_kib  BIGINT NOT NULL,
    disk_read_kib  BIGINT NOT NULL,
    disk_write_kib BIGINT NOT NULL,
    disk_read_ops  BIGINT NOT NULL,
    disk_write_ops BIGINT NOT NULL,
    PRIMARY KEY (vm_id, at_ms)
);
CREATE INDEX metric_samples_by_time ON metric_samples (at_ms);
