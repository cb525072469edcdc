-- Links sent by email (a password reset): only the SHA-256 of the token is kept. A link works once,
-- until it expires, while it is the newest of its account, and only while the account's password is
-- the one it was issued under (`password_changed_at`).
CREATE TABLE account_tokens (
    token_hash          TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose             TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    used_at             BIGINT
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);
