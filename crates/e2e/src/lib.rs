//! Browser tests of ATLAS live in `tests/`: they start the application on 127.0.0.1,
//! start Debian's chromedriver and drive headless Chromium through WebDriver. This crate
//! is outside the workspace's default members so `cargo test` needs no browser;
//! CI runs `cargo test -p atlas-e2e`. The start-up every test file shares is here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_testkit::{KillOnDrop, TestApp, free_port};
use std::process::{Command, Stdio};
use std::time::Duration;
use thirtyfour::prelude::*;

/// The demo on SQLite, served on a free port of 127.0.0.1; returns the app and its URL.
pub async fn start_app() -> (TestApp, String) {
    let mut t = TestApp::sqlite().await;
    t.seed_demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = t.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (t, format!("http://{addr}"))
}

/// Headless Chromium behind its own chromedriver (stopped when the guard drops), with a
/// window of `width` × `height` pixels and JavaScript on or off.
pub async fn browser(javascript: bool, width: u32, height: u32) -> (KillOnDrop, WebDriver) {
    let port = free_port();
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin} (apt-get install chromium-driver): {e}"));
    let guard = KillOnDrop(child);
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
        .unwrap();
    let window = format!("--window-size={width},{height}");
    for a in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        window.as_str(),
    ] {
        caps.add_arg(a).unwrap();
    }
    if !javascript {
        caps.add_experimental_option(
            "prefs",
            serde_json::json!({"profile.managed_default_content_settings.javascript": 2}),
        )
        .unwrap();
    }
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..50 {
        match WebDriver::new(&url, caps.clone()).await {
            Ok(d) => return (guard, d),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start: {last:?}");
}

/// Waits (up to 10 s) until the browser has left `before`, then until the new document
/// has finished loading, so the next step never races the page load.
pub async fn wait_navigated(d: &WebDriver, before: &str) {
    for _ in 0..100 {
        if d.current_url().await.unwrap().as_str() != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..50 {
        let ready: String = d
            .execute("return document.readyState;", vec![])
            .await
            .unwrap()
            .convert()
            .unwrap();
        if ready == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks `by` and waits for the page it leads to ([`wait_navigated`]).
pub async fn click_and_wait(d: &WebDriver, by: By) {
    let before = d.current_url().await.unwrap().to_string();
    d.find(by).await.unwrap().click().await.unwrap();
    wait_navigated(d, &before).await;
}

/// Signs `user` in with the test password through the login form (roles without TOTP).
pub async fn sign_in(d: &WebDriver, base: &str, user: &str) {
    d.goto(format!("{base}/login")).await.unwrap();
    d.find(By::Name("username"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    d.find(By::Name("password"))
        .await
        .unwrap()
        .send_keys(atlas_testkit::PASSWORD)
        .await
        .unwrap();
    click_and_wait(d, By::Css("main button[type=submit]")).await;
    assert_ne!(
        d.current_url().await.unwrap().path(),
        "/login",
        "sign-in of {user} did not finish"
    );
}

/// Asserts that the page now shown, `what`, fits the narrow window without scrolling
/// sideways (and that the window is narrow, so the check means something).
pub async fn assert_no_sideways_scroll(d: &WebDriver, what: &str) {
    let v: Vec<i64> = d
        .execute(
            "return [window.innerWidth, document.documentElement.scrollWidth];",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(v[0] <= 340, "the window is not narrow: {v:?}");
    assert!(
        v[1] <= v[0],
        "{what} scrolls sideways at {} px: content {} px",
        v[0],
        v[1]
    );
}
