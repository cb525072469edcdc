-- A view-only console goes through the panel, which drops every keystroke. The browser gets a
-- single-use ticket (only its SHA-256 kept here) for the cloud's console URL, which lives here for the
-- minute its own token is valid and is deleted when the ticket is used. A row, not memory: the
-- browser's WebSocket may reach any server behind the balancer.
CREATE TABLE console_relays (
    ticket_hash TEXT PRIMARY KEY,
    upstream    TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
