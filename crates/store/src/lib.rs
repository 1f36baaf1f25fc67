//! Persistence with sqlx on SQLite (the embedded default) or PostgreSQL (production), one
//! code path for both: [`Db`] holds a native pool of either kind and the [`on_db!`] and
//! [`on_tx!`] macros expand one query body for each, so the same SQL string and the same
//! `FromRow` struct serve both engines. Where dialects differ the two versions sit side by
//! side.
//!
//! Invariants: every write goes through a [`Tx`] that also appends its audit event
//! ([`audit::append`]) before commit; SQLite write transactions start with
//! `BEGIN IMMEDIATE` so a read-then-write never fails on a lock upgrade; no SQL lives
//! outside this crate.

pub mod audit;
pub mod auth;
pub mod carto_network;
pub mod cartography;
pub mod cases;
pub mod db;
pub mod directory;
pub mod guide;
pub mod guide_docs;
pub mod guide_uses;
pub mod jobs;
pub mod results;
pub mod results_dashboard;
pub mod results_edit;
pub mod results_sources;
pub mod training;
pub mod training_adaptation;
pub mod training_material;
pub mod training_tests;

pub use db::{Backend, Db, Tx};

/// Runs `$body` with `$c` bound to the pool of whichever engine `$db` uses.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($c) => $body,
            $crate::Db::Pg($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the connection of the open transaction `$tx`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a `LIKE … ESCAPE '\'`
/// pattern, and wraps it for a contains-match on a lower-cased column.
pub fn like_contains(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}
