//! The test harness: a fresh database per test on each backend, the demo units and categories,
//! users created on demand, and a second raw connection pool for checks in SQL.
//!
//! SQLite: a temp file per test. PostgreSQL: when `XINFANG_TEST_POSTGRES_URL` is set, a fresh
//! database per test (`CREATE DATABASE xinfang_t_…` through that URL), dropped at the end.
//! Without the variable the PostgreSQL half is skipped with a notice — unless `CI=true`, where
//! a missing URL fails the test: CI must never silently skip PostgreSQL.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use anyhow::{anyhow, bail, Context as _};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Row, SqlitePool};
use xinfang_core::case::default_categories;
use xinfang_core::unit::taiyuan_demo_units;
use xinfang_core::user::{Actor, Role};
use xinfang_store::{Backend, Store, Vault};

pub const POSTGRES_URL_VAR: &str = "XINFANG_TEST_POSTGRES_URL";
/// The password of every test user.
pub const PASSWORD: &str = "test-password-1";
/// The master key of the test stores.
pub const KEY: [u8; 32] = [7u8; 32];

/// (username, role, unit) of the users a test may ask for.
pub const USERS: &[(&str, Role, &str)] = &[
    ("clerk", Role::Clerk, "xfj"),
    ("leader", Role::Leader, "xfj"),
    ("supervisor", Role::Supervisor, "xfj"),
    ("analyst", Role::Analyst, "xfj"),
    ("admin", Role::Admin, "xfj"),
    ("lawyer", Role::DutyStaff, "xfj"),
    ("s140121", Role::UnitStaff, "140121"),
    ("s140105", Role::UnitStaff, "140105"),
    ("srsj", Role::UnitStaff, "rsj"),
    ("szjj", Role::UnitStaff, "zjj"),
    ("sghzy", Role::UnitStaff, "ghzy"),
];

/// A name no other test (or concurrently running test process) uses.
fn unique_name() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{n}_{nanos}", std::process::id())
}

/// Write straight to the process's stderr: libtest captures `eprintln!` of passing tests.
fn notice(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// Where the per-test database lives, and how to get rid of it.
enum TestDb {
    Sqlite { path: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// `None`: the PostgreSQL half is skipped (no URL, not in CI).
    async fn create(backend: Backend) -> anyhow::Result<Option<(TestDb, String)>> {
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("xinfang-store-test-{}.db", unique_name()));
                let url = format!("sqlite:{}", path.display());
                Ok(Some((TestDb::Sqlite { path }, url)))
            }
            Backend::Postgres => {
                let admin_url = match std::env::var(POSTGRES_URL_VAR) {
                    Ok(u) if !u.trim().is_empty() => u.trim().to_string(),
                    _ => {
                        if std::env::var("CI").is_ok_and(|v| v == "true") {
                            bail!("CI=true but {POSTGRES_URL_VAR} is not set: CI must run the PostgreSQL tests");
                        }
                        static SKIP: Once = Once::new();
                        SKIP.call_once(|| notice(&format!("SKIPPED: PostgreSQL tests (set {POSTGRES_URL_VAR})")));
                        return Ok(None);
                    }
                };
                let name = format!("xinfang_t_{}", unique_name());
                let mut conn = PgConnection::connect(&admin_url)
                    .await
                    .with_context(|| format!("connecting to {POSTGRES_URL_VAR}={admin_url}"))?;
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
                conn.close().await?;
                let url = with_database(&admin_url, &name);
                Ok(Some((TestDb::Postgres { admin_url, name }, url)))
            }
        }
    }

    /// Best effort: a failed cleanup never fails a test.
    async fn destroy(self) {
        match self {
            TestDb::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            TestDb::Postgres { admin_url, name } => {
                if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            }
        }
    }
}

/// The same server URL with another database name (query parameters kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// A second connection pool to the test database, for checks and tampering in raw SQL.
#[derive(Clone)]
pub enum Raw {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Raw {
    async fn connect(url: &str) -> anyhow::Result<Raw> {
        Ok(if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?.busy_timeout(std::time::Duration::from_secs(10));
            Raw::Sqlite(SqlitePoolOptions::new().max_connections(2).connect_with(opts).await?)
        } else {
            let opts = PgConnectOptions::from_str(url)?;
            Raw::Postgres(PgPoolOptions::new().max_connections(2).connect_with(opts).await?)
        })
    }

    pub async fn close(&self) {
        match self {
            Raw::Sqlite(p) => p.close().await,
            Raw::Postgres(p) => p.close().await,
        }
    }

