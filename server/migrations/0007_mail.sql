-- Mail: every message is a row written in the same transaction as what caused it (no mail for a
-- change that rolled back, no change whose mail is lost); a worker delivers it, retrying with backoff,
-- and each row is claimed by one server at a time.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    -- When to try next; a server that claims the row moves `claimed_until` forward first.
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT NOT NULL DEFAULT 0,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         BIGINT,
    gave_up_at      BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
