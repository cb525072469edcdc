-- Typed ids and capabilities, throttling that holds under parallel requests, support sessions.
-- Forward-only and safe with the previous version still running: new tables and columns only. (The
-- previous version's `auth_failures` stays until a later migration, so a rolling upgrade keeps
-- throttling on the servers not yet upgraded.)

-- A customer's cloud credentials carry a version: a server that cached older keys reloads them.
ALTER TABLE customers ADD COLUMN key_version BIGINT NOT NULL DEFAULT 0;

-- Attempts at a guarded action (sign-in, a second factor, a password check, a sign-up), keyed by a
-- fixed-length digest of the scope so no input can grow a key. An attempt is recorded before it is
-- evaluated and removed again when it succeeds (or was refused unevaluated), so parallel requests
-- count each other; what is left are the failures.
CREATE TABLE throttle_attempts (
    id     TEXT PRIMARY KEY,
    scope  TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX throttle_attempts_by_scope ON throttle_attempts (scope, at);

-- A staff member viewing a customer's panel: its own record, checked on every request.
CREATE TABLE impersonations (
    id               TEXT PRIMARY KEY,
    staff_user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    staff_session_id TEXT NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
    customer_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mode             TEXT NOT NULL CHECK (mode IN ('read_only', 'acting')),
    reason           TEXT NOT NULL,
    ticket           TEXT,
    started_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    ended_at         BIGINT,
    end_reason       TEXT,
    ip               TEXT,
    user_agent       TEXT
);
CREATE INDEX impersonations_by_session ON impersonations (staff_session_id, ended_at);
CREATE INDEX impersonations_by_customer ON impersonations (customer_id, started_at);

-- Actions taken in a support session name it.
ALTER TABLE audit_log ADD COLUMN impersonation_id TEXT;
CREATE INDEX audit_by_impersonation ON audit_log (impersonation_id, at);

-- The customer decides whether support may look without asking.
ALTER TABLE users ADD COLUMN support_access TEXT NOT NULL DEFAULT 'always' CHECK (support_access IN ('always', 'consent'));
ALTER TABLE users ADD COLUMN support_access_until BIGINT;

-- A deploy retry after an unknown outcome claims the request by moving it from 'unknown' (or a stale
-- 'pending') to a fresh 'pending' with a compare-and-set on this counter: one retry wins.
ALTER TABLE deploy_requests ADD COLUMN attempt BIGINT NOT NULL DEFAULT 0;
