//! Configuration: defaults that work out of the box, then a TOML file, then `XINFANG_*`
//! environment variables, then command-line flags — each over the one before.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Options every command accepts.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Common {
    /// Configuration file (TOML) with any of: listen, database_url, data_dir, data_key, log,
    /// public_url, worker_interval, trusted_proxies, and a [notify] table (sms, email, retry_first, retry_max,
    /// retry_attempts, sms_url, sms_format, sms_template, sms_sign, sms_token, sms_header,
    /// sms_timeout, sms_id_field, smtp_host, smtp_port, smtp_tls, smtp_user, smtp_password,
    /// smtp_from) — the same names as the flags below.
    #[arg(long, env = "XINFANG_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Database: `sqlite:path/file.db` (default: a file under the data directory) or
    /// `postgres://user@host/db`.
    #[arg(long, env = "XINFANG_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite database and the data key file [default: ./xinfang-data].
    #[arg(long, env = "XINFANG_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// 32-byte key (base64 or hex) that encrypts ID and phone numbers at rest. Without it, a key
    /// file `data.key` in the data directory is used, created on first start. Back it up: without
    /// the key, encrypted numbers cannot be read.
    #[arg(long, env = "XINFANG_DATA_KEY", global = true, hide_env_values = true)]
    pub data_key: Option<String>,
    /// Log filter, e.g. `info` or `xinfang=debug,tower_http=info` [default: info].
    #[arg(long, env = "XINFANG_LOG", global = true)]
    pub log: Option<String>,
    /// The public portal's address as petitioners reach it, e.g. https://xf.example.gov.cn/portal;
    /// given in the registration message with the query code.
    #[arg(long, env = "XINFANG_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Seconds between a node's looks for background work (reminders, messages to send)
    /// [default: 10]. A message queued on this node is sent at once.
    #[arg(long, env = "XINFANG_WORKER_INTERVAL", global = true)]
    pub worker_interval: Option<u64>,
    /// Addresses of reverse proxies in front of xinfang, comma-separated (e.g. 10.0.0.5,10.0.0.6).
    /// Their X-Forwarded-For header names the client, so the public portal's per-address limits
    /// count petitioners, not the proxy. Without it the header is ignored.
    #[arg(long, env = "XINFANG_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// How messages are delivered ([notify] in the configuration file).
#[derive(Debug, Clone, Default, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
#[command(next_help_heading = "Notifications (messages to petitioners)")]
pub struct NotifyArgs {
    /// Channel of SMS messages: `log` (write each message to the log — for trials and tests; the
    /// log then holds query codes) or `http` (an SMS gateway, see --sms-url) [default: log].
    #[arg(long = "notify-sms", env = "XINFANG_NOTIFY_SMS", global = true)]
    pub sms: Option<String>,
    /// Channel of e-mail messages: `log` or `smtp` (see --smtp-host) [default: log].
    #[arg(long = "notify-email", env = "XINFANG_NOTIFY_EMAIL", global = true)]
    pub email: Option<String>,
    /// Seconds before a failed delivery is tried again; the wait doubles after each failure
    /// [default: 60].
    #[arg(long, env = "XINFANG_RETRY_FIRST", global = true)]
    pub retry_first: Option<u64>,
    /// Longest wait between two attempts, in seconds [default: 3600].
    #[arg(long, env = "XINFANG_RETRY_MAX", global = true)]
    pub retry_max: Option<u64>,
    /// Attempts before a message is marked failed [default: 8].
    #[arg(long, env = "XINFANG_RETRY_ATTEMPTS", global = true)]
    pub retry_attempts: Option<i64>,
    /// SMS gateway URL (http or https), called with POST for each message.
    #[arg(long, env = "XINFANG_SMS_URL", global = true)]
    pub sms_url: Option<String>,
    /// Body format of the gateway request: `json` or `form` [default: json].
    #[arg(long, env = "XINFANG_SMS_FORMAT", global = true)]
    pub sms_format: Option<String>,
    /// Body template; {phone}, {text}, {sign}, {kind} and {id} are replaced (escaped for JSON or
    /// URL-encoded for form) [default: {"phone":"{phone}","sign":"{sign}","text":"{text}"} or
    /// phone={phone}&sign={sign}&text={text}].
    #[arg(long, env = "XINFANG_SMS_TEMPLATE", global = true)]
    pub sms_template: Option<String>,
    /// SMS signature (签名) for {sign}, e.g. 某市信访局 [default: empty].
    #[arg(long, env = "XINFANG_SMS_SIGN", global = true)]
    pub sms_sign: Option<String>,
    /// Token sent as `Authorization: Bearer TOKEN`.
    #[arg(long, env = "XINFANG_SMS_TOKEN", global = true, hide_env_values = true)]
    pub sms_token: Option<String>,
    /// One more request header, `Name: value` (e.g. `X-Api-Key: …`).
    #[arg(long, env = "XINFANG_SMS_HEADER", global = true, hide_env_values = true)]
    pub sms_header: Option<String>,
    /// Seconds to wait for the gateway before the attempt counts as failed [default: 10].
    #[arg(long, env = "XINFANG_SMS_TIMEOUT", global = true)]
    pub sms_timeout: Option<u64>,
    /// Field of the gateway's JSON answer holding its message id, dotted for nested fields
    /// (e.g. `data.msgId`); recorded with the message when present.
    #[arg(long, env = "XINFANG_SMS_ID_FIELD", global = true)]
    pub sms_id_field: Option<String>,
    /// SMTP server for e-mail.
    #[arg(long, env = "XINFANG_SMTP_HOST", global = true)]
    pub smtp_host: Option<String>,
    /// SMTP port [default: 587 with starttls, 465 with tls, 25 with none].
    #[arg(long, env = "XINFANG_SMTP_PORT", global = true)]
    pub smtp_port: Option<u16>,
    /// `starttls` (upgrade a plain connection, required), `tls` (TLS from the start) or `none`
    /// (plain, for a relay on the local network only) [default: starttls]. Certificates are
    /// checked against the system's store.
    #[arg(long, env = "XINFANG_SMTP_TLS", global = true)]
    pub smtp_tls: Option<String>,
    /// SMTP user name (with --smtp-password).
    #[arg(long, env = "XINFANG_SMTP_USER", global = true)]
    pub smtp_user: Option<String>,
    /// SMTP password.
    #[arg(long, env = "XINFANG_SMTP_PASSWORD", global = true, hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// Sender address, e.g. `某市信访局 <xfj@example.gov.cn>`.
    #[arg(long, env = "XINFANG_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
}

