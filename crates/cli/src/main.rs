//! The `atlas` binary: serve the platform, run the demo, apply migrations, manage users,
//! import attendance lists, verify the audit chain and back up the database.
//!
//! Configuration comes from code defaults, then a TOML file (`--config`), then
//! `ATLAS__…` environment variables, then command-line flags. Secrets are never printed.

mod config;

use anyhow::{Context, bail};
use atlas_core::{App, By};
use atlas_domain::clock::SystemClock;
use atlas_store::Db;
use clap::{Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// ATLAS — training, territorial mapping, referral and results for programs against
/// child labour, forced labour and human trafficking.
#[derive(Parser, Debug)]
#[command(name = "atlas", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// TOML configuration file (keys as in README.md; ATLAS__KEY variables override it).
    #[arg(long, global = true, env = "ATLAS_CONFIG")]
    config: Option<PathBuf>,
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, global = true, value_parser = ["text", "json"])]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web interface and API (applies pending migrations first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<String>,
        /// Database URL: sqlite://FILE or postgres://… [default: sqlite://atlas.db].
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Serve a fresh SQLite database filled with demo data and print the demo accounts.
    Demo {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<String>,
        /// Folder for the demo database [default: a temporary folder, removed on exit].
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        /// Database URL.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Manage user accounts from the server's command line (audited as the operator).
    User {
        #[command(subcommand)]
        action: UserCommand,
        /// Database URL.
        #[arg(long, global = true)]
        database_url: Option<String>,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
        /// Database URL.
        #[arg(long, global = true)]
        database_url: Option<String>,
    },
    /// Import data files (audited as the operator).
    Import {
        #[command(subcommand)]
        action: ImportCommand,
        /// Database URL.
        #[arg(long, global = true)]
        database_url: Option<String>,
    },
    /// Case records: retention.
    Cases {
        #[command(subcommand)]
        action: CasesCommand,
        /// Database URL.
        #[arg(long, global = true)]
        database_url: Option<String>,
    },
    /// Write a consistent copy of a live SQLite database (for PostgreSQL use pg_dump);
    /// then copy the data folder (attached material) too.
    Backup {
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
        /// Database URL.
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum CasesCommand {
    /// Erase the identifying data of cases closed longer than `case_retention_days` ago
    /// (statistics and the audit trail remain; each erasure is audited). Run it daily.
    EraseExpired,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account. The password is read from ATLAS_NEW_PASSWORD or standard input.
    Add {
        #[arg(long)]
        username: String,
        /// Full name shown in the interface.
        #[arg(long)]
        display_name: String,
        /// One of: admin, program_staff, training_coordinator, facilitator,
        /// frontline_officer, caseworker, justice, municipal_official,
        /// mapping_facilitator, observer.
        #[arg(long)]
        role: String,
        /// Institution acronym (with --country when ambiguous) or id.
        #[arg(long)]
        institution: String,
        /// Country of the institution (AR, LR, PY, TH).
        #[arg(long)]
        country: Option<String>,
    },
    /// Disable an account and end its sessions and tokens at once.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Set a new password (from ATLAS_NEW_PASSWORD or standard input); ends sessions.
    ResetPassword { username: String },
    /// Remove the account's authenticator so it enrols again at next sign-in.
    ResetTotp { username: String },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import an attendance list (CSV or XLSX) into a course: all rows or none. Exits 1
    /// listing every bad row and column (in the language of LANG: en, es or th).
    Attendance {
        /// The .csv or .xlsx file.
        file: PathBuf,
        /// Id of the course.
        #[arg(long)]
        course: uuid::Uuid,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check the hash chain; exits non-zero naming the first changed, removed or
    /// reordered row.
    Verify,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match config::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    config::init_logging(cli.log_format.as_deref().unwrap_or(&settings.log_format));
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli.command, settings)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    Ok(db)
}

/// The application over `db`. A missing key file is created only while the database
/// holds no victim's sealed identifying data (a fresh install, `atlas demo`); once it
/// does, a missing key file stops start-up naming the file, since a new key would open
/// none of it.
async fn app_over(db: Db, s: &config::Settings) -> anyhow::Result<App> {
    let key = std::path::Path::new(&s.key_file);
    if !key.exists() && atlas_core::store::cases::holds_sealed_data(&db).await? {
        anyhow::bail!(
            "the key file {} is missing but the database holds encrypted data; restore the key file from its backup (a new key cannot decrypt existing data)",
            key.display()
        );
    }
    App::new(db, Arc::new(SystemClock), s.core()?)
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("ATLAS_NEW_PASSWORD") {
        return Ok(p);
    }
    eprint!("New password (input is visible; prefer ATLAS_NEW_PASSWORD): ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn report(e: atlas_core::Error) -> anyhow::Error {
    match e {
        atlas_core::Error::Rule(atlas_domain::Error::Invalid(f)) => {
            let lines: Vec<String> =
                f.0.iter()
                    .map(|e| format!("  {}: {}", e.field, e.key))
                    .collect();
            anyhow::anyhow!("rejected:\n{}", lines.join("\n"))
        }
        atlas_core::Error::Rule(r) => anyhow::anyhow!("{r}"),
        atlas_core::Error::Internal(e) => e,
    }
}

async fn run(cmd: Command, s: config::Settings) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    match cmd {
        Command::Serve {
            listen,
            database_url,
        } => {
            let url = database_url.unwrap_or_else(|| s.database_url.clone());
            let db = open(&url).await?;
            serve(
                app_over(db, &s).await?,
                &listen.unwrap_or_else(|| s.listen.clone()),
                &s,
                None,
            )
            .await?;
        }
        Command::Demo { listen, data_dir } => {
            let (dir, _tmp) = match data_dir {
                Some(d) => {
                    std::fs::create_dir_all(&d)
                        .with_context(|| format!("cannot create {}", d.display()))?;
                    (d, None)
                }
                None => {
                    let t = tempfile::tempdir().context("cannot create a temporary folder")?;
                    (t.path().to_path_buf(), Some(t))
                }
            };
            let file = dir.join("atlas-demo.db");
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", file.display()));
                if p.exists() {
                    std::fs::remove_file(&p)
                        .with_context(|| format!("cannot replace {}", p.display()))?;
                }
            }
            // The demo's material files belong to the database just replaced.
            let material = dir.join("material");
            if material.exists() {
                std::fs::remove_dir_all(&material)
                    .with_context(|| format!("cannot replace {}", material.display()))?;
            }
            let db = open(&format!("sqlite://{}", file.display())).await?;
            let s = config::Settings {
                key_file: dir.join("atlas-demo.key").display().to_string(),
                data_dir: dir.display().to_string(),
                ..s
            };
            let app = app_over(db, &s).await?;
            let (password, generated) = match std::env::var("ATLAS_DEMO_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (random_password(), true),
            };
            let accounts = atlas_core::demo::seed(&app, &password)
                .await
                .map_err(report)?;
            let listen = listen.unwrap_or_else(|| s.listen.clone());
            let mut banner = format!(
                "ATLAS demo\n  database: {}\n  url: http://{listen}/\n",
                file.display()
            );
            if generated {
                banner.push_str(&format!("  password (all accounts): {password}\n"));
            } else {
                banner.push_str("  password (all accounts): the value of ATLAS_DEMO_PASSWORD\n");
            }
            banner.push_str("  accounts:\n");
            for a in &accounts {
                banner.push_str(&format!(
                    "    {:<22} role={:<20} institution={}",
                    a.username,
                    a.role.as_str(),
                    a.institution
                ));
                if let Some(t) = &a.totp_secret {
                    banner.push_str(&format!(" totp={t}"));
                }
                banner.push('\n');
            }
            serve(app, &listen, &s, Some(banner)).await?;
        }
        Command::Migrate { database_url } => {
            let url = database_url.unwrap_or_else(|| s.database_url.clone());
            open(&url).await?;
            println!("migrations applied");
        }
        Command::User {
            action,
            database_url,
        } => {
            let db = open(&database_url.unwrap_or_else(|| s.database_url.clone())).await?;
            let app = app_over(db, &s).await?;
            match action {
                UserCommand::Add {
                    username,
                    display_name,
                    role,
                    institution,
                    country,
                } => {
                    let institution_id = match uuid::Uuid::parse_str(&institution) {
                        Ok(id) => id,
                        Err(_) => {
                            let c = match country {
                                Some(c) => Some(
                                    atlas_domain::directory::CountryCode::parse(&c)
                                        .context("--country must be AR, LR, PY or TH")?,
                                ),
                                None => None,
                            };
                            let found = app
                                .institutions_by_acronym(&institution, c.as_ref())
                                .await
                                .map_err(report)?;
                            match found.as_slice() {
                                [one] => one.institution_id,
                                [] => bail!("no institution with acronym {institution}"),
                                _ => bail!(
                                    "several institutions are called {institution}; add --country"
                                ),
                            }
                        }
                    };
                    let password = read_password()?;
                    let a = app
                        .create_account(
                            By::Operator,
                            &atlas_domain::auth::AccountInput {
                                username,
                                display_name,
                                role,
                                institution_id: institution_id.to_string(),
                                password,
                                ..Default::default()
                            },
                        )
                        .await
                        .map_err(report)?;
                    println!(
                        "created {} ({}) at {}",
                        a.username, a.role, a.institution_acronym
                    );
                }
                UserCommand::Disable { username } => {
                    app.set_account_disabled(By::Operator, &username, true)
                        .await
                        .map_err(report)?;
                    println!("disabled {username}; its sessions and tokens were ended");
                }
                UserCommand::Enable { username } => {
                    app.set_account_disabled(By::Operator, &username, false)
                        .await
                        .map_err(report)?;
                    println!("enabled {username}");
                }
                UserCommand::ResetPassword { username } => {
                    let p = read_password()?;
                    app.reset_password(By::Operator, &username, &p)
                        .await
                        .map_err(report)?;
                    println!("password of {username} set; its sessions were ended");
                }
                UserCommand::ResetTotp { username } => {
                    app.reset_totp(By::Operator, &username)
                        .await
                        .map_err(report)?;
                    println!("authenticator of {username} removed");
                }
            }
        }
        Command::Audit {
            action: AuditCommand::Verify,
            database_url,
        } => {
            let db = Db::connect(&database_url.unwrap_or_else(|| s.database_url.clone())).await?;
            let app = app_over(db, &s).await?;
            match app.verify_audit().await.map_err(report)? {
                Ok(n) => println!("audit log intact: {n} rows verified"),
                Err(b) => {
                    eprintln!("audit log BROKEN: {b}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Import {
            action: ImportCommand::Attendance { file, course },
            database_url,
        } => {
            let db = open(&database_url.unwrap_or_else(|| s.database_url.clone())).await?;
            let app = app_over(db, &s).await?;
            return import_attendance(&app, &file, course, s.import_limit())
                .await
                .map_err(report);
        }
        Command::Cases {
            action: CasesCommand::EraseExpired,
            database_url,
        } => {
            let db = open(&database_url.unwrap_or_else(|| s.database_url.clone())).await?;
            let app = app_over(db, &s).await?;
            let n = app
                .erase_expired_identities(atlas_core::By::Operator)
                .await
                .map_err(report)?;
            println!("identifying data erased from {n} closed case(s)");
        }
        Command::Backup { to, database_url } => {
            let db = Db::connect(&database_url.unwrap_or_else(|| s.database_url.clone())).await?;
            db.backup_sqlite(&to).await?;
            println!("backup written to {}", to.display());
            // Material files live outside the database. Files are written before their
            // rows commit and never change, so a copy of the folder taken now holds
            // every file this database copy names.
            println!(
                "now copy the data folder {} (attached material) alongside it, e.g. rsync -a {}/ BACKUP-DIR/",
                s.data_dir, s.data_dir
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `atlas import attendance`: reads the file, imports it with a progress bar on stderr,
/// prints the summary, or every problem and exit code 1.
async fn import_attendance(
    app: &App,
    file: &std::path::Path,
    course: uuid::Uuid,
    limit: usize,
) -> atlas_core::Result<std::process::ExitCode> {
    use atlas_domain::training_import::{FileKind, Problem};
    use atlas_web::i18n::{I18n, Lang};
    use atlas_web::pages::training_import::{problem_line, summary_line};
    let lang = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find_map(|v| Lang::parse(&v))
        .unwrap_or(Lang::En);
    let i18n = I18n::new(lang);
    let fail = |problems: &[Problem]| {
        eprintln!("{}", i18n.t("import-rejected"));
        for p in problems {
            eprintln!("  {}", problem_line(&i18n, p));
        }
        std::process::ExitCode::from(1)
    };
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if size > limit as u64 {
        return Ok(fail(&[Problem {
            row: 0,
            column: limit.div_ceil(1024 * 1024).to_string(),
            key: "import-too-large",
        }]));
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let kind = FileKind::detect(name, &bytes);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(i18n.t("import-title"));
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let outcome = app
        .import_attendance(By::Operator, course, kind, &bytes, &progress)
        .await?;
    bar.finish_and_clear();
    match outcome {
        Ok(sum) => {
            println!("{} {}", i18n.t("import-done"), summary_line(&i18n, &sum));
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(problems) => Ok(fail(&problems)),
    }
}

fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

async fn serve(
    app: App,
    listen: &str,
    s: &config::Settings,
    banner: Option<String>,
) -> anyhow::Result<()> {
    app.schedule_periodic_jobs().await.map_err(report)?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(app.clone().job_worker(Duration::from_secs(60), stop_rx));
    let db = app.db.clone();
    let router = atlas_web::app(atlas_web::AppState::new(app, s.web()));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr().context("no local address")?;
    if let Some(b) = banner {
        println!(
            "{}",
            b.replace(&format!("http://{listen}/"), &format!("http://{addr}/"))
        );
    }
    tracing::info!(listen = %addr, backend = ?db.backend(), "serving");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")?;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    let _ = worker.await;
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
