//! One code path for SQLite and PostgreSQL.
//!
//! Every repository function writes its SQL once, with `$1`-style placeholders that both
//! databases accept, and passes its parameters as [`Arg`]s. This module is the only place that
//! knows there are two backends: it binds the arguments for each driver and holds the few
//! statements that really differ (how a write transaction begins, row locks, the audit lock).
//! sqlx's `Any` driver is deliberately not used: it decodes only basic types.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

use crate::StoreError;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A query parameter. Owned, so a list of them can be built up while composing a filter.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Ts(DateTime<Utc>),
    OptTs(Option<DateTime<Utc>>),
    Bytes(Vec<u8>),
}

macro_rules! arg_from {
    ($($t:ty => $v:ident),* $(,)?) => { $(impl From<$t> for Arg { fn from(x: $t) -> Arg { Arg::$v(x) } })* };
}
arg_from!(i64 => I64, Option<i64> => OptI64, String => Text, Option<String> => OptText, bool => Bool,
    NaiveDate => Date, Option<NaiveDate> => OptDate, DateTime<Utc> => Ts, Option<DateTime<Utc>> => OptTs, Vec<u8> => Bytes);
impl From<&str> for Arg {
    fn from(x: &str) -> Arg {
        Arg::Text(x.to_string())
    }
}
impl From<&String> for Arg {
    fn from(x: &String) -> Arg {
        Arg::Text(x.clone())
    }
}
impl From<Option<&str>> for Arg {
    fn from(x: Option<&str>) -> Arg {
        Arg::OptText(x.map(str::to_string))
    }
}

/// `args![a, b, c]` — a parameter list.
macro_rules! args {
    ($($a:expr),* $(,)?) => { vec![$($crate::db::Arg::from($a)),*] };
}
pub(crate) use args;

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::OptI64(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::OptText(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
                Arg::OptDate(v) => q.bind(v),
                Arg::Ts(v) => q.bind(v),
                Arg::OptTs(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// A row type both drivers can decode.
pub(crate) trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// A transaction on either backend. Every repository function runs inside one, so a command's
/// events, the case's new state and the audit entry commit together or not at all.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query(sql), args).execute(&mut **tx).await?.rows_affected(),
            Tx::Postgres(tx) => bind_all!(sqlx::query(sql), args).execute(&mut **tx).await?.rows_affected(),
        })
    }

    pub async fn fetch_all<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_all(&mut **tx).await?,
            Tx::Postgres(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_all(&mut **tx).await?,
        })
    }

    pub async fn fetch_optional<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<T>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_optional(&mut **tx).await?,
            Tx::Postgres(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_optional(&mut **tx).await?,
        })
    }

    pub async fn fetch_one<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_one(&mut **tx).await?,
            Tx::Postgres(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_one(&mut **tx).await?,
        })
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// `FOR UPDATE OF c` (the case row, aliased `c`) where the database has row locks (PostgreSQL); SQLite's write transaction
    /// already holds the database's single write lock.
    pub fn for_update(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE OF c",
        }
    }

    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL: several nodes calling the next number never
    /// take the same one. (SQLite's write transaction is already exclusive.)
    pub fn skip_locked(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Serialise appends to the audit hash chain. On PostgreSQL a transaction-scoped advisory
    /// lock; on SQLite the write transaction (BEGIN IMMEDIATE) is already exclusive.
    pub async fn lock_audit_chain(&mut self) -> Result<(), StoreError> {
        self.advisory_lock(7231001).await
    }

    /// Serialise whole-database set-up writes (seeding) across nodes.
    pub async fn lock_writers(&mut self) -> Result<(), StoreError> {
        self.advisory_lock(7231002).await
    }

    async fn advisory_lock(&mut self, key: i64) -> Result<(), StoreError> {
        if let Tx::Postgres(tx) = self {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut **tx).await?;
        }
        Ok(())
    }
}

impl Pool {
    pub async fn connect(url: &str) -> Result<Pool, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts =
                PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(format!("数据库地址无效：{e}")))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Pool::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("数据库地址无效：{e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Pool::Sqlite(pool))
        } else {
            Err(StoreError::Config(format!(
                "不支持的数据库地址「{url}」：请使用 sqlite:路径 或 postgres://用户@主机/库名"
            )))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A transaction that may write. SQLite: `BEGIN IMMEDIATE`, so a transaction that reads
    /// and then writes waits for the write lock up front instead of failing with SQLITE_BUSY.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A read-only transaction: one consistent snapshot for a page's several queries.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Pool::Sqlite(p) => {
                // sqlx does not lock migrations on SQLite: a second process migrating the same
                // fresh file at the same moment fails once on tables the first just created.
                // Retrying after the first has finished finds the schema up to date.
                let migrator = sqlx::migrate!("migrations/sqlite");
                if let Err(first) = migrator.run(p).await {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    migrator.run(p).await.map_err(|_| first)?;
                }
            }
            Pool::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Pool::Sqlite(p) => {
                sqlx::query("SELECT 1").execute(p).await?;
            }
            Pool::Postgres(p) => {
                sqlx::query("SELECT 1").execute(p).await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}
