//! A small job queue in the database, so background work is enqueued in the same
//! transaction as the change that needs it and any instance can run it.
//!
//! A worker claims the oldest due job by setting a lease (`locked_until`); a job whose
//! worker died becomes claimable again when the lease runs out. On PostgreSQL the claim
//! skips rows other instances hold (`FOR UPDATE SKIP LOCKED`); SQLite serialises writers.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub job_id: Uuid,
    pub kind: String,
    pub payload: String,
    pub run_at: OffsetDateTime,
    pub attempts: i64,
}

/// Enqueues a job in the caller's transaction.
pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    payload: &str,
    run_at: OffsetDateTime,
    now: OffsetDateTime,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query("insert into job (job_id, kind, payload, run_at, attempts, created_at) values ($1,$2,$3,$4,0,$5)")
        .bind(id).bind(kind).bind(payload).bind(run_at).bind(now).execute(c).await.map(|_| ()))
    .context("enqueue job")?;
    Ok(id)
}

/// True when a job of `kind` is waiting to run (not done).
pub async fn pending(db: &Db, kind: &str) -> anyhow::Result<bool> {
    let n: (i64,) = on_db!(db, p => sqlx::query_as("select count(*) from job where kind = $1 and done_at is null").bind(kind).fetch_one(p).await)
        .context("count pending jobs")?;
    Ok(n.0 > 0)
}

/// Claims the oldest due job, leasing it until `lease_until`.
pub async fn claim(
    db: &Db,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
) -> anyhow::Result<Option<JobRow>> {
    let base = "update job set locked_until = $2, attempts = attempts + 1 where job_id = (\
        select job_id from job where done_at is null and run_at <= $1 \
        and (locked_until is null or locked_until <= $1) order by run_at limit 1";
    let ret = ") returning job_id, kind, payload, run_at, attempts";
    match db {
        Db::Sqlite(p) => {
            sqlx::query_as(&format!("{base}{ret}"))
                .bind(now)
                .bind(lease_until)
                .fetch_optional(p)
                .await
        }
        Db::Pg(p) => {
            sqlx::query_as(&format!("{base} for update skip locked{ret}"))
                .bind(now)
                .bind(lease_until)
                .fetch_optional(p)
                .await
        }
    }
    .context("claim job")
}

/// Marks a job done.
pub async fn complete(db: &Db, id: Uuid, now: OffsetDateTime) -> anyhow::Result<()> {
    on_db!(db, p => sqlx::query("update job set done_at = $2, locked_until = null where job_id = $1").bind(id).bind(now).execute(p).await.map(|_| ()))
        .context("complete job")?;
    Ok(())
}

/// Records a failure and schedules a retry at `retry_at`.
pub async fn fail(db: &Db, id: Uuid, error: &str, retry_at: OffsetDateTime) -> anyhow::Result<()> {
    on_db!(db, p => sqlx::query("update job set last_error = $2, run_at = $3, locked_until = null where job_id = $1")
        .bind(id).bind(error).bind(retry_at).execute(p).await.map(|_| ()))
    .context("fail job")?;
    Ok(())
}

/// What the queue knows of a job, for operators and tests.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobState {
    pub job_id: Uuid,
    pub payload: String,
    pub attempts: i64,
    pub run_at: OffsetDateTime,
    pub done_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

/// The jobs of `kind`, oldest first.
pub async fn of_kind(db: &Db, kind: &str) -> anyhow::Result<Vec<JobState>> {
    on_db!(db, p => sqlx::query_as("select job_id, payload, attempts, run_at, done_at, last_error from job where kind = $1 order by created_at, job_id")
        .bind(kind).fetch_all(p).await)
    .context("list jobs")
}
