//! `xinfang`: the server and its command-line tools.

mod config;
mod demo;
mod notify;

use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use xinfang_core::calendar::{parse_year_toml, to_toml};
use xinfang_core::unit::{UnitKind, UnitSpec};
use xinfang_core::user::Role;
use xinfang_store::{Store, Vault};

use config::{Common, Config};

/// xinfang — 信访工作一站式系统: register every petition, route it, hold every unit to its
/// statutory deadline, answer every petitioner.
#[derive(Parser)]
#[command(name = "xinfang", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (migrates the database first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "XINFANG_LISTEN")]
        listen: Option<String>,
    },
    /// Load the Taiyuan demonstration data (units, demo accounts, the two stories of the
    /// reception-center article) and run the server. Loading twice changes nothing.
    Demo {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "XINFANG_LISTEN")]
        listen: Option<String>,
        /// Load the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Manage units (the bureau first: `xinfang unit add xfj --kind bureau --name 某市信访局`).
    Unit {
        #[command(subcommand)]
        command: UnitCmd,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// The holiday calendar (放假安排) that statutory deadlines are counted with.
    Calendar {
        #[command(subcommand)]
        command: CalendarCmd,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// 分流建议 Triage: read one statement per line on standard input, write one JSON object per
    /// line: `{"suggestions":[{"category":"labor","unit":"rsj","score":0.83},…],"place":"140105"}`
    /// — the top 3 categories with their confidence and the unit the routing rules give, and the
    /// county/district the text names (`null` when none). An empty line gives
    /// `{"suggestions":[],"place":null}`, so output lines match input lines. Uses the database's
    /// categories, units and the routing decisions learnt so far.
    Triage,
    /// Open311 GeoReport v2 (`/open311/v2/`): the API keys of the systems that post requests.
    Open311 {
        #[command(subcommand)]
        command: Open311Cmd,
    },
    /// 内容相似 Score pairs of statements with the same-matter decision registration uses. Reads
    /// JSON lines `{"a": "…", "b": "…"}` from standard input and writes one line per input line:
    /// `{"score": 0.0–1.0, "same_matter": true|false}`, or `{"error": "…"}` for a line that is not
    /// such an object (and goes on). Blank lines are skipped. Needs no database.
    Similarity,
}

#[derive(Subcommand)]
enum Open311Cmd {
    /// API keys: `xinfang open311 key add NAME` prints a new key once.
    Key {
        #[command(subcommand)]
        command: KeyCmd,
    },
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Make a key for the system NAME; the key is printed once and only its hash is kept.
    Add { name: String },
    /// List keys (never the keys themselves).
    List,
    /// Revoke the key with this id (from `list`): posts with it are refused from now on.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum UnitCmd {
    /// Add or change a unit.
    Add {
        /// Stable code: the bureau e.g. xfj, a county its 6-digit GB/T 2260 code, a department short letters.
        code: String,
        #[arg(long)]
        name: String,
        /// bureau, county, department, township, outside
        #[arg(long)]
        kind: String,
        /// Code of the parent unit (a township's county; others under the bureau).
        #[arg(long)]
        parent: Option<String>,
        /// Has staff stationed in the reception hall.
        #[arg(long)]
        stationed: bool,
    },
    /// List units.
    List,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user: `xinfang user add NAME --role clerk --unit xfj --password-stdin`.
    Add {
        name: String,
        /// admin, clerk, unit_staff, leader, supervisor, duty_staff, analyst
        #[arg(long)]
        role: String,
        /// Unit code, e.g. xfj (the bureau), 140105 (小店区), rsj (市人社局)
        #[arg(long)]
        unit: String,
        /// Read the password from standard input (first line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Name shown in the interface [default: NAME].
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List users.
    List,
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// List the years loaded, with their source.
    List,
    /// Print one year as TOML (the import format).
    Show { year: i32 },
    /// Import or correct one year from a TOML file; open cases' deadlines are recomputed.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Check the hash chain: exits 1 if any row was edited or deleted.
    Verify,
}

fn init_logging(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or journal gets plain `key=value` lines.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}

async fn open_store(cfg: &Config) -> Result<Store> {
    cfg.prepare()?;
    let vault = Vault::from_master_key(&cfg.master_key()?);
    let store = Store::connect(&cfg.database_url, vault)
        .await
        .with_context(|| format!("无法连接数据库 {}", redact(&cfg.database_url)))?
        .with_retry(cfg.retry())
        .with_public_url(cfg.public_url.as_deref());
    store.migrate().await.context("数据库迁移失败")?;
    Ok(store)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn serve(store: Store, cfg: &Config) -> Result<()> {
    let listen = cfg.listen.as_str();
    let channels = notify::Channels::from_config(&cfg.notify)?;
    tracing::info!(channels = %channels.describe(), "message channels");
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("无法监听 {listen}：地址被占用或无权限，请用 --listen 换一个地址"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "xinfang listening");
    println!("xinfang 已启动：http://{addr}  (API: http://{addr}/api/v1/openapi.json)");
    let app =
        xinfang_web::app_with(store.clone(), xinfang_web::WebOptions { trusted_proxies: cfg.trusted_proxies.clone() });
    spawn_worker(store.clone(), channels, cfg.worker_interval);
    axum_serve(listener, app).await?;
    store.close().await;
    Ok(())
}

/// The background worker of this node: queues the hourly deadline scan and runs due jobs (the
/// scan, message deliveries) every `interval`, and at once when this node queues a message. Jobs
/// are leased in the database, so any number of nodes can run this and each job still runs once.
fn spawn_worker(store: Store, channels: notify::Channels, interval: std::time::Duration) {
    let worker = format!("{}-{}", std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into()), std::process::id());
    tokio::spawn(async move {
        loop {
            let now = xinfang_store::now();
            if let Err(e) = store.schedule_deadline_scan(now).await {
                tracing::warn!(error = %e, "could not queue the deadline scan");
            }
            match store.run_jobs(&worker, now, &channels).await {
                // A full batch: more may be due now (a burst of messages); take them at once.
                Ok(n) if n as i64 >= xinfang_store::jobs::JOB_BATCH => {
                    tracing::debug!(jobs = n, "background jobs done, more may be due");
                    continue;
                }
                Ok(n) if n > 0 => tracing::debug!(jobs = n, "background jobs done"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "background jobs failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                // A message was queued here: give its transaction a moment to commit, then send.
                _ = store.work_queued() => tokio::time::sleep(std::time::Duration::from_millis(300)).await,
            }
        }
    });
}

async fn axum_serve(listener: tokio::net::TcpListener, app: xinfang_web::Router) -> Result<()> {
    xinfang_web::serve(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
    .await?;
    Ok(())
}

/// One line of `xinfang triage`'s output (fields in the documented order).
#[derive(serde::Serialize)]
struct TriageLine<'a> {
    suggestions: Vec<TriageLineItem<'a>>,
    place: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct TriageLineItem<'a> {
    category: &'a str,
    unit: Option<&'a str>,
    score: f64,
}

/// `xinfang triage`: a JSON line per statement line.
async fn triage_lines(store: &Store, input: impl std::io::BufRead, mut out: impl std::io::Write) -> Result<()> {
    for line in input.lines() {
        let line = line.context("无法读取标准输入（须为 UTF-8 文本）")?;
        let t = store.triage(line.trim(), None).await?;
        let suggestions = t
            .suggestions
            .iter()
            .map(|s| TriageLineItem { category: &s.category, unit: s.unit.as_deref(), score: s.score })
            .collect();
        serde_json::to_writer(&mut out, &TriageLine { suggestions, place: t.place.as_deref() })?;
        writeln!(out)?;
        out.flush()?;
    }
    Ok(())
}

/// `xinfang similarity`: JSON lines in, JSON lines out (see [`Cmd::Similarity`]).
fn similarity(input: impl std::io::BufRead, mut out: impl std::io::Write) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Pair {
        a: String,
        b: String,
    }
    #[derive(serde::Serialize)]
    struct Answer {
        score: f64,
        same_matter: bool,
    }
    xinfang_text::segment::warm_up();
    for (n, line) in input.lines().enumerate() {
        let line = line.context("无法读取标准输入")?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Pair>(&line) {
            Ok(p) => {
                let (score, same) = xinfang_text::similarity::same_matter(&p.a, &p.b);
                serde_json::to_string(&Answer { score, same_matter: same })?
            }
            Err(e) => serde_json::json!({"error": format!("第 {} 行不是 {{\"a\": \"…\", \"b\": \"…\"}}：{e}", n + 1)})
                .to_string(),
        };
        writeln!(out, "{answer}")?;
    }
    out.flush()?;
    Ok(())
}

fn read_password() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("无法从标准输入读取密码")?;
    let pw = s.lines().next().unwrap_or("").to_string();
    if pw.is_empty() {
        bail!("标准输入中没有密码：请用 echo '密码' | xinfang user add … --password-stdin");
    }
    Ok(pw)
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("错误：{e:#}");
        std::process::exit(2);
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    if let Cmd::Similarity = cli.command {
        return similarity(std::io::stdin().lock(), std::io::stdout().lock());
    }
    let listen = match &cli.command {
        Cmd::Serve { listen } | Cmd::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let cfg = Config::resolve(&cli.common, listen)?;
    init_logging(&cfg.log);
    match cli.command {
        Cmd::Serve { .. } => {
            let store = open_store(&cfg).await?;
            if store.list_units().await?.is_empty() {
                tracing::warn!("no units configured yet: run `xinfang demo` for the demonstration data or add units");
            }
            serve(store, &cfg).await
        }
        Cmd::Demo { no_serve, .. } => {
            let store = open_store(&cfg).await?;
            demo::load(&store).await?;
            demo::print_banner();
            if no_serve {
                return Ok(());
            }
            serve(store, &cfg).await
        }
        Cmd::Similarity => similarity(std::io::stdin().lock(), std::io::stdout().lock()),
        Cmd::Migrate => {
            open_store(&cfg).await?;
            println!("数据库已是最新版本：{}", redact(&cfg.database_url));
            Ok(())
        }
        Cmd::Unit { command } => {
            let store = open_store(&cfg).await?;
            match command {
                UnitCmd::Add { code, name, kind, parent, stationed } => {
                    let kind = UnitKind::from_code(&kind).with_context(|| {
                        format!(
                            "单位类别「{kind}」无效，可选：{}",
                            UnitKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join(", ")
                        )
                    })?;
                    let spec = UnitSpec { code: code.clone(), name, kind, parent, stationed };
                    let created = store.upsert_unit(None, &spec).await.map_err(user_error)?;
                    println!("{}单位 {code}（{}）", if created { "已添加" } else { "已更新" }, kind.label_zh());
                    Ok(())
                }
                UnitCmd::List => {
                    for u in store.list_units().await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            u.code,
                            u.name,
                            u.kind,
                            u.parent_code.unwrap_or_default(),
                            if u.stationed { "进驻" } else { "" }
                        );
                    }
                    Ok(())
                }
            }
        }
        Cmd::Triage => {
            let store = open_store(&cfg).await?;
            triage_lines(&store, std::io::stdin().lock(), std::io::stdout().lock()).await
        }
        Cmd::Open311 { command: Open311Cmd::Key { command } } => {
            let store = open_store(&cfg).await?;
            match command {
                KeyCmd::Add { name } => {
                    let (key, secret) = store.add_open311_key(None, &name).await.map_err(user_error)?;
                    eprintln!(
                        "已创建 Open311 密钥 {}（编号 {}）。密钥只显示这一次，请交给对方系统妥善保存：",
                        key.name, key.id
                    );
                    println!("{secret}");
                    Ok(())
                }
                KeyCmd::List => {
                    for k in store.list_open311_keys().await? {
                        let when =
                            |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}",
                            k.id,
                            k.name,
                            k.created_at.to_rfc3339(),
                            k.created_by.unwrap_or_else(|| "命令行".into()),
                            if k.revoked_at.is_some() {
                                format!("已停用 {}", when(k.revoked_at))
                            } else {
                                "有效".into()
                            },
                            when(k.last_used_at)
                        );
                    }
                    Ok(())
                }
                KeyCmd::Revoke { id } => {
                    let key = store.revoke_open311_key(None, id).await.map_err(user_error)?;
                    println!("已停用 Open311 密钥 {}（编号 {}）", key.name, key.id);
                    Ok(())
                }
            }
        }
        Cmd::User { command } => {
            let store = open_store(&cfg).await?;
            match command {
                UserCmd::Add { name, role, unit, password_stdin: _, display_name } => {
                    let role = Role::from_code(&role).with_context(|| {
                        format!(
                            "角色「{role}」无效，可选：{}",
                            Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>().join(", ")
                        )
                    })?;
                    let pw = read_password()?;
                    let id = store
                        .add_user(None, &name, display_name.as_deref().unwrap_or(&name), role, &unit, &pw)
                        .await
                        .map_err(user_error)?;
                    println!("已添加用户 {name}（编号 {id}，角色 {}，单位 {unit}）", role.label_zh());
                    Ok(())
                }
                UserCmd::List => {
                    for u in store.list_users().await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            u.id,
                            u.username,
                            u.role,
                            u.unit_code,
                            if u.active { "启用" } else { "停用" }
                        );
                    }
                    Ok(())
                }
            }
        }
        Cmd::Calendar { command } => {
            let store = open_store(&cfg).await?;
            match command {
                CalendarCmd::List => {
                    println!("年份\t来源\t放假天数\t调休上班\t依据");
                    for y in store.holiday_years().await? {
                        let src = if y.source == "notice" { "国务院通知" } else { "按规则推算（暂定）" };
                        println!("{}\t{src}\t{}\t{}\t{}", y.year, y.holidays, y.workdays, y.title.unwrap_or_default());
                    }
                    Ok(())
                }
                CalendarCmd::Show { year } => {
                    let cal = store.calendar();
                    let y = cal
                        .years()
                        .find(|y| y.year == year)
                        .cloned()
                        .unwrap_or_else(|| xinfang_core::calendar::derive_year(year));
                    print!("{}", to_toml(&y));
                    Ok(())
                }
                CalendarCmd::Import { file } => {
                    let text =
                        std::fs::read_to_string(&file).with_context(|| format!("无法读取 {}", file.display()))?;
                    let year = parse_year_toml(&text).map_err(|e| anyhow::anyhow!("{} 有误：{e}", file.display()))?;
                    let n = store.import_holiday_year(None, &year).await?;
                    println!(
                        "已导入 {} 年放假安排（放假 {} 天，调休上班 {} 天），重新计算了 {n} 件在办事项的期限",
                        year.year,
                        year.holidays.len(),
                        year.workdays.len()
                    );
                    Ok(())
                }
            }
        }
        Cmd::Audit { command: AuditCmd::Verify } => {
            let store = open_store(&cfg).await?;
            let report = store.verify_audit().await?;
            match report.broken {
                None => {
                    println!("审计日志完好：共 {} 条，哈希链校验通过", report.rows);
                    Ok(())
                }
                Some((id, why)) => {
                    eprintln!("审计日志被篡改：{why}（检查到第 {id} 条，共检查 {} 条）", report.rows);
                    std::process::exit(1);
                }
            }
        }
    }
}

fn user_error(e: xinfang_store::StoreError) -> anyhow::Error {
    match e {
        xinfang_store::StoreError::Domain(d) => anyhow::anyhow!(d.message(xinfang_core::Lang::Zh)),
        xinfang_store::StoreError::Conflict { message_zh, .. } => anyhow::anyhow!(message_zh),
        xinfang_store::StoreError::NotFound { what } => anyhow::anyhow!("{what}不存在"),
        other => other.into(),
    }
}
