//! Background work through the database's job table. Each instance runs one worker loop;
//! a job is claimed with a lease so only one instance runs it, and a crashed worker's job
//! is retried when the lease ends.
//!
//! Jobs now: `purge_sessions` (hourly) deletes expired sessions; `erase_case_identities`
//! (daily) erases the identifying data of cases closed longer than the retention period
//! ago (`App::erase_expired_identities`, the same work as `atlas cases erase-expired`);
//! `mail.notification` e-mails one case notification to one account (`crate::mail`).

use crate::{App, Result};
use atlas_store::jobs;
use std::time::Duration as StdDuration;
use time::Duration;

/// Kind of the periodic session clean-up job.
pub const PURGE_SESSIONS: &str = "purge_sessions";
/// Kind of the daily retention job of the cases module.
pub const ERASE_CASE_IDENTITIES: &str = "erase_case_identities";

impl App {
    /// Runs due jobs until none is left; returns how many ran.
    pub async fn run_due_jobs(&self) -> Result<usize> {
        let mut ran = 0;
        loop {
            let now = self.now();
            let Some(job) = jobs::claim(&self.db, now, now + Duration::minutes(5)).await? else {
                return Ok(ran);
            };
            let outcome = match job.kind.as_str() {
                PURGE_SESSIONS => self.purge_sessions().await,
                ERASE_CASE_IDENTITIES => self.erase_case_identities_job().await,
                crate::mail::MAIL_NOTIFICATION => self.send_notification_mail(&job.payload).await,
                other => Err(anyhow::anyhow!("unknown job kind {other}").into()),
            };
            match outcome {
                Ok(()) => jobs::complete(&self.db, job.job_id, self.now()).await?,
                Err(e) => {
                    tracing::warn!(job.id = %job.job_id, job.kind = %job.kind, error = %e, "job failed; will retry");
                    let backoff = Duration::minutes(job.attempts.clamp(1, 60));
                    jobs::fail(&self.db, job.job_id, &e.to_string(), self.now() + backoff).await?;
                }
            }
            ran += 1;
        }
    }

    async fn purge_sessions(&self) -> Result<()> {
        let now = self.now();
        let n = atlas_store::auth::purge_sessions(&self.db, now, now - self.settings.session_idle)
            .await?;
        tracing::info!(sessions.purged = n, "purged expired sessions");
        // Schedule the next run in the same place the work is tracked.
        let mut tx = self.db.begin().await?;
        jobs::enqueue(&mut tx, PURGE_SESSIONS, "{}", now + Duration::hours(1), now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn erase_case_identities_job(&self) -> Result<()> {
        let n = self.erase_expired_identities(crate::By::Operator).await?;
        tracing::info!(cases.erased = n, "erased expired identifying data");
        let now = self.now();
        let mut tx = self.db.begin().await?;
        jobs::enqueue(
            &mut tx,
            ERASE_CASE_IDENTITIES,
            "{}",
            now + Duration::days(1),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes sure the periodic jobs are scheduled (idempotent across instances).
    pub async fn schedule_periodic_jobs(&self) -> Result<()> {
        for kind in [PURGE_SESSIONS, ERASE_CASE_IDENTITIES] {
            if !jobs::pending(&self.db, kind).await? {
                let now = self.now();
                let mut tx = self.db.begin().await?;
                jobs::enqueue(&mut tx, kind, "{}", now, now).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The worker loop: polls for due jobs every `every` until `stop` resolves.
    pub async fn job_worker(
        self,
        every: StdDuration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(e) = self.run_due_jobs().await {
                tracing::error!(error = %e, "job worker error");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
        }
    }
}
