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
    /// Largest attendance file accepted by the import (web upload and CLI), in MiB.
    pub import_limit_mib: usize,
    /// Issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// File holding the deployment's 32-byte master key (created on first start). Keys
    /// for keyed hashes, certificate signing and, later, field encryption are derived
    /// from it; it never goes into the database. Back it up apart from the database.
    pub key_file: String,
    /// Folder for files kept outside the database (attached material); created (mode
    /// 0700) at start-up. Back it up together with the database.
    pub data_dir: String,
    /// Largest attached-material file accepted, in bytes.
    pub material_max_bytes: usize,
    /// The deployment's public address (`https://atlas.example.org`), used in
    /// certificate QR codes, verification and test links and Open Badges credentials
    /// instead of the host a request came to. Empty: not set.
    pub public_url: String,
    /// Size in degrees of the grid generalised map features are snapped to when shown
    /// or exported (default 0.002, about 220 m).
    pub cartography_grid_degrees: f64,
    /// Basemap tile server for the exercise page's map (`https://…/{z}/{x}/{y}.png`);
    /// empty (the default): no basemap, the map is drawn from the data alone.
    pub cartography_tile_url: String,
    /// Attribution shown on the map with the tiles.
    pub cartography_tile_attribution: String,
    /// Minimum working age per country for the child-labour screening, as
    /// `CC=years` pairs separated by commas (`AR=16,PY=14,LR=16,TH=15`); other
    /// countries use 15 (ILO C138).
    pub case_minimum_ages: String,
    /// Smallest group the anonymised case export publishes (k-anonymity).
    pub case_k_anonymity: usize,
    /// Days a closed case keeps its victims' identifying data before
    /// `atlas cases erase-expired` erases it.
    pub case_retention_days: i64,
    /// Hours a receiver has to answer a referral when no pathway step gives a time.
    pub case_response_hours: i64,
    /// Host of the SMTP relay case notifications are e-mailed through (plain SMTP to a
    /// relay the operator runs, which does TLS onward; no credentials are sent). Empty:
    /// no e-mail.
    pub smtp_host: String,
    /// Port of the SMTP relay.
    pub smtp_port: i64,
    /// Sender address of the e-mails (`From` and `MAIL FROM`).
    pub smtp_from: String,
}

/// The basemap tile server, if one is configured; a bad template stops the start.
fn parse_tile_url(s: &str) -> anyhow::Result<Option<atlas_domain::cartography::TileServer>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    atlas_domain::cartography::TileServer::parse(s)
        .map(Some)
        .map_err(|why| anyhow::anyhow!("cartography_tile_url {why}"))
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
        .set_default("import_limit_mib", 20)?
        .set_default("totp_issuer", "ATLAS")?
        .set_default("key_file", "atlas.key")?
        .set_default("data_dir", "atlas-data")?
        .set_default(
            "material_max_bytes",
            atlas_domain::training_material::DEFAULT_MAX_BYTES as u64,
        )?
        .set_default("public_url", "")?
        .set_default(
            "cartography_grid_degrees",
            atlas_domain::cartography::DEFAULT_GRID_DEGREES,
        )?
        .set_default("cartography_tile_url", "")?
        .set_default(
            "cartography_tile_attribution",
            "© OpenStreetMap contributors",
        )?
        .set_default("case_minimum_ages", "AR=16,PY=14,LR=16,TH=15")?
        .set_default("case_k_anonymity", 11)?
        .set_default("case_retention_days", 5 * 365)?
        .set_default("case_response_hours", 72)?
        .set_default("smtp_host", "")?
        .set_default("smtp_port", 25)?
        .set_default("smtp_from", "")?;
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
    anyhow::ensure!(
        (1..=1024).contains(&s.import_limit_mib),
        "import_limit_mib must be between 1 and 1024"
    );
    anyhow::ensure!(
        (1..=(1usize << 30)).contains(&s.material_max_bytes),
        "material_max_bytes must be between 1 and 1073741824 (1 GiB)"
    );
    anyhow::ensure!(!s.data_dir.trim().is_empty(), "data_dir must name a folder");
    parse_public_url(&s.public_url)?;
    anyhow::ensure!(
        s.cartography_grid_degrees > 0.0 && s.cartography_grid_degrees <= 1.0,
        "cartography_grid_degrees must be above 0 and at most 1"
    );
    parse_tile_url(&s.cartography_tile_url)?;
    parse_minimum_ages(&s.case_minimum_ages)?;
    anyhow::ensure!(
        (2..=1000).contains(&s.case_k_anonymity),
        "case_k_anonymity must be between 2 and 1000"
    );
    anyhow::ensure!(
        (1..=36500).contains(&s.case_retention_days),
        "case_retention_days must be between 1 and 36500"
    );
    anyhow::ensure!(
        (1..=720).contains(&s.case_response_hours),
        "case_response_hours must be between 1 and 720"
    );
    parse_smtp(&s)?;
    Ok(s)
}