    /// Run a statement; the database's error is returned, not panicked on.
    pub async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Raw::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
            Raw::Postgres(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
        })
    }

    /// One integer (a count, an id).
    pub async fn int(&self, sql: &str) -> anyhow::Result<i64> {
        Ok(match self {
            Raw::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await.with_context(|| sql.to_string())?,
            Raw::Postgres(p) => {
                sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await.with_context(|| sql.to_string())?
            }
        })
    }

    /// Every row, every column as optional text (cast non-text columns in the SQL).
    pub async fn rows(&self, sql: &str) -> anyhow::Result<Vec<Vec<Option<String>>>> {
        Ok(match self {
            Raw::Sqlite(p) => {
                let rows = sqlx::query(sql).fetch_all(p).await.with_context(|| sql.to_string())?;
                let mut out = Vec::new();
                for r in rows {
                    out.push((0..r.len()).map(|i| r.try_get::<Option<String>, _>(i)).collect::<Result<Vec<_>, _>>()?);
                }
                out
            }
            Raw::Postgres(p) => {
                let rows = sqlx::query(sql).fetch_all(p).await.with_context(|| sql.to_string())?;
                let mut out = Vec::new();
                for r in rows {
                    out.push((0..r.len()).map(|i| r.try_get::<Option<String>, _>(i)).collect::<Result<Vec<_>, _>>()?);
                }
                out
            }
        })
    }

    /// The first column of every row, as text.
    pub async fn texts(&self, sql: &str) -> anyhow::Result<Vec<String>> {
        Ok(self.rows(sql).await?.into_iter().map(|r| r.into_iter().next().flatten().unwrap_or_default()).collect())
    }

    /// One optional text value.
    pub async fn text(&self, sql: &str) -> anyhow::Result<Option<String>> {
        let rows = self.rows(sql).await?;
        match rows.as_slice() {
            [row] => Ok(row.first().cloned().flatten()),
            _ => Err(anyhow!("expected one row from {sql}, got {}", rows.len())),
        }
    }
}

/// One test's world: a migrated store with the demo units and categories.
pub struct H {
    pub store: Store,
    pub raw: Raw,
    pub backend: Backend,
    pub url: String,
    users: tokio::sync::Mutex<HashMap<String, Actor>>,
}

impl H {
    async fn open(url: &str) -> anyhow::Result<H> {
        let store = Store::connect(url, Vault::from_master_key(&KEY)).await?;
        store.migrate().await?;
        for u in taiyuan_demo_units() {
            store.upsert_unit(None, &u).await?;
        }
        store.ensure_categories(&default_categories()).await?;
        let raw = Raw::connect(url).await?;
        Ok(H { backend: store.backend(), store, raw, url: url.to_string(), users: Default::default() })
    }

    /// The actor of one of [`USERS`], created (argon2 is slow in debug builds) the first time
    /// a test asks for it.
    pub async fn actor(&self, username: &str) -> Actor {
        let mut users = self.users.lock().await;
        if let Some(a) = users.get(username) {
            return a.clone();
        }
        let (name, role, unit) =
            *USERS.iter().find(|u| u.0 == username).unwrap_or_else(|| panic!("no test user {username}"));
        self.store
            .add_user(None, name, &format!("测试 {name}"), role, unit, PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("adding test user {name}: {e}"));
        let a = self.store.actor_by_username(name).await.unwrap_or_else(|e| panic!("actor {name}: {e}"));
        users.insert(name.to_string(), a.clone());
        a
    }

    /// Several actors at once, in the order asked.
    pub async fn actors<const N: usize>(&self, names: [&str; N]) -> [Actor; N] {
        let mut out = Vec::with_capacity(N);
        for n in names {
            out.push(self.actor(n).await);
        }
        out.try_into().unwrap_or_else(|_| unreachable!())
    }

    /// The database id of a unit.
    pub async fn unit_id(&self, code: &str) -> i64 {
        self.raw.int(&format!("SELECT id FROM units WHERE code = '{code}'")).await.expect("unit id")
    }

    pub async fn count(&self, table_and_where: &str) -> i64 {
        self.raw.int(&format!("SELECT COUNT(*) FROM {table_and_where}")).await.expect("count")
    }

    /// Another store on the same database (another app node, or another master key).
    pub async fn other_store(&self, key: [u8; 32]) -> anyhow::Result<Store> {
        Ok(Store::connect(&self.url, Vault::from_master_key(&key)).await?)
    }
}

/// Run one test body against one backend, with setup and cleanup around it. A failing body
/// fails the test after the database was removed.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(H) -> Fut,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let (db, url) = match TestDb::create(backend).await {
        Ok(Some(x)) => x,
        Ok(None) => return,
        Err(e) => panic!("{backend:?}: cannot create the test database: {e:?}"),
    };
    let setup = H::open(&url).await;
    let (store, raw, result) = match setup {
        Ok(h) => {
            let (store, raw) = (h.store.clone(), h.raw.clone());
            (Some(store), Some(raw), tokio::spawn(body(h)).await.map_err(Some))
        }
        Err(e) => {
            db.destroy().await;
            panic!("{backend:?}: setup failed: {e:?}");
        }
    };
    if let Some(s) = store {
        s.close().await;
    }
    if let Some(r) = raw {
        r.close().await;
    }
    db.destroy().await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{backend:?}: {e:?}"),
        Err(Some(j)) if j.is_panic() => std::panic::resume_unwind(j.into_panic()),
        Err(j) => panic!("{backend:?}: test task failed: {j:?}"),
    }
}

/// `both!(name, |h| async move { …; Ok(()) })` — one test, run on both backends as
/// `name::sqlite` and `name::postgres`. Attributes (`#[ignore = "…"]`) go before the name.
macro_rules! both {
    ($(#[$attr:meta])* $name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$attr])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::harness::run(xinfang_store::Backend::Sqlite, $body).await
            }

            $(#[$attr])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::harness::run(xinfang_store::Backend::Postgres, $body).await
            }
        }
    };
}
pub(crate) use both;

#[test]
fn database_name_is_replaced_in_urls() {
    assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
    assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
    assert_eq!(with_database("postgresql://h:5432", "x"), "postgresql://h:5432/x");
}
