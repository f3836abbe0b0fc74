-- The public portal (SQLite): each case's query code (查询码) as a keyed hash only (the code itself is
-- shown once and sent once), the one-time codes that confirm a petitioner's phone, and the
-- attempts that rate-limit guessing and sending. Addresses and phones appear only as keyed hashes.
ALTER TABLE cases ADD COLUMN query_code_index TEXT;

CREATE TABLE portal_otps (
    id INTEGER PRIMARY KEY,
    phone_index TEXT NOT NULL,
    code_index TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used_at TEXT
);
CREATE INDEX portal_otps_phone ON portal_otps(phone_index, created_at);

-- scope: track_case (wrong code for a case number), track_address (wrong code from an address),
-- otp_phone / otp_address (codes sent), file_address (petitions filed).
CREATE TABLE portal_attempts (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX portal_attempts_key ON portal_attempts(scope, key, at);