/// Checks the SMTP settings: none when `smtp_host` is empty; otherwise a host name or
/// address, a port from 1 to 65535, a sender address and a `public_url` for the links.
pub fn parse_smtp(s: &Settings) -> anyhow::Result<Option<(String, u16, String)>> {
    anyhow::ensure!(
        (1..=65535).contains(&s.smtp_port),
        "smtp_port must be between 1 and 65535 (got {})",
        s.smtp_port
    );
    let from = s.smtp_from.trim();
    let parsed_from = atlas_domain::mail::parse_address(from);
    anyhow::ensure!(
        from.is_empty() || parsed_from.is_some(),
        "smtp_from must be an e-mail address such as atlas@example.org (got {from:?})"
    );
    let host = s.smtp_host.trim();
    if host.is_empty() {
        return Ok(None);
    }
    anyhow::ensure!(
        host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
            && !host.starts_with(['.', '-']),
        "smtp_host must be a host name or IP address (got {host:?})"
    );
    let Some(from) = parsed_from else {
        anyhow::bail!("smtp_from must be set when smtp_host is set");
    };
    anyhow::ensure!(
        parse_public_url(&s.public_url)?.is_some(),
        "public_url must be set when smtp_host is set: e-mails link to it"
    );
    let port = u16::try_from(s.smtp_port).context("smtp_port")?;
    Ok(Some((host.to_owned(), port, from)))
}

/// Parses `case_minimum_ages` (`AR=16,PY=14`): ISO country codes of the program and ages
/// from 12 to 18, each country once.
pub fn parse_minimum_ages(s: &str) -> anyhow::Result<Vec<(String, u8)>> {
    let mut out: Vec<(String, u8)> = Vec::new();
    for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || {
            anyhow::anyhow!(
                "case_minimum_ages must be pairs like AR=16,PY=14 (a program country and an age from 12 to 18); got {pair:?}"
            )
        };
        let (c, a) = pair.split_once('=').ok_or_else(bad)?;
        let c = atlas_domain::directory::CountryCode::parse(c.trim()).ok_or_else(bad)?;
        let a: u8 = a.trim().parse().map_err(|_| bad())?;
        anyhow::ensure!((12..=18).contains(&a), bad());
        anyhow::ensure!(
            !out.iter().any(|(x, _)| x == c.as_str()),
            "case_minimum_ages names {} twice",
            c.as_str()
        );
        out.push((c.as_str().to_owned(), a));
    }
    Ok(out)
}

/// Checks `public_url`: empty (not set) or an absolute `http`/`https` URL with a host,
/// an optional port and path, and no query, fragment, credentials or spaces. Returns it
/// without a trailing slash. Hand-checked: the rules are few and the workspace has no
/// URL parser.
pub fn parse_public_url(s: &str) -> anyhow::Result<Option<String>> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        anyhow::anyhow!(
            "public_url must be an absolute http(s) URL without query or fragment, such as https://atlas.example.org (got {t:?})"
        )
    };
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && !host.starts_with([':', '.', '-']);
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '?' | '#' | '\\' | '"' | '<' | '>'));
    anyhow::ensure!(host_ok && path_ok, bad());
    Ok(Some(t.trim_end_matches('/').to_owned()))
}

impl Settings {
    /// The use-case settings, with keys derived from the master key file; creates the
    /// data folder when missing (a clear error when it cannot be).
    pub fn core(&self) -> anyhow::Result<atlas_core::Settings> {
        let master = load_or_create_key(Path::new(&self.key_file))?;
        let data_dir = std::path::PathBuf::from(&self.data_dir);
        atlas_core::training_material::ensure_data_dir(&data_dir)?;
        Ok(atlas_core::Settings {
            index_key: atlas_core::SecretKey::derive(&master, "atlas blind-index v1"),
            field_key: atlas_core::SecretKey::derive(&master, "atlas field-encryption v1"),
            signing_key: atlas_core::SecretKey::derive(&master, "atlas certificate-signing v1"),
            session_idle: time::Duration::minutes(self.session_idle_minutes),
            session_absolute: time::Duration::hours(self.session_absolute_hours),
            token_ttl: time::Duration::days(self.token_ttl_days),
            totp_issuer: self.totp_issuer.clone(),
            data_dir,
            material_max_bytes: self.material_max_bytes,
            public_url: parse_public_url(&self.public_url)?,
            cartography: atlas_core::cartography::CartoSettings {
                grid_degrees: self.cartography_grid_degrees,
                tile_server: parse_tile_url(&self.cartography_tile_url)?,
                tile_attribution: self.cartography_tile_attribution.trim().to_owned(),
            },
            cases: atlas_core::cases::CaseSettings {
                child_labour: atlas_domain::cases::ChildLabourRules {
                    minimum_age: parse_minimum_ages(&self.case_minimum_ages)?,
                    ..Default::default()
                },
                k_anonymity: self.case_k_anonymity,
                retention_days: self.case_retention_days,
                default_response_hours: self.case_response_hours,
            },
            smtp: parse_smtp(self)?.map(|(host, port, from)| {
                let public = parse_public_url(&self.public_url).ok().flatten();
                atlas_core::mail::SmtpSettings {
                    helo: helo_name(public.as_deref()),
                    host,
                    port,
                    from,
                    timeout: std::time::Duration::from_secs(30),
                    texts: atlas_web::i18n::mail_text,
                }
            }),
            ..Default::default()
        })
    }
    /// The web settings.
    pub fn web(&self) -> atlas_web::WebSettings {
        atlas_web::WebSettings {
            secure_cookies: self.secure_cookies,
            body_limit: self.body_limit_kib * 1024,
            import_limit: self.import_limit(),
        }
    }

