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

const COURSES: i64 = 1_000;
const PER_COURSE: i64 = 100;
/// The last course is the 40-person one whose roster is timed.
const SMALL: i64 = 40;
const PARTICIPANTS: i64 = 100_000;
const SESSIONS: i64 = 10;

/// Generates the dataset with set-based SQL (recursive CTEs), so it takes seconds on both
/// engines. Course `COURSES - 1` belongs to IUPFA and has `SMALL` people; every other
/// course has `PER_COURSE`; the remaining participants are registered but not enrolled.
/// A quarter of the people miss one session, so three quarters complete their course.
async fn generate(t: &TestApp) {
    let uuid = if t.name() == "sqlite" {
        "randomblob(16)"
    } else {
        "gen_random_uuid()"
    };
    let ts = "(select min(created_at) from account)";
    let last = COURSES - 1;
    let enrolled = last * PER_COURSE + SMALL;
    let dates: Vec<String> = (0..SESSIONS)
        .map(|j| format!("({j}, '2026-02-{:02}')", j + 2))
        .collect();
    let dates = dates.join(", ");
    let steps = [
        "create table bench_inst as select row_number() over (order by institution_id) - 1 as k, institution_id, country_code from institution".to_owned(),
        format!(
            "create table bench_course as with recursive n(i) as (select 0 union all select i + 1 from n where i < {last}) select i, {uuid} as id from n"
        ),
        format!(
            "insert into training_course (training_course_id, institution_id, title, framework, stage, area_id, is_virtual, capacity, attendance_min_percent, post_test_min_percent, created_at, updated_at, version) \
             select c.id, case when c.i = {last} then (select institution_id from institution where acronym = 'IUPFA') else b.institution_id end, \
             'Bench course ' || c.i, null, case when c.i % 3 = 0 then 'integrated' else 'piloting' end, null, 1, 200, 100, null, {ts}, {ts}, 1 \
             from bench_course c join bench_inst b on b.k = c.i % (select count(*) from bench_inst)"
        ),
        format!(
            "create table bench_session as with d(j, held_on) as (values {dates}) select c.i, d.j, d.held_on, {uuid} as id from bench_course c cross join d"
        ),
        format!(
            "insert into training_session (training_session_id, training_course_id, held_on, place, created_at, updated_at) \
             select s.id, c.id, s.held_on, null, {ts}, {ts} from bench_session s join bench_course c on c.i = s.i"
        ),
        format!(
            "create table bench_person as with recursive n(i) as (select 0 union all select i + 1 from n where i < {}) \
             select i, case when i < {enrolled} then i / {PER_COURSE} else null end as course, {uuid} as id from n",
            PARTICIPANTS - 1
        ),
        format!(
            "insert into participant (participant_id, full_name, sex, age_band, occupation, institution_id, country_code, national_id_hash, contact, created_at, updated_at, version) \
             select p.id, 'Bench Person ' || p.i, case when p.i % 2 = 0 then 'female' else 'male' end, \
             case p.i % 5 when 0 then '18_24' when 1 then '25_34' when 2 then '35_44' when 3 then '45_54' else '55_plus' end, \
             case p.i % 5 when 0 then 'police' when 1 then 'labour_inspector' when 2 then 'prosecutor' when 3 then 'judge' else 'social_worker' end, \
             b.institution_id, b.country_code, null, null, {ts}, {ts}, 1 \
             from bench_person p join bench_inst b on b.k = p.i % (select count(*) from bench_inst)"
        ),
        format!(
            "insert into enrolment (enrolment_id, training_course_id, participant_id, enrolled_on, created_at, updated_at) \
             select {uuid}, c.id, p.id, '2026-01-15', {ts}, {ts} from bench_person p join bench_course c on c.i = p.course"
        ),
        format!(
            "insert into attendance (attendance_id, training_session_id, participant_id, status, taken_by, taken_at, created_at, updated_at) \
             select {uuid}, s.id, p.id, case when p.i % 4 = 0 and s.j = p.i % {SESSIONS} then 'absent' when (p.i + s.j) % 7 = 0 then 'late' else 'present' end, \
             null, {ts}, {ts}, {ts} from bench_person p join bench_session s on s.i = p.course"
        ),
        // What every attendance write maintains in its transaction.
        "update enrolment set attended = (select count(*) from attendance a \
         join training_session s on s.training_session_id = a.training_session_id \
         where s.training_course_id = enrolment.training_course_id and a.participant_id = enrolment.participant_id \
         and a.status in ('present', 'late'))".to_owned(),
    ];
    for sql in &steps {
        t.raw(sql).await;
    }
    t.raw("analyze").await;
}

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
