//! Results at program scale: the training dataset of the `training` benchmark (1,000
//! courses, 100,000 participants, about 1,000,000 attendance marks) on top of the demo,
//! and 100,000 cases with 300,000 referrals, then timed through the real router (no TCP): `GET /api/v1/results/key?country=AR`,
//! the country dashboard (every indicator against its target and a six-period trend),
//! the whole-program dashboard, the framework page and the three donor exports, then the
//! cases' "awaiting my action" page of the PRV caseworker and the statistics page of
//! program staff. Prints p50 and p95; asserts nothing about time.
//!
//! `cargo bench -p atlas-web --bench results` (add `ATLAS_TEST_POSTGRES_URL` to include
//! PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_testkit::TestApp;
use axum::body::Body;
use axum::http::{Request, header};
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[allow(dead_code)]
mod dataset;

/// (p50, p95, response size) of `n` requests.
async fn time_get(
    t: &TestApp,
    path: &str,
    auth: &(header::HeaderName, String),
    n: usize,
) -> (Duration, Duration, usize) {
    let mut lat = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let req = Request::builder()
            .uri(path)
            .header(header::HOST, "localhost")
            .header(auth.0.clone(), &auth.1)
            .body(Body::empty())
            .unwrap();
        let s = Instant::now();
        let r = t.router.clone().oneshot(req).await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        lat.push(s.elapsed());
        size = body.len();
    }
    lat.sort();
    let p95 = (lat.len() * 95).div_ceil(100).saturating_sub(1);
    (lat[lat.len() / 2], lat[p95], size)
}

fn cookie_of(c: &atlas_testkit::Client) -> (header::HeaderName, String) {
    let v = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    (header::COOKIE, v)
}

async fn run(mut t: TestApp) {
    t.seed_demo().await;
    let s = Instant::now();
    dataset::generate(&t).await;
    println!(
        "== {} == generated {} courses, {} participants, {} enrolments, {} attendance marks in {:.1?}",
        t.name(),
        t.count("training_course").await,
        t.count("participant").await,
        t.count("enrolment").await,
        t.count("attendance").await,
        s.elapsed()
    );
    let s = Instant::now();
    dataset::generate_cases(&t).await;
    println!(
        "== {} == generated {} cases, {} referrals, {} legal steps in {:.1?}",
        t.name(),
        t.count("case_record").await,
        t.count("case_referral").await,
        t.count("case_legal_step").await,
        s.elapsed()
    );
    let token = t.token("observer").await;
    let bearer = (header::AUTHORIZATION, format!("Bearer {token}"));
    let path = "/api/v1/results/key?country=AR";
    let (p50, p95, size) = time_get(&t, path, &bearer, 20).await;
    println!("GET {path:<48} p50 {p50:>9.2?}  p95 {p95:>9.2?}  {size} bytes");
    let observer = cookie_of(&t.signed_in("observer").await);
    for path in [
        "/results/dashboard?country=AR&period=FY2026-H1",
        "/results/dashboard?period=FY2026-H1",
        "/results/framework?country=AR&period=FY2026-H1",
        "/results/export?country=AR&period=FY2026-H1&format=xlsx",
        "/results/export?country=AR&period=FY2026-H1&format=csv",
        "/results/export?country=AR&period=FY2026-H1&format=xml&activity=XM-ATLAS-AR&org=XM-ATLAS",
    ] {
        let (p50, p95, size) = time_get(&t, path, &observer, 20).await;
        println!("GET {path:<48} p50 {p50:>9.2?}  p95 {p95:>9.2?}  {size} bytes");
    }
    // Cases (aims: under 50 ms and under 200 ms): "awaiting my action" of the PRV
    // caseworker, whose institution receives every generated referral, and the
    // statistics page of program staff, over all countries and over Argentina.
    let caseworker = cookie_of(&t.signed_in("caseworker").await);
    let path = "/cases?view=awaiting";
    let (p50, p95, size) = time_get(&t, path, &caseworker, 20).await;
    println!("GET {path:<48} p50 {p50:>9.2?}  p95 {p95:>9.2?}  {size} bytes");
    let program = cookie_of(&t.signed_in("program_staff").await);
    for path in ["/cases/statistics", "/cases/statistics?country=AR"] {
        let (p50, p95, size) = time_get(&t, path, &program, 20).await;
        println!("GET {path:<48} p50 {p50:>9.2?}  p95 {p95:>9.2?}  {size} bytes");
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        run(TestApp::sqlite().await).await;
        if let Ok(url) = std::env::var("ATLAS_TEST_POSTGRES_URL")
            && !url.trim().is_empty()
        {
            run(TestApp::postgres(&url).await).await;
        }
    });
}
