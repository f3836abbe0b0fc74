-- xinfang schema, version 1 (SQLite). Released migrations are never edited.
CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES units(id),
    stationed BOOLEAN NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    default_unit_id INTEGER REFERENCES units(id)
);
CREATE INDEX categories_unit ON categories(default_unit_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE holiday_years (
    year INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    title TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE holiday_days (
    day TEXT PRIMARY KEY,
    year INTEGER NOT NULL REFERENCES holiday_years(year) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX holiday_days_year ON holiday_days(year);

CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    channel TEXT NOT NULL,
    petition_type TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES categories(code),
    statement TEXT NOT NULL,
    demands TEXT,
    place_county TEXT,
    place_address TEXT,
    accused_unit_id INTEGER REFERENCES units(id),
    accused_person TEXT,
    headcount BIGINT NOT NULL,
    people_affected BIGINT,
    is_group BOOLEAN NOT NULL,
    leader_reception BOOLEAN NOT NULL,
    leader_name TEXT,
    repeat_of TEXT,
    bypass BOOLEAN NOT NULL,
    money_claimed BIGINT NOT NULL DEFAULT 0,
    money_paid BIGINT NOT NULL DEFAULT 0,
    money_recovered BIGINT NOT NULL DEFAULT 0,
    repeat_visits BIGINT NOT NULL DEFAULT 0,
    lead_unit_id INTEGER REFERENCES units(id),
    registered_by INTEGER NOT NULL REFERENCES users(id),
    registered_by_unit_id INTEGER NOT NULL REFERENCES units(id),
    received_at TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    next_due_name TEXT,
    next_due_on TEXT
);
CREATE INDEX cases_state ON cases(state);
CREATE INDEX cases_lead_unit ON cases(lead_unit_id);
CREATE INDEX cases_registered_by ON cases(registered_by);
CREATE INDEX cases_registered_by_unit ON cases(registered_by_unit_id);
CREATE INDEX cases_accused_unit ON cases(accused_unit_id);
CREATE INDEX cases_category ON cases(category);
CREATE INDEX cases_received_at ON cases(received_at);
CREATE INDEX cases_next_due ON cases(next_due_on);

CREATE TABLE case_assisting_units (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (case_id, unit_id)
);
CREATE INDEX case_assisting_units_unit ON case_assisting_units(unit_id);

CREATE TABLE petitioners (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    ord BIGINT NOT NULL,
    name TEXT NOT NULL,
    name_norm TEXT NOT NULL,
    id_cipher TEXT,
    id_index TEXT,
    id_masked TEXT,
    id_legacy BOOLEAN NOT NULL DEFAULT 0,
    phone_cipher TEXT,
    phone_index TEXT,
    phone_masked TEXT,
    address TEXT,
    region TEXT,
    representative BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX petitioners_case ON petitioners(case_id);
CREATE INDEX petitioners_id_index ON petitioners(id_index);
CREATE INDEX petitioners_phone_index ON petitioners(phone_index);
CREATE INDEX petitioners_name ON petitioners(name_norm);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor_user_id INTEGER NOT NULL REFERENCES users(id),
    actor_unit_id INTEGER NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE INDEX case_events_actor ON case_events(actor_user_id);
CREATE INDEX case_events_unit ON case_events(actor_unit_id);
CREATE INDEX case_events_kind_at ON case_events(kind, at);

CREATE TABLE idempotency_keys (
    user_id INTEGER NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_case ON idempotency_keys(case_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users(id),
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id);
CREATE INDEX audit_log_target ON audit_log(target_kind, target_id);

-- The audit log is append-only: the database refuses edits and deletions.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
