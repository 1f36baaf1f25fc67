//! Import time of a large attendance list: 100,000 rows for one course (2,500 people ×
//! 40 sessions, a third of them with a national id), through the use case the upload
//! page and the CLI call. Prints figures; asserts nothing about time.
//!
//! `cargo bench -p atlas-web --bench import` (add `ATLAS_TEST_POSTGRES_URL` to include
//! PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::training::{CourseInput, SessionInput};
use atlas_domain::training_import::{FileKind, template_header};
use atlas_testkit::TestApp;
use std::time::Instant;

const PEOPLE: usize = 2_500;
const SESSIONS: usize = 40;

fn file(dates: &[String]) -> Vec<u8> {
    let sexes = ["female", "male"];
    let ages = ["18_24", "25_34", "35_44", "45_54", "55_plus"];
    let occs = [
        "police",
        "labour_inspector",
        "prosecutor",
        "judge",
        "social_worker",
    ];
    let insts = ["IUPFA", "DOVIC", "COPRETI", "PRV"];
    let statuses = [
        "present", "present", "present", "late", "excused", "present",
    ];
    let mut s = template_header().join(",");
    s.push('\n');
    for d in dates {
        for p in 0..PEOPLE {
            let id = if p % 3 == 0 {
                format!("{}", 20_000_000 + p)
            } else {
                String::new()
            };
            s.push_str(&format!(
                "Persona {p:04} Apellido,{},{},{},{},{id},{d},{}\n",
                sexes[p % 2],
                ages[p % 5],
                occs[p % 5],
                insts[p % 4],
                statuses[(p + d.len()) % 6],
            ));
        }
    }
    s.into_bytes()
}

async fn run(mut t: TestApp) {
    t.seed_demo().await;
    let course = t
        .app
        .create_course(
            By::Operator,
            &CourseInput {
                institution_id: t.institution_id("IUPFA").await.to_string(),
                title: "Bench".into(),
                framework: String::new(),
                stage: "integrated".into(),
                area_id: String::new(),
                is_virtual: "0".into(),
                capacity: "10000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .training_course_id;
    let start = time::macros::date!(2026 - 01 - 05);
    let mut dates = Vec::new();
    for k in 0..SESSIONS {
        let d = start + time::Duration::days(7 * k as i64);
        t.app
            .add_session(
                By::Operator,
                course,
                &SessionInput {
                    held_on: d.to_string(),
                    place: String::new(),
                },
            )
            .await
            .unwrap();
        dates.push(d.to_string());
    }
    let bytes = file(&dates);
    let s = Instant::now();
    let sum = t
        .app
        .import_attendance(By::Operator, course, FileKind::Csv, &bytes, &|_, _| {})
        .await
        .unwrap()
        .unwrap();
    let first = s.elapsed();
    let s = Instant::now();
    let again = t
        .app
        .import_attendance(By::Operator, course, FileKind::Csv, &bytes, &|_, _| {})
        .await
        .unwrap()
        .unwrap();
    let second = s.elapsed();
    println!(
        "import {:<8} {} rows ({:.1} MB): first {:.2?} ({:.0} rows/s, {} people created), re-import {:.2?} ({} reused)",
        t.name(),
        sum.rows,
        bytes.len() as f64 / 1_048_576.0,
        first,
        sum.rows as f64 / first.as_secs_f64(),
        sum.participants_created,
        second,
        again.participants_reused,
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
