//! `atlas import attendance` on a real SQLite file: a good file is imported (audited as
//! the operator), a bad one exits 1 listing every bad row and column and writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::training::{CourseInput, SessionInput};
use atlas_testkit::TestApp;
use std::process::{Command, Output};

fn atlas(args: &[&str], lang: &str) -> Output {
    let key = std::env::temp_dir().join("atlas-cli-tests.key");
    // The demo's cases seal victim data, and start-up refuses a missing key file over
    // sealed data: give the shared test key file its 32 bytes before the first run.
    ensure_key(&key);
    Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env("ATLAS__KEY_FILE", key)
        .env(
            "ATLAS__DATA_DIR",
            std::env::temp_dir().join("atlas-cli-tests-data"),
        )
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn imports_a_file_and_reports_every_bad_row_of_another() {
    let mut t = TestApp::sqlite().await;
    t.seed_demo().await;
    let url = t.sqlite_url().unwrap();
    let course = t
        .app
        .create_course(
            By::Operator,
            &CourseInput {
                institution_id: t.institution_id("COPRETI").await.to_string(),
                title: "CLI".into(),
                framework: String::new(),
                stage: "adapting".into(),
                area_id: String::new(),
                is_virtual: "0".into(),
                capacity: "40".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .training_course_id;
    t.app
        .add_session(
            By::Operator,
            course,
            &SessionInput {
                held_on: "2026-05-04".into(),
                place: String::new(),
            },
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("lista.csv");
    std::fs::write(
        &good,
        "nombre;sexo;edad;ocupacion;institucion;dni;fecha;asistencia\n\
         Irma Sosa;f;25_34;inspector_laboral;COPRETI;22.111.000;04/05/2026;presente\n\
         Juan Gil;m;35_44;police;COPRETI;;2026-05-04;late\n",
    )
    .unwrap();
    let id = course.to_string();
    let o = atlas(
        &[
            "import",
            "attendance",
            good.to_str().unwrap(),
            "--course",
            &id,
            "--database-url",
            &url,
        ],
        "en_GB.UTF-8",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 rows: 2 new people"), "{}", text(&o));
    let ev = t.audit("training.attendance.import").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].actor_user_id, None, "audited as the operator");

    let before = t.count("attendance").await;
    let bad = dir.path().join("mala.csv");
    std::fs::write(
        &bad,
        "nombre,sexo,edad,ocupacion,institucion,dni,fecha,asistencia\n\
         Irma Sosa,f,25_34,police,COPRETI,,2026-05-04,presente\n\
         Kike,x,99,police,COPRETI,,2026-05-04,presente\n\
         Lola,f,25_34,police,XYZ,,2026-05-05,quizás\n",
    )
    .unwrap();
    let o = atlas(
        &[
            "import",
            "attendance",
            bad.to_str().unwrap(),
            "--course",
            &id,
            "--database-url",
            &url,
        ],
        "es_AR.UTF-8",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    for line in [
        "Fila 3, columna edad:",
        "Fila 4, columna institucion:",
        "Fila 4, columna fecha:",
        "Fila 4, columna asistencia:",
    ] {
        assert!(out.contains(line), "missing {line}:\n{out}");
    }
    assert!(!out.contains("Fila 2,"));
    assert_eq!(t.count("attendance").await, before, "nothing written");
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
