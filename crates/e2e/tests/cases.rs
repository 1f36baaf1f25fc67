//! In Chromium, with JavaScript off as on a basic phone: the demo labour inspector
//! screens a possible victim, opens the case and refers it to the PRV along the guide's
//! pathway; the PRV caseworker finds the referral on her home page and accepts it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::domain::clock::Clock;
use atlas_e2e::{browser, start_app};
use atlas_testkit::{PASSWORD, TestApp};
use std::time::Duration;
use thirtyfour::prelude::*;

const VICTIM: &str = "Lucía Navegador Choque";

/// Waits (up to 10 s) until the page's source contains `needle`.
async fn wait_for(d: &WebDriver, needle: &str) -> String {
    let mut src = String::new();
    for _ in 0..100 {
        src = d.source().await.unwrap();
        if src.contains(needle) {
            return src;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let errors: Vec<&str> = src
        .lines()
        .filter(|l| l.contains("class=\"err\"") || l.contains("alert"))
        .collect();
    panic!("page never showed {needle:?}; messages: {errors:?}");
}

/// Clicks `by` and waits until the document `needle` belongs to has loaded.
async fn click_then(d: &WebDriver, by: By, needle: &str) -> String {
    d.find(by).await.unwrap().click().await.unwrap();
    wait_for(d, needle).await
}

async fn type_in(d: &WebDriver, name: &str, text: &str) {
    d.find(By::Name(name))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn tick(d: &WebDriver, name: &str) {
    d.find(By::Name(name)).await.unwrap().click().await.unwrap();
}

/// Signs in with the password and the authenticator code of the demo account.
async fn sign_in(t: &TestApp, d: &WebDriver, base: &str, user: &str) {
    d.goto(format!("{base}/login")).await.unwrap();
    type_in(d, "username", user).await;
    type_in(d, "password", PASSWORD).await;
    click_then(d, By::Css("main button[type=submit]"), "name=\"totp\"").await;
    let secret = t.accounts[user].totp_secret.clone().unwrap();
    let code = atlas_core::auth::totp_code(&secret, t.clock.now()).unwrap();
    t.clock.advance(time_step());
    type_in(d, "totp", &code).await;
    click_then(d, By::Css("main form button[type=submit]"), "class=\"nav\"").await;
}

/// TOTP codes are single-use: move the app's clock past the step just used.
fn time_step() -> time::Duration {
    time::Duration::seconds(30)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_screens_opens_and_refers_a_case_and_the_prv_caseworker_accepts_it() {
    let (t, base) = start_app().await;
    let prv = t.institution_id("PRV").await;
    let (_guard, d) = browser(false, 360, 800).await;
    sign_in(&t, &d, &base, "frontline_officer").await;

    // Screening on a phone-sized window, without JavaScript.
    click_then(&d, By::LinkText("Cases"), "Screen and open a case").await;
    click_then(
        &d,
        By::LinkText("Screen and open a case"),
        "Propose a classification",
    )
    .await;
    for b in [
        "indicators-deception",
        "indicators-withholding_of_wages",
        "indicators-retention_of_documents",
    ] {
        tick(&d, b).await;
    }
    type_in(&d, "age", "27").await;
    let src = click_then(
        &d,
        By::Css("button[name=step][value=screen]"),
        "Proposed classification",
    )
    .await;
    assert!(src.contains("Possible forced labour"));
    assert!(src.contains("Two or more ILO indicators of forced labour."));

    // The case: the proposal is confirmed as it stands.
    type_in(&d, "area_id", "17 de Noviembre").await;
    type_in(&d, "sector", "C").await;
    type_in(&d, "age_band", "27").await;
    type_in(&d, "sex", "Female").await;
    type_in(&d, "nationality", "BO").await;
    type_in(&d, "name", VICTIM).await;
    tick(&d, "needs-psychosocial").await;
    tick(&d, "consent-services").await;
    tick(&d, &format!("consent_share-{prv}")).await;
    let src = click_then(
        &d,
        By::Css("button[name=step][value=create]"),
        "Refer to another institution",
    )
    .await;
    assert!(
        src.contains(VICTIM),
        "the identifying institution sees the name"
    );
    let case_url = d.current_url().await.unwrap();
    assert!(case_url.path().starts_with("/cases/0"), "{case_url}");
    let code = d.find(By::Tag("h1")).await.unwrap().text().await.unwrap();
    assert!(code.starts_with("AR-"), "{code}");

    // Refer along the pathway: the PRV's psychosocial team is suggested.
    type_in(&d, "need", "Psychosocial").await;
    let src = click_then(
        &d,
        By::XPath("//button[contains(., 'Show the pathway')]"),
        "Referral pathway: Psychosocial support",
    )
    .await;
    assert!(src.contains("Psychosocial support team"));
    let src = click_then(
        &d,
        By::XPath("//button[contains(., 'Send the referral')]"),
        "PRV · Psychosocial support",
    )
    .await;
    assert!(src.contains("Sent"));
    d.quit().await.unwrap();

    // The PRV caseworker: the referral is on her home page; she accepts it.
    let (_guard2, w) = browser(false, 360, 800).await;
    sign_in(&t, &w, &base, "caseworker").await;
    let home = w.source().await.unwrap();
    assert!(home.contains(&code), "home block lists the referral");
    click_then(&w, By::LinkText(&code), "value=\"accept\"").await;
    assert!(
        w.source().await.unwrap().contains(VICTIM),
        "referred institution sees the name"
    );
    let src = click_then(
        &w,
        By::Css("button[name=event][value=accept]"),
        "value=\"deliver\"",
    )
    .await;
    assert!(src.contains("Accepted"));
    w.quit().await.unwrap();

    // At 320 px no case page scrolls sideways (measured with a script, so JS is on here).
    let (_guard3, m) = browser(true, 360, 800).await;
    m.set_window_rect(0, 0, 320, 800).await.unwrap();
    sign_in(&t, &m, &base, "frontline_officer").await;
    let case_path = case_url.path().to_owned();
    for p in [
        "/",
        "/cases?view=mine",
        "/cases?view=awaiting",
        "/cases/new",
        case_path.as_str(),
        &format!("{case_path}?need=safety_shelter"),
    ] {
        m.goto(format!("{base}{p}")).await.unwrap();
        atlas_e2e::assert_no_sideways_scroll(&m, p).await;
    }
    m.quit().await.unwrap();
}