    /// Largest attendance file accepted, in bytes.
    pub fn import_limit(&self) -> usize {
        self.import_limit_mib * 1024 * 1024
    }
}

/// The name given in `EHLO`: the public URL's host, else `localhost`.
fn helo_name(public_url: Option<&str>) -> String {
    public_url
        .and_then(|u| u.split_once("://"))
        .map(|(_, rest)| rest.split(['/', ':']).next().unwrap_or("").to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
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

/// Reads the 32-byte master key from `path`, creating it (mode 0600) when missing.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    use std::io::Write;
    match std::fs::read(path) {
        Ok(bytes) => <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            anyhow::anyhow!(
                "{} must hold exactly 32 bytes (it holds {})",
                path.display(),
                bytes.len()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = atlas_core::SecretKey::random().0;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = match opts.open(path) {
                Ok(f) => f,
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return load_or_create_key(path);
                }
                Err(e) => {
                    return Err(anyhow::Error::new(e)
                        .context(format!("cannot create the key file {}", path.display())));
                }
            };
            f.write_all(&key)
                .and_then(|()| f.sync_all())
                .with_context(|| format!("cannot write the key file {}", path.display()))?;
            tracing::warn!(key_file = %path.display(), "created a new master key file; back it up apart from the database");
            Ok(key)
        }
        Err(e) => {
            Err(anyhow::Error::new(e)
                .context(format!("cannot read the key file {}", path.display())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_public_url, parse_tile_url};

    #[test]
    fn a_bad_tile_url_stops_the_start_naming_the_key() {
        assert_eq!(parse_tile_url(" ").unwrap(), None);
        let ok = parse_tile_url("https://tile.openstreetmap.org/{z}/{x}/{y}.png").unwrap();
        assert_eq!(ok.unwrap().origin, "https://tile.openstreetmap.org");
        for bad in [
            "http://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "https://tile.openstreetmap.org/{z}/{y}.png",
        ] {
            let e = parse_tile_url(bad).unwrap_err().to_string();
            assert!(e.contains("cartography_tile_url"), "{e}");
        }
    }

    fn with_smtp(host: &str, port: i64, from: &str, public_url: &str) -> super::Settings {
        let mut s = super::load(None).unwrap();
        s.smtp_host = host.into();
        s.smtp_port = port;
        s.smtp_from = from.into();
        s.public_url = public_url.into();
        s
    }

    #[test]
    fn smtp_settings_are_checked_and_name_the_bad_key() {
        let ok = with_smtp(
            "relay.lan",
            25,
            "atlas@example.org",
            "https://atlas.example.org",
        );
        assert_eq!(
            super::parse_smtp(&ok).unwrap(),
            Some(("relay.lan".into(), 25, "atlas@example.org".into()))
        );
        assert_eq!(super::parse_smtp(&with_smtp("", 25, "", "")).unwrap(), None);
        for (s, key) in [
            (
                with_smtp("relay.lan", 0, "atlas@example.org", "https://a.org"),
                "smtp_port",
            ),
            (
                with_smtp("relay.lan", 70000, "atlas@example.org", "https://a.org"),
                "smtp_port",
            ),
            (
                with_smtp("relay.lan", 25, "not an address", "https://a.org"),
                "smtp_from",
            ),
            (with_smtp("relay.lan", 25, "", "https://a.org"), "smtp_from"),
            (
                with_smtp("relay lan", 25, "atlas@example.org", "https://a.org"),
                "smtp_host",
            ),
            (
                with_smtp("relay.lan", 25, "atlas@example.org", ""),
                "public_url",
            ),
        ] {
            let e = super::parse_smtp(&s).unwrap_err().to_string();
            assert!(e.contains(key), "{e}");
        }
    }

    #[test]
    fn public_urls_are_absolute_http_without_query() {
        assert_eq!(parse_public_url("").unwrap(), None);
        assert_eq!(
            parse_public_url("https://atlas.example.org/")
                .unwrap()
                .as_deref(),
            Some("https://atlas.example.org")
        );
        assert_eq!(
            parse_public_url("http://10.0.0.5:8080/atlas")
                .unwrap()
                .as_deref(),
            Some("http://10.0.0.5:8080/atlas")
        );
        for bad in [
            "atlas.example.org",
            "https://",
            "https://atlas.example.org/?a=1",
            "https://atlas.example.org/#x",
            "https://at las.org",
            "javascript:alert(1)",
            "https://user@host.org",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
    }
}
