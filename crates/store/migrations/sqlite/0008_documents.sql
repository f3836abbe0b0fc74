-- 文书 Formal documents issued by the events of a case (append-only, numbered per kind and year),
-- and the administrators' templates of them. SQLite.
CREATE TABLE document_templates (
    kind TEXT PRIMARY KEY,
    prefix TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL
);
CREATE INDEX document_templates_updated_by ON document_templates(updated_by);

CREATE TABLE document_counters (
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (kind, year)
);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    serial BIGINT NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    addressee TEXT NOT NULL,
    to_petitioner BOOLEAN NOT NULL,
    content TEXT NOT NULL,
    template_version BIGINT NOT NULL,
    issued_by INTEGER NOT NULL REFERENCES users(id),
    issued_by_unit_id INTEGER NOT NULL REFERENCES units(id),
    issued_at TEXT NOT NULL,
    FOREIGN KEY (case_id, seq) REFERENCES case_events(case_id, seq),
    UNIQUE (kind, year, serial)
);
CREATE INDEX documents_case_seq ON documents(case_id, seq);
CREATE INDEX documents_issued_by ON documents(issued_by);
CREATE INDEX documents_issued_by_unit ON documents(issued_by_unit_id);
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
BEGIN SELECT RAISE(ABORT, 'documents is append-only'); END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
BEGIN SELECT RAISE(ABORT, 'documents is append-only'); END;
