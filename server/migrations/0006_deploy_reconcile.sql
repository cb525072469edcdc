-- Where a deploy was aimed and what it was called, recorded with its idempotency key before the
-- cloud is called, so any server can look for the instance a dead server's deploy made.
-- Additive: a server still on the previous version inserts without them (NULL), and the
-- reconciler leaves those rows to the customer's retry, as before.
ALTER TABLE deploy_requests ADD COLUMN zone_id TEXT;
ALTER TABLE deploy_requests ADD COLUMN name TEXT;
