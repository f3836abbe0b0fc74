-- The notification outbox: every message to a petitioner (SMS) or to an e-mail address, queued in
-- the transaction of what caused it and delivered by a leased background job (kind 'deliver').
-- Recipients and bodies are encrypted at rest (bodies may carry a query code or a one-time code);
-- the masked recipient is for display. SQLite.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    -- The medium addressed: sms or email.
    channel TEXT NOT NULL,
    recipient_cipher TEXT NOT NULL,
    recipient_masked TEXT NOT NULL,
    kind TEXT NOT NULL,
    body_cipher TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    -- pending, sent or failed (given up after the last attempt).
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    -- What delivered it (log, http, smtp) and the provider's message id, if it gave one.
    provider TEXT,
    provider_message_id TEXT,
    dedupe_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_case ON outbox(case_id);
CREATE INDEX outbox_status ON outbox(status, id);
