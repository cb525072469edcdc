-- Zenith's own data. Portable SQL: the same statements run on SQLite and PostgreSQL.
-- Ids are UUID text made by the application; times are UTC milliseconds since the epoch.

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('customer', 'support', 'admin')),
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    disabled_at         BIGINT,
    -- TOTP: the secret sealed with the master key; the last accepted time step (replay guard).
    totp_secret_sealed  TEXT,
    totp_pending_sealed TEXT,
    totp_enabled_at     BIGINT,
    totp_last_step      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Each customer is a CloudStack account; its API key and secret are sealed with the master key.
CREATE TABLE customers (
    user_id           TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    cs_account_name   TEXT NOT NULL UNIQUE,
    cs_domain_id      TEXT,
    cs_account_id     TEXT,
    cs_user_id        TEXT,
    cs_api_key        TEXT,
    cs_secret_sealed  TEXT,
    provisioned_at    BIGINT
);

-- Signed-in sessions, one row per sign-in: listing, revocation, idle and absolute expiry.
-- The tower-sessions cookie store holds only this row's id.
CREATE TABLE auth_sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT,
    user_agent   TEXT,
    revoked_at   BIGINT
);
CREATE INDEX auth_sessions_by_user ON auth_sessions (user_id, revoked_at);

-- Who did what, when, to whom: append-only. `subject_customer_id` is whose account it concerns.
CREATE TABLE audit_log (
    id                  TEXT PRIMARY KEY,
    at                  BIGINT NOT NULL,
    actor_user_id       TEXT,
    actor_email         TEXT,
    actor_role          TEXT,
    subject_customer_id TEXT,
    category            TEXT NOT NULL,
    action              TEXT NOT NULL,
    target_id           TEXT,
    outcome             TEXT NOT NULL,
    detail              TEXT,
    ip                  TEXT
);
CREATE INDEX audit_by_subject ON audit_log (subject_customer_id, at);
CREATE INDEX audit_by_target ON audit_log (target_id, at);

-- Cloud jobs Zenith started, followed until they end (also after a restart).
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    instance_id      TEXT,
    zone_id          TEXT,
    cloud_job_id     TEXT,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    progress         BIGINT,
    error            TEXT,
    result_state     TEXT,
    secret_delivered BIGINT NOT NULL DEFAULT 0,
    audit_id         TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_poll_at     BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX jobs_pending ON jobs (status, next_poll_at);
CREATE INDEX jobs_by_instance ON jobs (instance_id, created_at);

-- A deploy is recorded with its idempotency key before the cloud is called: a repeat gets the
-- first answer instead of a second instance.
CREATE TABLE deploy_requests (
    customer_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'unknown')),
    instance_id     TEXT,
    job_id          TEXT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (customer_id, idempotency_key)
);

-- Failed sign-in (and other secret-checking) attempts, for throttling across servers.
CREATE TABLE auth_failures (
    id     TEXT PRIMARY KEY,
    scope  TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX auth_failures_by_scope ON auth_failures (scope, at);

-- The price list, by CloudStack service offering name. Money in integer minor units.
CREATE TABLE prices (
    offering_name TEXT PRIMARY KEY,
    hourly_minor  BIGINT NOT NULL CHECK (hourly_minor >= 0),
    monthly_minor BIGINT NOT NULL CHECK (monthly_minor >= 0)
);
INSERT INTO prices (offering_name, hourly_minor, monthly_minor) VALUES
    ('Agile XS', 1, 450), ('Agile S', 1, 700), ('Agile M', 2, 1300), ('Agile L', 4, 2500), ('Agile XL', 7, 4900), ('Agile XXL', 12, 8500),
    ('Stamina XS', 1, 650), ('Stamina S', 2, 1000), ('Stamina M', 3, 1900), ('Stamina L', 5, 3600), ('Stamina XL', 10, 6900), ('Stamina XXL', 17, 11900);
