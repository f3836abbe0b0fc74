//! End-to-end tests: the real `xinfang` binary, started on a free port with a fresh database,
//! driven over HTTP. Every test runs on SQLite, and on PostgreSQL when
//! `XINFANG_TEST_POSTGRES_URL` is set (in CI, where `CI=true`, it must be).

mod e2e {
    pub mod admin;
    pub mod api;
    pub mod browser;
    pub mod cli;
    pub mod documents;
    pub mod harness;
    pub mod notify;
    pub mod open311;
    pub mod portal;
    pub mod repeats;
    pub mod search;
    pub mod stats;
    pub mod stories;
    pub mod triage;
    pub mod ui;
}
