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
    let mut t = TestApp::sqlite().await;
    t.seed_demo().await;
    let url = t.sqlite_url().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("atlas.key");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_atlas"))
            .args(["user", "disable", "observer", "--database-url", &url])
            .env("RUST_LOG", "warn")
            .env("ATLAS__KEY_FILE", &key)
            .env("ATLAS__DATA_DIR", dir.path().join("data"))
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        key.exists(),
        "created on a database without sealed victim data"
    );
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
    let refused = run();
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains(key.to_str().unwrap()), "names the file: {err}");
    assert!(err.contains("missing"), "{err}");
    assert!(!key.exists(), "no new key was made");
}
