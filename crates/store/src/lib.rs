//! xinfang-store: persistence for SQLite (the embedded default) and PostgreSQL, through one set
//! of repository functions (see [`db`]).
//!
//! Case queries take the acting user and are scoped here, in the store, so a handler that forgets
//! a check still cannot read another unit's case. Every mutation appends to the hash-chained audit
//! log in the same transaction.

pub mod admin;
pub mod attachments;
pub mod audit;
pub mod cases;
pub mod crypto;
pub(crate) mod db;
pub mod docking;
pub mod documents;
pub mod fingerprints;
pub(crate) mod followups;
pub mod hall;
pub mod holidays;
pub mod jobs;
pub mod open311;
pub mod outbox;
pub mod portal;
pub mod search;
pub mod stats;
pub mod triage;
pub mod units;
pub mod users;
pub mod warnings;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, SubsecRound, Utc};
use xinfang_core::calendar::Calendar;
use xinfang_core::deadline::Policy;
use xinfang_core::DomainError;

pub use crypto::Vault;
pub use db::Backend;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Bad configuration (database URL, key), with a message for the operator.
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Crypto(String),
    /// Not there, or not visible to this actor (the two are deliberately indistinguishable).
    #[error("not found: {what}")]
    NotFound { what: &'static str },
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Conflicts with existing data (a username taken, a stale request).
    #[error("{message_en}")]
    Conflict { code: &'static str, message_zh: String, message_en: String },
    /// Wrong credentials or an expired token.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Too many failed sign-ins of this username recently: try again after `minutes`.
    #[error("locked out for {minutes} minutes")]
    LockedOut { minutes: i64 },
    /// Stored data that cannot be read back (never expected; reported, never ignored).
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub(crate) fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        StoreError::Conflict { code, message_zh: zh.into(), message_en: en.into() }
    }
}

/// Now, at the microsecond precision both databases keep (so hashes over timestamps verify).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The storage of one deployment.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: db::Pool,
    pub(crate) vault: Vault,
    /// The calendar as last read, with the version it was read at.
    pub(crate) calendar: Arc<RwLock<(String, Arc<Calendar>)>>,
    pub(crate) policy: Arc<Policy>,
    /// How failing background jobs (message deliveries) are retried.
    pub(crate) retry: jobs::Retry,
    /// The public portal's address, for the messages that point petitioners to it.
    pub(crate) public_url: Option<Arc<str>>,
    /// Woken when this node queues a message, so its worker sends it without waiting.
    pub(crate) wake: Arc<tokio::sync::Notify>,
    /// 智能分流 The triage model as this node has learnt it (built at the first suggestion).
    pub(crate) triage: triage::Shared,
}

impl Store {
    /// Connect by URL: `sqlite:path/to/file.db` or `postgres://user@host/db`.
    pub async fn connect(url: &str, vault: Vault) -> Result<Store, StoreError> {
        let pool = db::Pool::connect(url).await?;
        Ok(Store {
            pool,
            vault,
            calendar: Arc::new(RwLock::new((String::new(), Arc::new(Calendar::shipped())))),
            policy: Arc::new(Policy::default()),
            retry: jobs::Retry::default(),
            public_url: None,
            wake: Arc::new(tokio::sync::Notify::new()),
            triage: Arc::new(RwLock::new(None)),
        })
    }

    /// Retry failing jobs (message deliveries) this way.
    pub fn with_retry(mut self, retry: jobs::Retry) -> Store {
        self.retry = retry;
        self
    }

    /// The public portal's address (e.g. `https://xf.example.gov.cn/portal`), given in messages.
    pub fn with_public_url(mut self, url: Option<&str>) -> Store {
        self.public_url = url.map(|u| Arc::from(u.trim_end_matches('/')));
        self
    }

    /// Bring the schema up to date, seed the shipped holiday calendars, and load the calendar.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.pool.migrate().await?;
        self.seed_shipped_calendar().await?;
        // The shipped categories (product.md), editable afterwards; a default unit that does not
        // exist in this deployment routes by place (属地) until the administrator sets one.
        if self.list_categories().await?.is_empty() {
            self.ensure_categories(&xinfang_core::case::default_categories()).await?;
        }
        self.reload_calendar().await?;
        self.backfill_search().await?;
        let filled = self.backfill_fingerprints().await?;
        if filled > 0 {
            tracing::info!(cases = filled, "statement fingerprints filled");
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The holiday calendar as last read from the database (see [`Store::reload_calendar`]).
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().map(|c| c.1.clone()).unwrap_or_else(|p| p.into_inner().1.clone())
    }

    /// Is the database answering?
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.pool.ping().await
    }

    pub async fn close(&self) {
        self.pool.close().await
    }
}

impl Store {
    /// A deployment setting (key/value), if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let r: Option<(String,)> =
            tx.fetch_optional("SELECT value FROM settings WHERE key = $1", db::args![key]).await?;
        Ok(r.map(|r| r.0))
    }

    /// Set a deployment setting (audited).
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            db::args![key, value],
        )
        .await?;
        audit::append(&mut tx, None, "setting.set", "setting", key, serde_json::json!({"value": value})).await?;
        tx.commit().await
    }
}
