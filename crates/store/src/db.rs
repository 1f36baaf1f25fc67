//! Connecting, migrating and opening transactions on either engine.
//!
//! SQLite runs in WAL mode with `synchronous=FULL` (fully durable: an acknowledged commit
//! survives power loss), foreign keys on and a busy timeout. PostgreSQL keeps its defaults
//! (`synchronous_commit=on`).

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Which engine a [`Db`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool on one of the two engines.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// An open transaction on one of the two engines.
#[derive(Debug)]
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects by URL scheme: `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .with_context(|| "invalid SQLite database URL".to_string())?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .context("could not open the SQLite database")?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
            Self::connect_pg(opts).await
        } else {
            bail!("the database URL must start with sqlite:// or postgres://")
        }
    }

    /// Connects to PostgreSQL with explicit options (tests use a private schema).
    pub async fn connect_pg(opts: PgConnectOptions) -> anyhow::Result<Db> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .context("could not connect to PostgreSQL")?;
        Ok(Db::Pg(pool))
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations of this engine's folder.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATOR.run(p).await,
            Db::Pg(p) => PG_MIGRATOR.run(p).await,
        }
        .context("could not apply database migrations")
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(
                p.begin_with("BEGIN IMMEDIATE")
                    .await
                    .context("could not begin a SQLite transaction")?,
            ),
            Db::Pg(p) => Tx::Pg(
                p.begin()
                    .await
                    .context("could not begin a PostgreSQL transaction")?,
            ),
        })
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> anyhow::Result<()> {
        crate::on_db!(self, p => sqlx::query("select 1").execute(p).await.map(|_| ()))
            .context("database did not answer")
    }

    /// Writes a consistent copy of a live SQLite database to `to` (`VACUUM INTO`).
    pub async fn backup_sqlite(&self, to: &Path) -> anyhow::Result<()> {
        let Db::Sqlite(p) = self else {
            bail!("backup is built in for SQLite only; for PostgreSQL use pg_dump")
        };
        if to.exists() {
            bail!("{} already exists; choose a new file", to.display());
        }
        let path = to.to_str().context("the backup path is not valid UTF-8")?;
        sqlx::query("vacuum into $1")
            .bind(path)
            .execute(p)
            .await
            .context("VACUUM INTO failed")?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        crate::on_db!(self, p => p.close().await)
    }

    /// Lists every application table with its columns, sorted, for schema comparisons.
    pub async fn schema(&self) -> anyhow::Result<Vec<(String, Vec<String>)>> {
        let rows: Vec<(String, String)> =
            match self {
                Db::Sqlite(p) => sqlx::query_as(
                    "select m.name, c.name from sqlite_master m join pragma_table_info(m.name) c \
                 where m.type = 'table' and m.name not like '\\_%' escape '\\' \
                 and m.name not like 'sqlite%' order by m.name, c.name",
                )
                .fetch_all(p)
                .await?,
                Db::Pg(p) => sqlx::query_as(
                    "select table_name::text, column_name::text from information_schema.columns \
                 where table_schema = current_schema() and table_name not like '\\_%' \
                 order by table_name, column_name",
                )
                .fetch_all(p)
                .await?,
            };
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (t, c) in rows {
            match out.last_mut() {
                Some((lt, cols)) if *lt == t => cols.push(c),
                _ => out.push((t, vec![c])),
            }
        }
        Ok(out)
    }
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> anyhow::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Pg(t) => t.commit().await,
        }
        .context("could not commit the transaction")
    }
}

/// True when `e` is a unique-constraint violation (a race the application's own duplicate
/// check lost); callers turn it into a field error instead of a 500.
pub fn is_unique_violation(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<sqlx::Error>()
            .and_then(|s| s.as_database_error())
            .is_some_and(|d| d.is_unique_violation())
    })
}
