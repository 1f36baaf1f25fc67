//! The training module at program scale: 1,000 courses, 100,000 participants and about
//! 1,000,000 attendance marks, generated inside the database, then timed through the real
//! router (no TCP): `GET /api/v1/training/figures` for one country and for the whole
//! program, the training dashboard, and the attendance roster of a 40-person course.
//! Prints figures; asserts nothing about time.
//!
//! `cargo bench -p atlas-web --bench training` (add `ATLAS_TEST_POSTGRES_URL` to include
//! PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::Db;
use atlas_testkit::TestApp;
use axum::body::Body;
use axum::http::{Request, header};
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[allow(dead_code)]
mod dataset;
use dataset::{COURSES, SMALL, generate};

async fn time_get(
    t: &TestApp,
    path: &str,
    auth: (header::HeaderName, String),
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
    (lat[lat.len() / 2], lat[lat.len() - 1], size)
}

async fn run(mut t: TestApp) {
    t.seed_demo().await;
    let s = Instant::now();
    generate(&t).await;
    println!(
        "== {} == generated {} courses, {} sessions, {} participants, {} enrolments, {} attendance marks in {:.1?}",
        t.name(),
        t.count("training_course").await,
        t.count("training_session").await,
        t.count("participant").await,
        t.count("enrolment").await,
        t.count("attendance").await,
        s.elapsed()
    );
    let token = t.token("observer").await;
    let bearer = (header::AUTHORIZATION, format!("Bearer {token}"));
    for path in [
        "/api/v1/training/figures?country=AR",
        "/api/v1/training/figures",
    ] {
        let (p50, max, _) = time_get(&t, path, bearer.clone(), 20).await;
        let body = {
            let req = Request::builder()
                .uri(path)
                .header(header::HOST, "localhost")
                .header(bearer.0.clone(), &bearer.1)
                .body(Body::empty())
                .unwrap();
            let r = t.router.clone().oneshot(req).await.unwrap();
            axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap()
        };
        println!(
            "GET {path:<38} p50 {p50:>9.2?}  max {max:>9.2?}  {}",
            String::from_utf8_lossy(&body)
        );
    }
    let c = t.signed_in("observer").await;
    let cookie = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let (p50, max, size) = time_get(&t, "/training", (header::COOKIE, cookie), 10).await;
    println!(
        "GET /training (dashboard, observer)      p50 {p50:>9.2?}  max {max:>9.2?}  {size} bytes"
    );

    let sql = format!(
        "select s.training_session_id from training_session s join training_course c on c.training_course_id = s.training_course_id \
         where c.title = 'Bench course {}' order by s.held_on limit 1",
        COURSES - 1
    );
    let session: (uuid::Uuid,) = match &t.app.db {
        Db::Sqlite(p) => sqlx::query_as(&sql).fetch_one(p).await.unwrap(),
        Db::Pg(p) => sqlx::query_as(&sql).fetch_one(p).await.unwrap(),
    };
    let session = session.0;
    let c = t.signed_in("training_coordinator").await;
    let cookie = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let path = format!("/training/sessions/{session}/attendance");
    let (p50, max, size) = time_get(&t, &path, (header::COOKIE, cookie), 50).await;
    println!(
        "GET roster of a {SMALL}-person course         p50 {p50:>9.2?}  max {max:>9.2?}  {size} bytes"
    );
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
