-- The reception hall: queue tickets (取号), calls (叫号) and today's duty rota. SQLite.
CREATE TABLE hall_tickets (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    seq BIGINT NOT NULL,
    number TEXT NOT NULL,
    group_visit BOOLEAN NOT NULL DEFAULT 0,
    headcount BIGINT NOT NULL DEFAULT 1,
    name TEXT,
    status TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    case_id INTEGER REFERENCES cases(id),
    issued_by INTEGER NOT NULL REFERENCES users(id),
    issued_at TEXT NOT NULL,
    called_at TEXT,
    routed_at TEXT,
    unit_called_at TEXT,
    done_at TEXT,
    UNIQUE (day, seq)
);
CREATE INDEX hall_tickets_unit ON hall_tickets(unit_id);
CREATE INDEX hall_tickets_case ON hall_tickets(case_id);
CREATE INDEX hall_tickets_issued_by ON hall_tickets(issued_by);
CREATE INDEX hall_tickets_day_status ON hall_tickets(day, status);

CREATE TABLE hall_calls (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES hall_tickets(id),
    at TEXT NOT NULL,
    place TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    called_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX hall_calls_ticket ON hall_calls(ticket_id);
CREATE INDEX hall_calls_unit ON hall_calls(unit_id);
CREATE INDEX hall_calls_called_by ON hall_calls(called_by);

CREATE TABLE duty_rota (
    day TEXT NOT NULL,
    duty TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (day, duty, name)
);
