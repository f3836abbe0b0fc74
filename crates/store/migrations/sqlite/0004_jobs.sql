-- Background jobs (leased, so several nodes share one database and each job runs once) and
-- in-app notifications (reminders before and after deadlines). SQLite.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    run_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    leased_until TEXT,
    leased_by TEXT,
    done_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs(done_at, run_at);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    case_id INTEGER REFERENCES cases(id),
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_unit ON notifications(unit_id, read_at);
CREATE INDEX notifications_case ON notifications(case_id);
