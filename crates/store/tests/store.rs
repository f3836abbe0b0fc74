//! The store's integration tests, in one test binary (each `tests/*.rs` file would be a separate
//! link). Every test runs on SQLite and — with `XINFANG_TEST_POSTGRES_URL` set — on PostgreSQL,
//! as `<module>::<test>::sqlite` and `<module>::<test>::postgres`.

#[path = "store/builders.rs"]
mod builders;
#[path = "store/harness.rs"]
mod harness;
#[path = "store/prelude.rs"]
mod prelude;

#[path = "store/access.rs"]
mod access;
#[path = "store/admin.rs"]
mod admin;
#[path = "store/attachments.rs"]
mod attachments;
#[path = "store/audit.rs"]
mod audit;
#[path = "store/calendar.rs"]
mod calendar;
#[path = "store/cases.rs"]
mod cases;
#[path = "store/commands.rs"]
mod commands;
#[path = "store/dockings.rs"]
mod dockings;
#[path = "store/documents.rs"]
mod documents;
#[path = "store/fingerprints.rs"]
mod fingerprints;
#[path = "store/hall.rs"]
mod hall;
#[path = "store/jobs.rs"]
mod jobs;
#[path = "store/lists.rs"]
mod lists;
#[path = "store/open311.rs"]
mod open311;
#[path = "store/outbox.rs"]
mod outbox;
#[path = "store/personal.rs"]
mod personal;
#[path = "store/portal.rs"]
mod portal;
#[path = "store/repeats.rs"]
mod repeats;
#[path = "store/schema.rs"]
mod schema;
#[path = "store/search.rs"]
mod search;
#[path = "store/stats.rs"]
mod stats;
#[path = "store/stories.rs"]
mod stories;
#[path = "store/triage.rs"]
mod triage;
#[path = "store/users.rs"]
mod users;
#[path = "store/warnings.rs"]
mod warnings;
