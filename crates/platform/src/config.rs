//! Configuration: defaults → optional `gongzhi.toml` in the data directory → `GONGZHI_*`
//! environment variables (and `DATABASE_URL`).

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means the SQLite file in the data directory.
    pub database_url: String,
    pub bind: String,
    /// `pretty` or `json` logs.
    pub log_format: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Failed sign-ins of one account from one address before each further one makes the next
    /// attempt wait (doubling from two seconds); the account across all addresses gets four
    /// times as many, with waits of at most a minute that never hold an address it signed in
    /// from before.
    pub login_free_attempts: i32,
    /// The longest wait between attempts of one name from one address, in seconds.
    pub login_max_delay_seconds: i64,
    /// Login attempts per client address per minute.
    pub login_rate_per_minute: u32,
    pub session_hours: i64,
    /// Set the Secure flag on cookies (turn off only for plain-HTTP development).
    pub cookie_secure: bool,
    /// Seal pending audit entries into the hash chain this often.
    pub audit_seal_seconds: u64,
    /// The audit key ring (signs seals, authenticates entries); `<data_dir>/audit-keys` when
    /// unset. Created on first start with owner-only permissions; keep it apart from the database.
    pub audit_key_file: Option<PathBuf>,
    /// Extra holiday years in the format of the bundled calendar (file path).
    pub calendar_file: Option<PathBuf>,
    /// Reverse proxies in front of the server (their addresses): behind one, the client's address
    /// is read from `X-Forwarded-For`.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Origins allowed for cookie-authenticated unsafe requests besides the request's own host.
    pub allowed_origins: Vec<String>,
    /// Largest accepted upload (documents, attachments), in bytes.
    pub upload_max_bytes: usize,
    /// How often the scheduler looks for due jobs; 0 turns scheduled jobs off.
    pub job_tick_seconds: u64,
    /// The largest amount of each kind accepted, in yuan (`[money_limits]` in gongzhi.toml).
    pub money_limits: gongzhi_kernel::MoneyLimits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            bind: "127.0.0.1:8080".into(),
            log_format: "pretty".into(),
            max_body_bytes: 2 * 1024 * 1024,
            login_free_attempts: 5,
            login_max_delay_seconds: 900,
            login_rate_per_minute: 20,
            session_hours: 12,
            cookie_secure: true,
            audit_seal_seconds: 5,
            audit_key_file: None,
            calendar_file: None,
            trusted_proxies: Vec::new(),
            allowed_origins: Vec::new(),
            upload_max_bytes: 10 * 1024 * 1024,
            job_tick_seconds: 60,
            money_limits: gongzhi_kernel::MoneyLimits::default(),
        }
    }
}

impl Config {
    /// Load configuration for a data directory (the CLI's `--data-dir` wins over everything).
    pub fn load(data_dir: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let dir = data_dir
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("GONGZHI_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("data"));
        figment = figment
            .merge(Toml::file(dir.join("gongzhi.toml")))
            .merge(Toml::file("gongzhi.toml"))
            .merge(Env::prefixed("GONGZHI_"));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        let mut config: Config = figment.extract()?;
        config.data_dir = dir;
        Ok(config)
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("gongzhi.sqlite").display()
            )
        } else {
            self.database_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn toml_in_the_data_directory_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("gongzhi-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("gongzhi.toml"),
            "bind = \"0.0.0.0:9000\"\nlogin_free_attempts = 3\n",
        )
        .unwrap();
        let c = Config::load(Some(&dir)).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.login_free_attempts, 3);
        assert_eq!(
            c.session_hours,
            Config::default().session_hours,
            "untouched keys keep their default"
        );
        assert_eq!(c.data_dir, dir);
        if std::env::var_os("DATABASE_URL").is_none() {
            assert!(
                c.database_url().starts_with("sqlite://")
                    && c.database_url().contains("gongzhi.sqlite")
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
