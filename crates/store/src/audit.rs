//! The append-only, hash-chained audit log.
//!
//! [`append`] runs inside the business transaction: it reads the chain head, computes the
//! new row's hash and inserts it, so the event commits or rolls back with the change. On
//! PostgreSQL a transaction-scoped advisory lock serialises appenders across instances
//! (SQLite write transactions are already serialised by `BEGIN IMMEDIATE`).

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use atlas_domain::audit::{Event, GENESIS, NewEvent, Verifier, row_hash};
use time::OffsetDateTime;
use uuid::Uuid;

/// Advisory lock key of the audit chain ("ATLASAUD" in ASCII).
const CHAIN_LOCK: i64 = 0x4154_4c41_5341_5544;

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    audit_event_id: Uuid,
    occurred_at: OffsetDateTime,
    actor_user_id: Option<Uuid>,
    actor_username: String,
    action: String,
    entity_type: String,
    entity_id: String,
    summary: String,
    prev_hash: String,
    hash: String,
}

impl From<Row> for Event {
    fn from(r: Row) -> Self {
        Event {
            seq: r.seq,
            audit_event_id: r.audit_event_id,
            occurred_at: r.occurred_at,
            actor_user_id: r.actor_user_id,
            actor_username: r.actor_username,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            summary: r.summary,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLS: &str = "seq, audit_event_id, occurred_at, actor_user_id, actor_username, action, entity_type, entity_id, summary, prev_hash, hash";

/// Appends `e` at `now` inside `tx` and returns the stored event.
pub async fn append(tx: &mut Tx, now: OffsetDateTime, e: &NewEvent) -> anyhow::Result<Event> {
    if let Tx::Pg(t) = tx {
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(CHAIN_LOCK)
            .execute(&mut **t)
            .await
            .context("lock the audit chain")?;
    }
    let head: Option<(i64, String)> = on_tx!(tx, c => sqlx::query_as("select seq, hash from audit_event order by seq desc limit 1")
        .fetch_optional(c).await)
    .context("read the audit chain head")?;
    let (seq, prev) = match head {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_owned()),
    };
    let id = Uuid::now_v7();
    let hash = row_hash(&prev, seq, id, now, e);
    let sql =
        format!("insert into audit_event ({COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(seq).bind(id).bind(now).bind(e.actor_user_id).bind(&e.actor_username).bind(&e.action)
        .bind(&e.entity_type).bind(&e.entity_id).bind(&e.summary).bind(&prev).bind(&hash)
        .execute(c).await.map(|_| ()))
    .context("append audit event")?;
    Ok(Event {
        seq,
        audit_event_id: id,
        occurred_at: now,
        actor_user_id: e.actor_user_id,
        actor_username: e.actor_username.clone(),
        action: e.action.clone(),
        entity_type: e.entity_type.clone(),
        entity_id: e.entity_id.clone(),
        summary: e.summary.clone(),
        prev_hash: prev,
        hash,
    })
}

/// Filters for the audit page and API; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Action prefix, e.g. `auth.` or `directory.institution.create`.
    pub action_prefix: Option<String>,
    pub actor_username: Option<String>,
    /// The actor's account id (indexed; preferred over the name when known).
    pub actor_user_id: Option<Uuid>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// Keyset cursor: only rows with a smaller `seq` (the list runs newest first).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Events matching `f`, newest first.
pub async fn list(db: &Db, f: &AuditFilter) -> anyhow::Result<Vec<Event>> {
    let prefix = f.action_prefix.as_ref().map(|p| {
        format!(
            "{}%",
            p.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let sql = format!(
        "select {COLS} from audit_event where ($1 is null or action like $1 escape '\\') \
         and ($2 is null or actor_username = $2) and ($3 is null or entity_type = $3) \
         and ($4 is null or entity_id = $4) and ($5 is null or occurred_at >= $5) \
         and ($6 is null or occurred_at < $6) and ($7 is null or seq < $7) and ($9 is null or actor_user_id = $9) order by seq desc limit $8"
    );
    let rows: Vec<Row> = on_db!(db, p => sqlx::query_as(&sql)
        .bind(prefix).bind(&f.actor_username).bind(&f.entity_type).bind(&f.entity_id)
        .bind(f.from).bind(f.to).bind(f.before_seq).bind(f.limit).bind(f.actor_user_id)
        .fetch_all(p).await)
    .context("list audit events")?;
    Ok(rows.into_iter().map(Event::from).collect())
}

/// Walks the whole chain in `seq` order, in batches, and verifies it. Returns the number
/// of rows checked, or the first break.
pub async fn verify(db: &Db) -> anyhow::Result<Result<u64, atlas_domain::audit::Break>> {
    let mut v = Verifier::default();
    let mut after: i64 = 0;
    let sql = format!("select {COLS} from audit_event where seq > $1 order by seq limit 1000");
    loop {
        let rows: Vec<Row> = on_db!(db, p => sqlx::query_as(&sql).bind(after).fetch_all(p).await)
            .context("read audit events")?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in rows {
            if let Err(b) = v.push(&Event::from(r)) {
                return Ok(Err(b));
            }
        }
    }
    Ok(Ok(v.checked()))
}

/// Number of events (for metrics and tests).
pub async fn count(db: &Db) -> anyhow::Result<i64> {
    let n: (i64,) =
        on_db!(db, p => sqlx::query_as("select count(*) from audit_event").fetch_one(p).await)
            .context("count audit")?;
    Ok(n.0)
}
