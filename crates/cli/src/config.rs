//! Settings: code defaults, then a TOML file, then `ATLAS__KEY` environment variables.

use anyhow::Context;
use serde::Deserialize;
use std::path::Path;

/// Every setting, flat, with its default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub listen: String,
    /// `sqlite://FILE` or `postgres://…`.
    pub database_url: String,
    /// `text` or `json`.
    pub log_format: String,
    /// Mark cookies Secure (serve behind TLS).
    pub secure_cookies: bool,
    /// Minutes of inactivity that end a session.
    pub session_idle_minutes: i64,
    /// Hours after which a session ends regardless.
    pub session_absolute_hours: i64,
    /// Days an API token lives.
    pub token_ttl_days: i64,
    /// Largest request body in KiB.
    pub body_limit_kib: usize,
    /// Issuer shown in authenticator apps.
    pub totp_issuer: String,
}

/// Loads settings from defaults, an optional TOML file and the environment.
pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
    let mut b = config::Config::builder()
        .set_default("listen", "127.0.0.1:8080")?
        .set_default("database_url", "sqlite://atlas.db")?
        .set_default("log_format", "text")?
        .set_default("secure_cookies", false)?
        .set_default("session_idle_minutes", 30)?
        .set_default("session_absolute_hours", 12)?
        .set_default("token_ttl_days", 30)?
        .set_default("body_limit_kib", 256)?
        .set_default("totp_issuer", "ATLAS")?;
    if let Some(f) = file {
        b = b.add_source(
            config::File::from(f)
                .format(config::FileFormat::Toml)
                .required(true),
        );
    }
    b = b.add_source(
        config::Environment::with_prefix("ATLAS")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true),
    );
    let s: Settings = b
        .build()
        .context("cannot read the configuration")?
        .try_deserialize()
        .context("invalid configuration")?;
    anyhow::ensure!(
        s.session_idle_minutes > 0 && s.session_absolute_hours > 0 && s.token_ttl_days > 0,
        "session and token lifetimes must be positive"
    );
    anyhow::ensure!(s.body_limit_kib >= 16, "body_limit_kib must be at least 16");
    Ok(s)
}

impl Settings {
    /// The use-case settings.
    pub fn core(&self) -> atlas_core::Settings {
        atlas_core::Settings {
            session_idle: time::Duration::minutes(self.session_idle_minutes),
            session_absolute: time::Duration::hours(self.session_absolute_hours),
            token_ttl: time::Duration::days(self.token_ttl_days),
            totp_issuer: self.totp_issuer.clone(),
            ..Default::default()
        }
    }
    /// The web settings.
    pub fn web(&self) -> atlas_web::WebSettings {
        atlas_web::WebSettings {
            secure_cookies: self.secure_cookies,
            body_limit: self.body_limit_kib * 1024,
        }
    }
}

/// Starts logging to standard error (`RUST_LOG` filters, default `info`).
pub fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}
