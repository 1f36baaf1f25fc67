//! Start-up with a missing master key file: allowed on a database without sealed victim
//! data (the key is created), refused — naming the file — once such data exists.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_domain::auth::{Action, Actor, Role};
use atlas_domain::cases::{CaseInput, PersonInput};
use atlas_domain::directory::CountryCode;
use atlas_testkit::TestApp;
use std::process::Command;

#[tokio::test]
async fn a_missing_key_file_stops_start_up_once_victim_data_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("atlas.key");
    let run = |url: &str| {
        Command::new(env!("CARGO_BIN_EXE_atlas"))
            .args(["audit", "verify", "--database-url", url])
            .env("RUST_LOG", "warn")
            .env("ATLAS__KEY_FILE", &key)
            .env("ATLAS__DATA_DIR", dir.path().join("data"))
            .output()
            .unwrap()
    };
    // A database without sealed victim data: the missing key is created.
    let empty = TestApp::sqlite().await;
    let first = run(&empty.sqlite_url().unwrap());
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        key.exists(),
        "created on a database without sealed victim data"
    );
    // The demo's cases seal their victims' data; one more case for good measure.
    let mut t = TestApp::sqlite().await;
    t.seed_demo().await;
    let url = t.sqlite_url().unwrap();
    let officer = Actor {
        user_id: t.account_id("frontline_officer").await,
        username: "frontline_officer".into(),
        role: Role::FrontlineOfficer,
        institution_id: t.institution_id("MTPBA").await,
        country: CountryCode::parse("AR").unwrap(),
    };
    assert!(atlas_domain::auth::can(&officer, Action::CreateCase));
    let area = t.area_id("17 de Noviembre").await;
    t.app
        .create_case(
            &officer,
            &CaseInput {
                classification: String::new(),
                identified_on: "2026-03-01".into(),
                area_id: area.to_string(),
                sector: "A".into(),
                victim: PersonInput {
                    age_band: "30-38".into(),
                    sex: "male".into(),
                    nationality: "AR".into(),
                    name: "Someone Sealed".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await
        .unwrap();
    std::fs::remove_file(&key).unwrap();
    let refused = run(&url);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains(key.to_str().unwrap()), "names the file: {err}");
    assert!(err.contains("missing"), "{err}");
    assert!(!key.exists(), "no new key was made");
}

#[tokio::test]
async fn erase_expired_removes_identifying_data_of_cases_closed_before_the_retention_period() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("atlas.key");
    let atlas = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_atlas"));
        c.args(args)
            .env("RUST_LOG", "warn")
            .env("ATLAS__KEY_FILE", &key)
            .env("ATLAS__DATA_DIR", dir.path().join("data"));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    // Make the key file on an empty database first (a missing key is refused later).
    let empty = TestApp::sqlite().await;
    assert!(
        atlas(
            &[
                "audit",
                "verify",
                "--database-url",
                &empty.sqlite_url().unwrap()
            ],
            &[]
        )
        .status
        .success()
    );
    let mut t = TestApp::sqlite().await;
    t.seed_demo().await;
    let url = t.sqlite_url().unwrap();
    let officer = Actor {
        user_id: t.account_id("frontline_officer").await,
        username: "frontline_officer".into(),
        role: Role::FrontlineOfficer,
        institution_id: t.institution_id("MTPBA").await,
        country: CountryCode::parse("AR").unwrap(),
    };
    let area = t.area_id("17 de Noviembre").await;
    let c = t
        .app
        .create_case(
            &officer,
            &CaseInput {
                identified_on: "2026-03-01".into(),
                area_id: area.to_string(),
                sector: "A".into(),
                victim: PersonInput {
                    age_band: "30-38".into(),
                    sex: "male".into(),
                    nationality: "AR".into(),
                    name: "Closed Long Ago".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Closed on the test clock's date (2026-03-02), long before the server's today.
    t.app.close_case(&officer, c.case_id, "1").await.unwrap();
    let sealed = format!(
        "case_person where case_id in (select case_id from case_record where code = '{}') and name_sealed is not null",
        c.code
    );
    assert_eq!(t.count(&sealed).await, 1);
    // The default five years have not passed: nothing is erased.
    let o = atlas(&["cases", "erase-expired", "--database-url", &url], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("from 0 closed"));
    assert_eq!(t.count(&sealed).await, 1);
    // A bad configuration key is named.
    let o = atlas(
        &["cases", "erase-expired", "--database-url", &url],
        &[("ATLAS__CASE_MINIMUM_AGES", "AR=99")],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("case_minimum_ages"));
    // With a one-day retention the closed case loses its identifying data; the demo's
    // open cases keep theirs.
    let o = atlas(
        &["cases", "erase-expired", "--database-url", &url],
        &[("ATLAS__CASE_RETENTION_DAYS", "1")],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("from 1 closed"));
    assert_eq!(t.count(&sealed).await, 0);
    assert!(t.count("case_person where name_sealed is not null").await > 0);
    let ev = t.audit("cases.identity.erase").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].entity_id, c.case_id.to_string());
}