impl NotifyArgs {
    /// Each option from `self` (flags, environment), else from `file`.
    fn or(self, file: NotifyArgs) -> NotifyArgs {
        NotifyArgs {
            sms: self.sms.or(file.sms),
            email: self.email.or(file.email),
            retry_first: self.retry_first.or(file.retry_first),
            retry_max: self.retry_max.or(file.retry_max),
            retry_attempts: self.retry_attempts.or(file.retry_attempts),
            sms_url: self.sms_url.or(file.sms_url),
            sms_format: self.sms_format.or(file.sms_format),
            sms_template: self.sms_template.or(file.sms_template),
            sms_sign: self.sms_sign.or(file.sms_sign),
            sms_token: self.sms_token.or(file.sms_token),
            sms_header: self.sms_header.or(file.sms_header),
            sms_timeout: self.sms_timeout.or(file.sms_timeout),
            sms_id_field: self.sms_id_field.or(file.sms_id_field),
            smtp_host: self.smtp_host.or(file.smtp_host),
            smtp_port: self.smtp_port.or(file.smtp_port),
            smtp_tls: self.smtp_tls.or(file.smtp_tls),
            smtp_user: self.smtp_user.or(file.smtp_user),
            smtp_password: self.smtp_password.or(file.smtp_password),
            smtp_from: self.smtp_from.or(file.smtp_from),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    data_key: Option<String>,
    log: Option<String>,
    public_url: Option<String>,
    worker_interval: Option<u64>,
    trusted_proxies: Option<String>,
    notify: Option<NotifyArgs>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub data_key: Option<String>,
    pub log: String,
    pub public_url: Option<String>,
    pub worker_interval: std::time::Duration,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub notify: NotifyArgs,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    pub fn resolve(common: &Common, listen_flag: Option<String>) -> Result<Config> {
        let file = match &common.config {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("无法读取配置文件 {}", path.display()))?;
                toml::from_str::<FileConfig>(&text).with_context(|| format!("配置文件 {} 格式有误", path.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = common.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("xinfang-data"));
        let database_url = common
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("xinfang.db").display()));
        let trusted_proxies = common
            .trusted_proxies
            .clone()
            .or(file.trusted_proxies)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<std::net::IpAddr>().with_context(|| {
                    format!("--trusted-proxies 中的「{s}」不是 IP 地址：请写逗号分隔的 IP 地址，如 10.0.0.5,10.0.0.6")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Config {
            listen: listen_flag.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            database_url,
            data_dir,
            data_key: common.data_key.clone().or(file.data_key),
            log: common.log.clone().or(file.log).unwrap_or_else(|| "info".to_string()),
            public_url: common.public_url.clone().or(file.public_url),
            worker_interval: std::time::Duration::from_secs(
                common.worker_interval.or(file.worker_interval).unwrap_or(10).max(1),
            ),
            trusted_proxies,
            notify: common.notify.clone().or(file.notify.unwrap_or_default()),
        })
    }

    /// How failed deliveries are retried.
    pub fn retry(&self) -> xinfang_store::jobs::Retry {
        let d = xinfang_store::jobs::Retry::default();
        let secs = |s: u64| chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000).max(1));
        xinfang_store::jobs::Retry {
            first: self.notify.retry_first.map(secs).unwrap_or(d.first),
            max: self.notify.retry_max.map(secs).unwrap_or(d.max),
            attempts: self.notify.retry_attempts.unwrap_or(d.attempts).max(1),
        }
    }

