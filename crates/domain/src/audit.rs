//! The audit trail's rules: what an event holds and how rows are chained.
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's own fields,
//! length-prefixed so no two different rows serialise alike. Rows are numbered by `seq`
//! without gaps from 1. [`verify`] walks the rows in `seq` order and names the first one
//! that was changed (its hash no longer matches), removed (a gap in `seq`, or a row whose
//! `prev_hash` does not match its predecessor) or reordered.
//!
//! Invariant: summaries never contain personal data; they name entities by id.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// The hash that precedes the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event about to be appended (the store assigns `seq` and the hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub actor_user_id: Option<Uuid>,
    pub actor_username: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub summary: String,
}

impl NewEvent {
    /// An event by `actor` (id and name) doing `action` on `entity_type`/`entity_id`.
    pub fn new(
        actor: Option<(Uuid, &str)>,
        action: &str,
        entity_type: &str,
        entity_id: impl ToString,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            actor_user_id: actor.map(|a| a.0),
            actor_username: actor.map(|a| a.1.to_owned()).unwrap_or_default(),
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id: entity_id.to_string(),
            summary: summary.into(),
        }
    }
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    pub seq: i64,
    pub audit_event_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub actor_user_id: Option<Uuid>,
    pub actor_username: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Computes a row's hash from its predecessor's hash and its own fields.
pub fn row_hash(
    prev_hash: &str,
    seq: i64,
    id: Uuid,
    occurred_at: OffsetDateTime,
    e: &NewEvent,
) -> String {
    let micros = occurred_at.unix_timestamp_nanos() / 1000;
    let actor = e.actor_user_id.map(|u| u.to_string()).unwrap_or_default();
    let mut h = Sha256::new();
    for part in [
        prev_hash,
        &seq.to_string(),
        &id.to_string(),
        &micros.to_string(),
        &actor,
        &e.actor_username,
        &e.action,
        &e.entity_type,
        &e.entity_id,
        &e.summary,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

impl Event {
    fn recomputed_hash(&self) -> String {
        let e = NewEvent {
            actor_user_id: self.actor_user_id,
            actor_username: self.actor_username.clone(),
            action: self.action.clone(),
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id.clone(),
            summary: self.summary.clone(),
        };
        row_hash(
            &self.prev_hash,
            self.seq,
            self.audit_event_id,
            self.occurred_at,
            &e,
        )
    }
}

/// Where and why the chain broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// `seq` of the first bad row.
    pub seq: i64,
    /// Its id.
    pub audit_event_id: Uuid,
    /// What is wrong with it.
    pub reason: BreakReason,
}

/// Kinds of breakage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// The row's contents no longer match its hash.
    Changed,
    /// One or more rows before this one are missing.
    Removed,
    /// The row does not follow its predecessor (rows swapped or moved).
    Reordered,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.reason {
            BreakReason::Changed => "was changed (its hash does not match its contents)",
            BreakReason::Removed => "follows a gap: the row(s) before it were removed",
            BreakReason::Reordered => {
                "does not follow the row before it: rows were reordered or replaced"
            }
        };
        write!(
            f,
            "audit row seq={} id={} {}",
            self.seq, self.audit_event_id, what
        )
    }
}

/// Incremental verifier so the store can stream rows without holding them all.
#[derive(Debug)]
pub struct Verifier {
    expected_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
            checked: 0,
        }
    }
}

impl Verifier {
    /// Checks the next row in `seq` order.
    pub fn push(&mut self, row: &Event) -> Result<(), Break> {
        let brk = |reason| Break {
            seq: row.seq,
            audit_event_id: row.audit_event_id,
            reason,
        };
        if row.recomputed_hash() != row.hash {
            return Err(brk(BreakReason::Changed));
        }
        if row.seq != self.expected_seq {
            return Err(brk(if row.seq > self.expected_seq {
                BreakReason::Removed
            } else {
                BreakReason::Reordered
            }));
        }
        if row.prev_hash != self.prev_hash {
            return Err(brk(BreakReason::Reordered));
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&row.hash);
        self.checked += 1;
        Ok(())
    }
    /// Number of rows checked so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }
}

/// Verifies a whole chain given in `seq` order; returns how many rows were checked.
pub fn verify<'a>(rows: impl IntoIterator<Item = &'a Event>) -> Result<u64, Break> {
    let mut v = Verifier::default();
    for r in rows {
        v.push(r)?;
    }
    Ok(v.checked())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Event> {
        let mut prev = GENESIS.to_owned();
        let t0 = time::macros::datetime!(2026-01-01 00:00 UTC);
        (1..=n)
            .map(|seq| {
                let e = NewEvent::new(None, "test.act", "thing", seq, format!("row {seq}"));
                let id = Uuid::from_u128(seq as u128);
                let at = t0 + time::Duration::seconds(seq);
                let hash = row_hash(&prev, seq, id, at, &e);
                let ev = Event {
                    seq,
                    audit_event_id: id,
                    occurred_at: at,
                    actor_user_id: None,
                    actor_username: String::new(),
                    action: e.action,
                    entity_type: e.entity_type,
                    entity_id: e.entity_id,
                    summary: e.summary,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                ev
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn an_edited_row_is_named() {
        let mut c = chain(5);
        c[2].summary = "tampered".into();
        assert_eq!(
            verify(&c).map_err(|b| (b.seq, b.reason)),
            Err((3, BreakReason::Changed))
        );
    }

    #[test]
    fn a_removed_row_is_named_by_its_successor() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c).map_err(|b| (b.seq, b.reason)),
            Err((3, BreakReason::Removed))
        );
    }

    #[test]
    fn swapped_rows_are_detected() {
        let mut c = chain(5);
        // Swap the contents of rows 2 and 3 but keep seq numbering in place, re-hashing
        // neither: the first row out of place is reported.
        let (a, b) = (c[1].clone(), c[2].clone());
        c[1] = Event {
            seq: 2,
            ..b.clone()
        };
        c[2] = Event { seq: 3, ..a };
        let err = verify(&c).unwrap_err();
        assert_eq!(err.seq, 2);
    }

    #[test]
    fn hash_fields_are_unambiguous() {
        let t = time::macros::datetime!(2026-01-01 00:00 UTC);
        let a = NewEvent::new(None, "ab", "c", 1, "");
        let b = NewEvent::new(None, "a", "bc", 1, "");
        assert_ne!(
            row_hash(GENESIS, 1, Uuid::nil(), t, &a),
            row_hash(GENESIS, 1, Uuid::nil(), t, &b)
        );
    }
}
