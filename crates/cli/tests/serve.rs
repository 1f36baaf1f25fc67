//! The binary as a newcomer runs it: `atlas demo` answers health checks, lets `admin`
//! (with TOTP) and `observer` fetch tokens and serves the OpenAPI document; `atlas serve`
//! logs JSON when asked and stops cleanly on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_domain::clock::{Clock, SystemClock};
use atlas_testkit::{KillOnDrop, free_port};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A minimal HTTP/1.1 exchange over std (no client library needed).
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn wait_healthy(port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok()
            && http(port, "GET", "/healthz", &[], "").0 == 200
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not come up on {port}");
}

#[test]
fn the_demo_serves_health_tokens_for_admin_and_observer_and_the_openapi_document() {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("ATLAS_DEMO_PASSWORD", "a demo passphrase")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut p = KillOnDrop(child);
    let mut out = BufReader::new(p.0.stdout.take().unwrap());
    let mut banner = String::new();
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        banner.push_str(&line);
        if line.trim_start().starts_with("observer") {
            break;
        }
        line.clear();
    }
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}/")),
        "{banner}"
    );
    for role in [
        "admin",
        "program_staff",
        "training_coordinator",
        "facilitator",
        "frontline_officer",
        "caseworker",
        "justice",
        "municipal_official",
        "mapping_facilitator",
        "observer",
    ] {
        assert!(
            banner.lines().any(|l| l.trim_start().starts_with(role)),
            "no demo account {role}"
        );
    }
    assert!(
        !banner.contains("a demo passphrase"),
        "the password given is not echoed"
    );
    let secret = banner
        .lines()
        .find(|l| l.trim_start().starts_with("admin "))
        .unwrap()
        .split("totp=")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    wait_healthy(port);
    assert_eq!(http(port, "GET", "/readyz", &[], "").0, 200);
    let json = [("Content-Type", "application/json")];
    let (s, b) = http(
        port,
        "POST",
        "/api/v1/auth/token",
        &json,
        r#"{"username":"observer","password":"a demo passphrase"}"#,
    );
    assert_eq!(s, 201, "{b}");
    let code = atlas_core::auth::totp_code(&secret, SystemClock.now()).unwrap();
    let (s, b) = http(
        port,
        "POST",
        "/api/v1/auth/token",
        &json,
        &format!(r#"{{"username":"admin","password":"a demo passphrase","totp":"{code}"}}"#),
    );
    assert_eq!(s, 201, "{b}");
    let token: serde_json::Value = serde_json::from_str(&b).unwrap();
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    let (s, b) = http(
        port,
        "GET",
        "/api/v1/institutions?acronym=COPRETI",
        &[("Authorization", &bearer)],
        "",
    );
    assert_eq!(s, 200);
    assert!(b.contains("COPRETI"));
    let (s, b) = http(port, "GET", "/api/v1/openapi.json", &[], "");
    assert_eq!(s, 200);
    let doc: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
}

#[test]
fn serve_logs_json_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let child = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &url,
            "--log-format",
            "json",
        ])
        .env("RUST_LOG", "info")
        .env("ATLAS__KEY_FILE", dir.path().join("a.key"))
        .env("ATLAS__DATA_DIR", dir.path().join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut p = KillOnDrop(child);
    wait_healthy(port);
    let pid = p.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let start = Instant::now();
    let status = loop {
        if let Some(s) = p.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut err = String::new();
    p.0.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let first = err.lines().next().unwrap();
    let v: serde_json::Value = serde_json::from_str(first)
        .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {first}"));
    assert!(v["level"].is_string());
    assert!(err.contains("shutting down"));
    let key = std::fs::read(dir.path().join("a.key")).unwrap();
    assert_eq!(
        key.len(),
        32,
        "the master key file is created on first start"
    );
}
