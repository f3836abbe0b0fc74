//! Start the binary, find its port, talk to it, clean up.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_xinfang");
pub const DEMO_PASSWORD: &str = "xinfang-demo";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), SEQ.fetch_add(1, Ordering::SeqCst))
}

/// The PostgreSQL base URL, or None (with a clear message) when the tests are to be skipped.
/// In CI a missing URL is a failure: the PostgreSQL suite must run there.
pub fn postgres_base() -> Option<String> {
    match std::env::var("XINFANG_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("XINFANG_TEST_POSTGRES_URL is not set in CI: the PostgreSQL end-to-end tests must run");
            }
            eprintln!("SKIPPED: PostgreSQL end-to-end test (set XINFANG_TEST_POSTGRES_URL to run it)");
            None
        }
    }
}

/// A fresh, empty place to keep one server's data.
pub struct Env {
    pub dir: PathBuf,
    pub database_url: String,
    pg_drop: Option<(String, String)>,
}

impl Env {
    pub fn new(backend: Backend) -> Option<Env> {
        let dir = std::env::temp_dir().join(unique("xinfang_e2e"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let database_url = format!("sqlite:{}", dir.join("xinfang.db").display());
                Some(Env { dir, database_url, pg_drop: None })
            }
            Backend::Postgres => {
                let base = postgres_base()?;
                let name = unique("xinfang_e2e");
                psql(&base, &format!("CREATE DATABASE {name}"));
                let database_url = match base.rfind('/') {
                    Some(i) if base[..i].contains("://") && i > base.find("://").unwrap_or(0) + 2 => {
                        format!("{}/{name}", &base[..i])
                    }
                    _ => format!("{base}/{name}"),
                };
                Some(Env { dir, database_url, pg_drop: Some((base, name)) })
            }
        }
    }

    /// Run a CLI command against this environment; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
        use std::io::Write;
        let mut cmd = Command::new(BIN);
        cmd.args(["--database-url", &self.database_url, "--log", "warn"])
            .args(args)
            .current_dir(&self.dir)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn xinfang");
        if let Some(input) = stdin {
            child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Start `xinfang demo` (or `serve`) on a free port and wait until it listens.
    pub fn start(&self, demo: bool) -> Server {
        self.start_with(demo, &[])
    }

    /// Start with more options (`--log` among them replaces the default `warn`). The server's
    /// log is kept: [`Server::log`].
    pub fn start_with(&self, demo: bool, options: &[&str]) -> Server {
        // Warnings, and the messages the log channel delivers (tests read codes from them).
        let log = if options.contains(&"--log") { &[][..] } else { &["--log", "warn,xinfang::notify=info"][..] };
        let mut child = Command::new(BIN)
            .args(["--database-url", &self.database_url])
            .args(log)
            .args(options)
            .arg(if demo { "demo" } else { "serve" })
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn xinfang");
        let stderr = child.stderr.take().expect("stderr");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                if let Ok(mut l) = kept.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut banner = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("http://").nth(1).filter(|_| line.starts_with("xinfang 已启动")) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send((addr, banner.clone()));
                } else {
                    banner.push_str(&line);
                    banner.push('\n');
                }
            }
        });
        let (addr, banner) = rx.recv_timeout(Duration::from_secs(120)).expect("server did not start within 120 s");
        Server {
            child,
            base: format!("http://{addr}"),
            banner,
            log,
            http: reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client"),
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg_drop {
            psql(base, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql").args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]).output().expect("run psql");
    assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A running server.
pub struct Server {
    child: Child,
    pub base: String,
    pub banner: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
    http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status and JSON body (or the text as a JSON string).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
}

impl Server {
    /// What the server has written to its log (standard error) so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Wait up to `secs` seconds for a log line containing every one of `needles`.
    pub async fn log_line(&self, needles: &[&str], secs: u64) -> Option<String> {
        for _ in 0..secs * 10 {
            if let Some(line) = self.log().lines().find(|l| needles.iter().all(|n| l.contains(n))) {
                return Some(line.to_string());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method.parse().expect("method"), url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp { status, body }
    }

    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method.parse().expect("method"), url).body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = req.header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.request("GET", path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.request("POST", path, Some(token), Some(body), &[]).await
    }

    pub async fn login(&self, user: &str) -> String {
        let r = self
            .request(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": user, "password": DEMO_PASSWORD})),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "login {user}: {:?}", r.body);
        r.body["token"].as_str().expect("token").to_string()
    }

    /// Act on a case and return the response.
    pub async fn act(&self, token: &str, id: i64, body: Value) -> Resp {
        self.post(&format!("/api/v1/cases/{id}/actions"), token, body).await
    }

    /// Act and insist it succeeded.
    pub async fn act_ok(&self, token: &str, id: i64, body: Value) -> Value {
        let r = self.act(token, id, body.clone()).await;
        assert_eq!(r.status, 200, "{body} → {:?}", r.body);
        r.body
    }
}

/// `both!(name, |env| async move { ... })` runs a test once per backend.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let env = $crate::e2e::harness::Env::new($crate::e2e::harness::Backend::Sqlite).expect("sqlite env");
                ($body)(env).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(env) = $crate::e2e::harness::Env::new($crate::e2e::harness::Backend::Postgres) {
                    ($body)(env).await;
                }
            }
        }
    };
}
