//! The `atlas` binary as an operator uses it: migrate, user management, audit verify and
//! backup on a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_testkit::TestApp;
use std::process::{Command, Output};

fn atlas(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_atlas"));
    let key = std::env::temp_dir().join("atlas-cli-tests.key");
    let data = std::env::temp_dir().join("atlas-cli-tests-data");
    // The demo's cases seal victim data, and start-up refuses a missing key file over
    // sealed data: give the shared test key file its 32 bytes before the first run.
    ensure_key(&key);
    c.args(args)
        .env("RUST_LOG", "warn")
        .env("ATLAS__KEY_FILE", key)
        .env("ATLAS__DATA_DIR", data);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn audit_verify_exits_zero_when_intact_and_names_the_bad_row_otherwise() {
    let mut t = TestApp::sqlite().await;
    t.seed_demo().await;
    let url = t.sqlite_url().unwrap();
    let ok = atlas(&["audit", "verify", "--database-url", &url], &[]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("intact"));
    t.raw("drop trigger audit_event_no_update").await;
    t.raw("update audit_event set actor_username = 'someone' where seq = 12")
        .await;
    let bad = atlas(&["audit", "verify", "--database-url", &url], &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("seq=12"), "{}", text(&bad));
}

#[tokio::test]
async fn operators_add_disable_and_reset_users_and_each_change_is_audited() {
    let mut t = TestApp::sqlite().await;
    t.seed_demo().await;
    let url = t.sqlite_url().unwrap();
    let add = atlas(
        &[
            "user",
            "add",
            "--username",
            "ana.prv",
            "--display-name",
            "Ana",
            "--role",
            "caseworker",
            "--institution",
            "prv",
            "--country",
            "AR",
            "--database-url",
            &url,
        ],
        &[("ATLAS_NEW_PASSWORD", "a long enough passphrase")],
    );
    assert!(add.status.success(), "{}", text(&add));
    assert!(text(&add).contains("created ana.prv (caseworker) at PRV"));
    let weak = atlas(
        &["user", "reset-password", "ana.prv", "--database-url", &url],
        &[("ATLAS_NEW_PASSWORD", "short")],
    );
    assert!(!weak.status.success());
    assert!(text(&weak).contains("password-too-short"));
    let dis = atlas(&["user", "disable", "ana.prv", "--database-url", &url], &[]);
    assert!(dis.status.success(), "{}", text(&dis));
    let unknown = atlas(&["user", "disable", "nobody", "--database-url", &url], &[]);
    assert!(!unknown.status.success());
    let ev = t.audit("auth.account.").await;
    let actions: Vec<&str> = ev
        .iter()
        .filter(|e| e.actor_username.is_empty())
        .map(|e| e.action.as_str())
        .collect();
    assert!(
        actions.ends_with(&["auth.account.create", "auth.account.disable"]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn backup_writes_a_consistent_copy_that_verifies() {
    let mut t = TestApp::sqlite().await;
    t.seed_demo().await;
    let url = t.sqlite_url().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("copy.db");
    let b = atlas(
        &[
            "backup",
            "--to",
            to.to_str().unwrap(),
            "--database-url",
            &url,
        ],
        &[],
    );
    assert!(b.status.success(), "{}", text(&b));
    let again = atlas(
        &[
            "backup",
            "--to",
            to.to_str().unwrap(),
            "--database-url",
            &url,
        ],
        &[],
    );
    assert!(!again.status.success(), "never overwrites");
    let v = atlas(
        &[
            "audit",
            "verify",
            "--database-url",
            &format!("sqlite://{}", to.display()),
        ],
        &[],
    );
    assert!(v.status.success(), "{}", text(&v));
    let pg = atlas(
        &[
            "backup",
            "--to",
            "/tmp/x.db",
            "--database-url",
            "postgres://127.0.0.1:1/none",
        ],
        &[],
    );
    assert!(!pg.status.success());
}

#[test]
fn help_reads_well_and_bad_configuration_is_reported() {
    let h = atlas(&["--help"], &[]);
    let s = text(&h);
    for cmd in ["serve", "demo", "migrate", "user", "audit", "backup"] {
        assert!(s.contains(cmd), "help lacks {cmd}");
    }
    let bad = atlas(&["migrate"], &[("ATLAS__SESSION_IDLE_MINUTES", "soon")]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad).contains("invalid configuration"),
        "{}",
        text(&bad)
    );
    let bad_url = atlas(&["migrate", "--database-url", "mysql://x"], &[]);
    assert!(text(&bad_url).contains("sqlite:// or postgres://"));
    for wrong in [
        "atlas.example.org",
        "https://atlas.example.org/?x=1",
        "ftp://a.org",
    ] {
        let bad = atlas(&["migrate"], &[("ATLAS__PUBLIC_URL", wrong)]);
        assert_eq!(bad.status.code(), Some(2), "{wrong}");
        assert!(
            text(&bad).contains("public_url must be an absolute http(s) URL"),
            "{}",
            text(&bad)
        );
    }
    // Bad SMTP settings stop the start naming the key.
    for (env, key) in [
        (
            vec![
                ("ATLAS__SMTP_HOST", "relay.lan"),
                ("ATLAS__SMTP_PORT", "70000"),
            ],
            "smtp_port",
        ),
        (
            vec![
                ("ATLAS__SMTP_HOST", "relay.lan"),
                ("ATLAS__SMTP_FROM", "atlas"),
            ],
            "smtp_from",
        ),
        (vec![("ATLAS__SMTP_HOST", "relay.lan")], "smtp_from"),
        (
            vec![
                ("ATLAS__SMTP_HOST", "relay.lan"),
                ("ATLAS__SMTP_FROM", "atlas@example.org"),
            ],
            "public_url",
        ),
    ] {
        let bad = atlas(&["migrate"], &env);
        assert_eq!(bad.status.code(), Some(2), "{key}: {}", text(&bad));
        assert!(text(&bad).contains(key), "{key}: {}", text(&bad));
    }
}

#[test]
fn the_data_folder_is_created_private_or_named_in_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let data = dir.path().join("atlas-data");
    let m = atlas(&["migrate", "--database-url", &url], &[]);
    assert!(m.status.success(), "{}", text(&m));
    let ok = atlas(
        &["audit", "verify", "--database-url", &url],
        &[("ATLAS__DATA_DIR", data.to_str().unwrap())],
    );
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(data.join("material").is_dir());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    }
    // A folder under a regular file cannot be created.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let bad = file.join("data");
    let r = atlas(
        &["audit", "verify", "--database-url", &url],
        &[("ATLAS__DATA_DIR", bad.to_str().unwrap())],
    );
    assert!(!r.status.success());
    assert!(
        text(&r).contains("cannot create the data folder") && text(&r).contains("plain-file"),
        "{}",
        text(&r)
    );
    let big = atlas(
        &["migrate", "--database-url", &url],
        &[("ATLAS__MATERIAL_MAX_BYTES", "0")],
    );
    assert_eq!(big.status.code(), Some(2));
    assert!(text(&big).contains("material_max_bytes"), "{}", text(&big));
}

/// Creates the key file with 32 bytes unless it exists (another test may race us).
fn ensure_key(path: &std::path::Path) {
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        f.write_all(&[0x5a; 32]).unwrap();
    }
}
