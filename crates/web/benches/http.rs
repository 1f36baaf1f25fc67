//! Throughput and latency of the foundation, in process through the real router (no
//! TCP): the signed-in home page, an API list, sign-in, audited writes and audit
//! verification. Prints figures; asserts nothing about time.
//!
//! `cargo bench -p atlas-web` (add `ATLAS_TEST_POSTGRES_URL` to include PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::directory::InstitutionInput;
use atlas_testkit::TestApp;
use axum::body::Body;
use axum::http::{Request, header};
use std::time::{Duration, Instant};
use tower::ServiceExt;

async fn load(
    t: &TestApp,
    path: &str,
    headers: Vec<(header::HeaderName, String)>,
    total: usize,
    concurrency: usize,
) -> (f64, Duration, Duration) {
    let per = total / concurrency;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let router = t.router.clone();
        let headers = headers.clone();
        let path = path.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for _ in 0..per {
                let mut b = Request::builder()
                    .uri(&path)
                    .header(header::HOST, "localhost");
                for (k, v) in &headers {
                    b = b.header(k, v);
                }
                let s = Instant::now();
                let r = router
                    .clone()
                    .oneshot(b.body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{path}: {}", r.status());
                let _ = axum::body::to_bytes(r.into_body(), usize::MAX)
                    .await
                    .unwrap();
                lat.push(s.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let p50 = all[all.len() / 2];
    let p99 = all[all.len() * 99 / 100];
    (all.len() as f64 / secs, p50, p99)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for t in TestApp::all_with_demo().await {
            println!("== {} ==", t.name());
            let c = t.signed_in("observer").await;
            let cookie = c
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let (rps, p50, p99) =
                load(&t, "/", vec![(header::COOKIE, cookie.clone())], 4000, 16).await;
            println!(
                "home page (signed in):        {rps:>8.0} req/s   p50 {p50:>8.2?}   p99 {p99:>8.2?}"
            );
            let (rps, p50, p99) = load(
                &t,
                "/directory/institutions",
                vec![(header::COOKIE, cookie)],
                2000,
                16,
            )
            .await;
            println!(
                "institutions page:            {rps:>8.0} req/s   p50 {p50:>8.2?}   p99 {p99:>8.2?}"
            );
            let token = t.token("observer").await;
            let (rps, p50, p99) = load(
                &t,
                "/api/v1/institutions?limit=50",
                vec![(header::AUTHORIZATION, format!("Bearer {token}"))],
                4000,
                16,
            )
            .await;
            println!(
                "GET /api/v1/institutions:     {rps:>8.0} req/s   p50 {p50:>8.2?}   p99 {p99:>8.2?}"
            );
            let (rps, p50, p99) = load(&t, "/healthz", vec![], 8000, 16).await;
            println!(
                "GET /healthz:                 {rps:>8.0} req/s   p50 {p50:>8.2?}   p99 {p99:>8.2?}"
            );

            let n = 10;
            let s = Instant::now();
            for _ in 0..n {
                t.app
                    .sign_in("observer", atlas_testkit::PASSWORD)
                    .await
                    .unwrap();
            }
            println!(
                "sign-in (argon2id verify):    {:>8.1} ms each",
                s.elapsed().as_secs_f64() * 1000.0 / n as f64
            );

            let n = 300;
            let s = Instant::now();
            for i in 0..n {
                t.app
                    .create_institution(
                        By::Operator,
                        &InstitutionInput {
                            country: "PY".into(),
                            name: format!("Institución de prueba {i}"),
                            acronym: format!("IP{i}"),
                            kind: "ngo".into(),
                            level: "national".into(),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
            }
            let secs = s.elapsed().as_secs_f64();
            println!(
                "audited creates (1 tx each):  {:>8.0} writes/s   {:.2} ms each",
                n as f64 / secs,
                secs * 1000.0 / n as f64
            );

            let s = Instant::now();
            let rows = t.app.verify_audit().await.unwrap().unwrap();
            let secs = s.elapsed().as_secs_f64();
            println!(
                "audit verify:                 {:>8.0} rows/s   ({rows} rows in {:.1} ms)",
                rows as f64 / secs,
                secs * 1000.0
            );
        }
    });
}
