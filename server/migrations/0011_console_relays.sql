-- A support session's console goes through the panel: a read-only one has every keystroke dropped,
-- and either ends when the support session does (the customer withdrawing access ends what support
-- sees). The browser gets a single-use ticket (only its SHA-256 kept here) for the cloud's console
-- URL, which lives here for the minute its own token is valid and is deleted when the ticket is used.
-- A row, not memory: the browser's WebSocket may reach any server behind the balancer.
CREATE TABLE console_relays (
    ticket_hash      TEXT PRIMARY KEY,
    upstream         TEXT NOT NULL,
    expires_at       BIGINT NOT NULL,
    impersonation_id TEXT NOT NULL REFERENCES impersonations(id) ON DELETE CASCADE,
    mode             TEXT NOT NULL
);
