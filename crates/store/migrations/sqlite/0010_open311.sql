-- Open311 GeoReport v2. SQLite.
-- API keys of the systems that post service requests: only the SHA-256 of a key is kept; the key
-- itself is shown once, when it is made. created_by is empty for keys made on the command line.
CREATE TABLE open311_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX open311_keys_created_by ON open311_keys(created_by);

-- The cases that came in through Open311 (the only ones it lists), with the key that posted
-- them, the token answered, and the coordinates sent (kept for staff, never shown publicly).
CREATE TABLE open311_requests (
    case_id INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    key_id INTEGER NOT NULL REFERENCES open311_keys(id),
    token TEXT NOT NULL UNIQUE,
    lat TEXT,
    long TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX open311_requests_key_created ON open311_requests(key_id, created_at);
