-- Near-duplicate fingerprints of statements (repeat detection and early warning). PostgreSQL.
-- words: the statement's normalised words (xinfang_text::similarity::fingerprint_words) joined by
-- spaces, so an earlier case is re-scored without segmenting its statement again.
-- Band keys: the MinHash band values of those words; two cases are compared when they share one.
-- Filled by the application in the registration's transaction; existing cases are filled after
-- migrating (Store::migrate).
CREATE TABLE case_fingerprints (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    words TEXT NOT NULL
);

CREATE TABLE case_fingerprint_bands (
    band_key BIGINT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    PRIMARY KEY (band_key, case_id)
);
CREATE INDEX case_fingerprint_bands_case ON case_fingerprint_bands(case_id);

