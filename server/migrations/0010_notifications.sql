-- Notices a customer may turn off: a row is a "no". Security notices have no row to write: they
-- always go.
CREATE TABLE notification_opt_outs (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Month-to-date totals (VAT included, minor units) the customer wants to hear about.
CREATE TABLE spend_thresholds (
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (user_id, amount_minor)
);

-- What was already told, so each is told once: a threshold once per month, a statement once.
CREATE TABLE spend_notices (
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    month        TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (user_id, month, amount_minor)
);
CREATE TABLE statement_notices (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    month   TEXT NOT NULL,
    PRIMARY KEY (user_id, month)
);
