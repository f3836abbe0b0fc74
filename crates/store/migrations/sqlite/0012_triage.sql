-- 智能分流 Triage. SQLite.
-- Every routing decision of the staff (a case forwarded or assigned): the statement's words, the
-- category it was routed under (the label the triage model learns), the county, the unit, and what
-- the model had suggested first at that moment (overridden = the staff chose otherwise). Every
-- node learns the rows it has not seen yet before its next suggestion.
CREATE TABLE triage_decisions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    seq BIGINT NOT NULL,
    words TEXT NOT NULL,
    category TEXT NOT NULL,
    county TEXT,
    unit TEXT,
    suggested TEXT,
    overridden BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX triage_decisions_case ON triage_decisions(case_id);
