//! Reading and verifying the audit log.

use crate::{App, Result};
use atlas_domain::audit::{Break, Event};
use atlas_domain::auth::{Action, Actor, authorize};
pub use atlas_store::audit::AuditFilter;

impl App {
    /// Audit events matching `f`, newest first (administrators).
    pub async fn audit_events(&self, actor: &Actor, f: &AuditFilter) -> Result<Vec<Event>> {
        authorize(actor, Action::ReadAudit, None)?;
        let f = AuditFilter {
            limit: f.limit.clamp(1, 500),
            ..f.clone()
        };
        Ok(atlas_store::audit::list(&self.db, &f).await?)
    }

    /// Verifies the whole hash chain: the number of rows checked, or the first bad row.
    pub async fn verify_audit(&self) -> Result<std::result::Result<u64, Break>> {
        Ok(atlas_store::audit::verify(&self.db).await?)
    }
}

impl App {
    /// The actor's own latest audit events (everyone may see what they did).
    pub async fn my_activity(&self, actor: &Actor, limit: i64) -> Result<Vec<Event>> {
        let f = AuditFilter {
            actor_user_id: Some(actor.user_id),
            limit: limit.clamp(1, 50),
            ..Default::default()
        };
        Ok(atlas_store::audit::list(&self.db, &f).await?)
    }

    /// Directory and account totals (administrators' home page).
    pub async fn totals(&self, actor: &Actor) -> Result<(i64, i64, i64)> {
        authorize(actor, Action::ManageUsers, None)?;
        Ok(atlas_store::auth::totals(&self.db).await?)
    }
}
