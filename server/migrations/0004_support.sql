-- Support: the instance directory (finding a customer by an instance's name, id or address) and
-- leases (one server at a time sweeps it). Forward-only; new tables only.

-- What Zenith last saw of each instance. The cloud owns instances; this is an index for support
-- search, refreshed by a sweep. Rows of instances that vanished stay, marked gone.
CREATE TABLE instance_directory (
    instance_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    zone_id     TEXT NOT NULL,
    -- Lower case, for search.
    name        TEXT NOT NULL,
    ipv4        TEXT,
    -- Canonical (RFC 5952), so any notation typed finds it.
    ipv6        TEXT,
    state       TEXT NOT NULL,
    seen_at     BIGINT NOT NULL,
    gone_at     BIGINT
);
CREATE INDEX instance_directory_by_ipv4 ON instance_directory (ipv4);
CREATE INDEX instance_directory_by_ipv6 ON instance_directory (ipv6);
CREATE INDEX instance_directory_by_name ON instance_directory (name);
CREATE INDEX instance_directory_by_zone ON instance_directory (zone_id, gone_at);

-- Periodic work one server does at a time: the holder, and until when.
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  BIGINT NOT NULL
);

-- The audit view filters by staff member and by time.
CREATE INDEX audit_by_actor ON audit_log (actor_user_id, at);
CREATE INDEX audit_by_time ON audit_log (at);

-- One open support session per staff session, even when two starts race.
CREATE UNIQUE INDEX impersonations_one_open ON impersonations (staff_session_id) WHERE ended_at IS NULL;
