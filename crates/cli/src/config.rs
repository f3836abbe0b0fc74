//! Configuration: defaults that work out of the box, then a TOML file, then `XINFANG_*`
//! environment variables, then command-line flags — each over the one before.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Options every command accepts.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Common {
    /// Configuration file (TOML) with any of: listen, database_url, data_dir, data_key, log.
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
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    data_key: Option<String>,
    log: Option<String>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub data_key: Option<String>,
    pub log: String,
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
        Ok(Config {
            listen: listen_flag.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            database_url,
            data_dir,
            data_key: common.data_key.clone().or(file.data_key),
            log: common.log.clone().or(file.log).unwrap_or_else(|| "info".to_string()),
        })
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
