//! Both migration folders describe the same schema; the job queue hands each job to one
//! worker.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::{Backend, jobs};
use atlas_testkit::TestApp;
use std::collections::BTreeSet;

fn versions(dir: &str) -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect()
}

#[test]
fn both_migration_folders_have_the_same_versions() {
    let s = versions("sqlite");
    assert!(!s.is_empty());
    assert_eq!(s, versions("postgres"));
}

#[tokio::test]
async fn both_engines_yield_the_same_tables_and_columns() {
    let apps = TestApp::all().await;
    let schemas: Vec<_> = futures_schemas(&apps).await;
    let sqlite = &schemas[0];
    assert!(sqlite.iter().any(|(t, _)| t == "audit_event"));
    for s in &schemas[1..] {
        assert_eq!(sqlite, s, "SQLite and PostgreSQL schemas differ");
    }
    if apps.len() == 1 {
        eprintln!(
            "ATLAS_TEST_POSTGRES_URL not set: compared SQLite only against the migration file list"
        );
    }
}

async fn futures_schemas(apps: &[TestApp]) -> Vec<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for a in apps {
        out.push(a.app.db.schema().await.unwrap());
    }
    out
}

#[tokio::test]
async fn sqlite_runs_in_wal_with_full_sync_and_foreign_keys() {
    let t = TestApp::sqlite().await;
    let atlas_store::Db::Sqlite(p) = &t.app.db else {
        unreachable!()
    };
    let mode: (String,) = sqlx::query_as("pragma journal_mode")
        .fetch_one(p)
        .await
        .unwrap();
    let sync: (i64,) = sqlx::query_as("pragma synchronous")
        .fetch_one(p)
        .await
        .unwrap();
    let fk: (i64,) = sqlx::query_as("pragma foreign_keys")
        .fetch_one(p)
        .await
        .unwrap();
    assert_eq!((mode.0.as_str(), sync.0, fk.0), ("wal", 2, 1));
}

#[tokio::test]
async fn a_claimed_job_is_not_handed_out_again_until_its_lease_ends() {
    for t in TestApp::all().await {
        let now = atlas_testkit::t0();
        let mut tx = t.app.db.begin().await.unwrap();
        let id = jobs::enqueue(&mut tx, "test", "{}", now, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let lease = now + time::Duration::minutes(5);
        let first = jobs::claim(&t.app.db, now, lease).await.unwrap().unwrap();
        assert_eq!((first.job_id, first.attempts), (id, 1));
        assert!(
            jobs::claim(&t.app.db, now, lease).await.unwrap().is_none(),
            "{:?}",
            t.backend == Backend::Postgres
        );
        let later = lease + time::Duration::seconds(1);
        let again = jobs::claim(&t.app.db, later, later + time::Duration::minutes(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.attempts, 2, "a dead worker's job is retried");
        jobs::complete(&t.app.db, id, later).await.unwrap();
        assert!(
            jobs::claim(
                &t.app.db,
                later + time::Duration::hours(1),
                later + time::Duration::hours(2)
            )
            .await
            .unwrap()
            .is_none()
        );
    }
}

#[tokio::test]
async fn the_periodic_jobs_run_once_each_and_reschedule_themselves() {
    for t in TestApp::all_with_demo().await {
        t.app.schedule_periodic_jobs().await.unwrap();
        t.app.schedule_periodic_jobs().await.unwrap();
        let _c = t.signed_in("observer").await;
        assert_eq!(t.count("session").await, 1);
        t.clock.advance(time::Duration::hours(13));
        assert_eq!(
            t.app.run_due_jobs().await.unwrap(),
            2,
            "one session purge and one case erasure, each scheduled once"
        );
        assert_eq!(
            t.count("session").await,
            0,
            "the expired session was purged"
        );
        assert_eq!(
            t.app.run_due_jobs().await.unwrap(),
            0,
            "next run is an hour away"
        );
        t.clock.advance(time::Duration::minutes(61));
        assert_eq!(t.app.run_due_jobs().await.unwrap(), 1, "the hourly purge");
        t.clock.advance(time::Duration::hours(23));
        assert_eq!(
            t.app.run_due_jobs().await.unwrap(),
            2,
            "the hourly purge and the daily erasure"
        );
    }
}