    /// The master key for personal data: configured, or read from (or created in) the data dir.
    pub fn master_key(&self) -> Result<[u8; 32]> {
        if let Some(k) = &self.data_key {
            return Ok(xinfang_store::Vault::parse_master_key(k)?);
        }
        let path = self.data_dir.join("data.key");
        if !path.exists() {
            std::fs::create_dir_all(&self.data_dir)
                .with_context(|| format!("无法创建数据目录 {}", self.data_dir.display()))?;
            write_private(&path, &xinfang_store::Vault::generate_master_key())?;
            tracing::warn!(path = %path.display(), "created a new data key: back it up, encrypted ID and phone numbers cannot be read without it");
        }
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("无法读取数据密钥文件 {}", path.display()))?;
        Ok(xinfang_store::Vault::parse_master_key(&text)?)
    }

    /// Make sure the directory of a SQLite database exists.
    pub fn prepare(&self) -> Result<()> {
        if let Some(path) = self.database_url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            if let Some(dir) = Path::new(path.split('?').next().unwrap_or(path)).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).with_context(|| format!("无法创建数据库目录 {}", dir.display()))?;
                }
            }
        }
        Ok(())
    }
}

fn write_private(path: &Path, content: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("无法创建数据密钥文件 {}", path.display()))?;
    f.write_all(content.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_options_come_from_the_file_under_flags() {
        let dir = std::env::temp_dir().join(format!("xinfang-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("xinfang.toml");
        std::fs::write(
            &path,
            "public_url = \"https://xf.example/portal\"\nworker_interval = 5\n[notify]\nsms = \"http\"\n\
             sms_url = \"https://gw.example/send\"\nretry_first = 30\nsmtp_port = 2525\n",
        )
        .unwrap();
        let common = Common {
            config: Some(path),
            notify: NotifyArgs { sms_url: Some("http://flag/send".into()), ..Default::default() },
            ..Default::default()
        };
        let cfg = Config::resolve(&common, None).unwrap();
        assert_eq!(cfg.public_url.as_deref(), Some("https://xf.example/portal"));
        assert_eq!(cfg.worker_interval, std::time::Duration::from_secs(5));
        assert_eq!(cfg.notify.sms.as_deref(), Some("http"));
        assert_eq!(cfg.notify.sms_url.as_deref(), Some("http://flag/send"), "a flag wins over the file");
        assert_eq!(cfg.notify.smtp_port, Some(2525));
        assert_eq!(cfg.retry().first, chrono::Duration::seconds(30));
        assert_eq!(cfg.retry().attempts, xinfang_store::jobs::MAX_ATTEMPTS);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn trusted_proxies_are_addresses_or_a_clear_error() {
        let common = Common { trusted_proxies: Some(" 10.0.0.5, ::1 ,".into()), ..Default::default() };
        let cfg = Config::resolve(&common, None).unwrap();
        assert_eq!(cfg.trusted_proxies, vec!["10.0.0.5".parse::<std::net::IpAddr>().unwrap(), "::1".parse().unwrap()]);
        let bad = Common { trusted_proxies: Some("10.0.0.5,proxy.local".into()), ..Default::default() };
        let e = Config::resolve(&bad, None).unwrap_err().to_string();
        assert!(e.contains("proxy.local") && e.contains("--trusted-proxies"), "{e}");
        assert!(Config::resolve(&Common::default(), None).unwrap().trusted_proxies.is_empty());
    }
}
