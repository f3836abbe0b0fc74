-- 三对接 and video reception records. SQLite.
CREATE TABLE dockings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    unit_id INTEGER REFERENCES units(id),
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    scheduled_at TEXT,
    data TEXT NOT NULL
);
CREATE INDEX dockings_case ON dockings(case_id);
CREATE INDEX dockings_unit ON dockings(unit_id);
CREATE INDEX dockings_recorded_by ON dockings(recorded_by);
