//! Attendance import (CSV, XLSX) and course exports over HTTP, on every configured
//! database: all-or-nothing with a report naming every bad row and column, de-duplication
//! of people, access (course managers and the course's facilitators), limits, and
//! formula-safe exports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::training::{CourseInput, SessionInput};
use atlas_testkit::{Client, TestApp};
use axum::http::{Method, StatusCode};
use uuid::Uuid;

const HEADER: &str =
    "full_name,sex,age_band,occupation,institution,national_id,session_date,status";

/// A new course of `acronym` with sessions on 2026-03-02 and 2026-03-09.
async fn new_course(t: &TestApp, acronym: &str) -> Uuid {
    let c = t
        .app
        .create_course(
            By::Operator,
            &CourseInput {
                institution_id: t.institution_id(acronym).await.to_string(),
                title: format!("Importado {acronym}"),
                framework: String::new(),
                stage: "piloting".into(),
                area_id: String::new(),
                is_virtual: "0".into(),
                capacity: "50".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for d in ["2026-03-02", "2026-03-09"] {
        t.app
            .add_session(
                By::Operator,
                c.training_course_id,
                &SessionInput {
                    held_on: d.into(),
                    place: String::new(),
                },
            )
            .await
            .unwrap();
    }
    c.training_course_id
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s.into_bytes()
}

/// Two people complete (one with a national id, one without), one does not.
fn good_file() -> Vec<u8> {
    csv(&[
        "Lucía Fernández,female,25_34,police,DOVIC,30.111.222,2026-03-02,present",
        "Lucía Fernández,female,25_34,police,DOVIC,30.111.222,2026-03-09,late",
        "Marcos Ruiz,male,35_44,prosecutor,DOVIC,,2026-03-02,present",
        "Marcos Ruiz,male,35_44,prosecutor,DOVIC,,2026-03-09,present",
        "Sofía Díaz,female,18_24,social_worker,DOVIC,,2026-03-02,present",
        "Sofía Díaz,female,18_24,social_worker,DOVIC,,2026-03-09,absent",
    ])
}

async fn trained(t: &TestApp) -> i64 {
    let mut c = t.client();
    c.bearer = Some(t.token("observer").await);
    let r = c
        .json(Method::GET, "/api/v1/training/figures?country=AR", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["individuals_trained"].as_i64().unwrap()
}

async fn counts(t: &TestApp) -> [i64; 4] {
    [
        t.count("participant").await,
        t.count("enrolment").await,
        t.count("attendance").await,
        t.count("audit_event").await,
    ]
}

async fn upload(c: &mut Client, course: Uuid, name: &str, bytes: &[u8]) -> atlas_testkit::Resp {
    c.post_file(
        &format!("/training/courses/{course}/import"),
        "file",
        name,
        bytes,
    )
    .await
}

#[tokio::test]
async fn a_valid_csv_creates_people_enrolments_and_marks_and_moves_the_figures() {
    for t in TestApp::all_with_demo().await {
        let course = new_course(&t, "DOVIC").await;
        let before = counts(&t).await;
        let trained_before = trained(&t).await;
        let mut c = t.signed_in("program_staff").await;
        let form = c.get(&format!("/training/courses/{course}/import")).await;
        assert_eq!(form.status, StatusCode::OK, "{}", t.name());
        assert!(form.body.contains("accept=\".csv,.xlsx\""));
        assert!(form.body.contains("enctype=\"multipart/form-data\""));
        let r = upload(&mut c, course, "lista.csv", &good_file()).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.name(), r.body);
        assert!(r.body.contains("6 rows: 3 new people"), "{}", r.body);
        let after = counts(&t).await;
        assert_eq!(after[0] - before[0], 3, "{}", t.name());
        assert_eq!(after[1] - before[1], 3);
        assert_eq!(after[2] - before[2], 6);
        assert_eq!(trained(&t).await - trained_before, 2, "{}", t.name());
        let ev = t.audit("training.attendance.import").await;
        assert_eq!(ev.len(), 1);
        assert!(ev[0].summary.contains("created=3"), "{}", ev[0].summary);
        assert!(!ev[0].summary.contains("Luc"), "no names in the audit log");
        assert!(
            !t.db_contains("30111222").await,
            "raw national ids are never stored"
        );
        // The course page lists them, enrolled on their first session date.
        let page = c.get(&format!("/training/courses/{course}")).await;
        assert!(page.body.contains("Marcos Ruiz"));
        assert!(page.body.contains("2026-03-02"));
    }
}

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_whole_naming_every_row_and_column() {
    for t in TestApp::all_with_demo().await {
        let course = new_course(&t, "DOVIC").await;
        let mut c = t.signed_in("program_staff").await;
        let before = counts(&t).await;
        let file = csv(&[
            "Ana Ok,female,25_34,police,DOVIC,,2026-03-02,present",
            "Bea,robot,25_34,police,NOPE,,2026-03-02,present",
            "Caro,female,25_34,police,DOVIC,,2026-02-30,present",
            "Dora,female,25_34,astronaut,DOVIC,,2026-04-01,maybe",
        ]);
        let r = upload(&mut c, course, "lista.csv", &file).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
        for line in [
            "Row 3, column sex:",
            "Row 3, column institution: No institution with this acronym",
            "Row 4, column session_date: Not a valid date",
            "Row 5, column occupation:",
            "Row 5, column status:",
            "Row 5, column session_date: This course has no session on this date",
        ] {
            assert!(
                r.body.contains(line),
                "{}: missing {line}\n{}",
                t.name(),
                r.body
            );
        }
        assert!(!r.body.contains("Row 2,"), "the good row is not reported");
        assert_eq!(counts(&t).await, before, "nothing written on {}", t.name());
        // Absent before enrolment is caught after matching people, and still rolls back.
        let mut es = t.signed_in("program_staff").await;
        es.get("/lang/es").await;
        let late_joiner = csv(&[
            "Eva,female,25_34,police,DOVIC,,2026-03-09,present",
            "Eva,female,25_34,police,DOVIC,,2026-03-02,present",
            "Flor,female,25_34,police,DOVIC,,2026-03-09,present",
        ]);
        assert_eq!(
            upload(&mut es, course, "a.csv", &late_joiner).await.status,
            StatusCode::OK
        );
        let before = counts(&t).await;
        let bad = csv(&[
            "Gala,female,25_34,police,DOVIC,,2026-03-02,present",
            "Flor,female,25_34,police,DOVIC,,2026-03-02,absent",
        ]);
        let r = upload(&mut es, course, "b.csv", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Fila 3, columna status:"), "{}", r.body);
        assert_eq!(counts(&t).await, before, "Gala is not created either");
    }
}

#[tokio::test]
async fn re_importing_the_same_file_reuses_people_by_national_id_and_by_name() {
    for t in TestApp::all_with_demo().await {
        let course = new_course(&t, "DOVIC").await;
        let mut c = t.signed_in("program_staff").await;
        assert_eq!(
            upload(&mut c, course, "l.csv", &good_file()).await.status,
            StatusCode::OK
        );
        let once = counts(&t).await;
        let r = upload(&mut c, course, "l.csv", &good_file()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("0 new people, 3 people already known"),
            "{}",
            r.body
        );
        let twice = counts(&t).await;
        assert_eq!(
            twice[..3],
            once[..3],
            "no duplicate people, enrolments or marks"
        );
        // The same people in another course of the country: reused, enrolled again;
        // the name matches whatever the spelling of case, accents and spaces.
        let other = new_course(&t, "DOVIC").await;
        let file = csv(&[
            "LUCIA  fernandez,female,25_34,police,DOVIC,30111222,2026-03-02,present",
            "marcos ruiz,male,35_44,prosecutor,dovic,,2026-03-02,present",
        ]);
        let r = upload(&mut c, other, "l.csv", &file).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let third = counts(&t).await;
        assert_eq!(third[0], twice[0], "{}: no new participant", t.name());
        assert_eq!(third[1] - twice[1], 2);
    }
}

#[tokio::test]
async fn semicolons_a_bom_spanish_headers_and_words_are_accepted() {
    for t in TestApp::all_with_demo().await {
        let course = new_course(&t, "DOVIC").await;
        let mut c = t.signed_in("program_staff").await;
        let file = "\u{feff}Nombre;Sexo;Edad;Ocupación;Institución;DNI;Fecha;Asistencia\r\n\
                    José Pérez;Masculino;25-34;Policía;dovic;20.333.444;02/03/2026;Presente\r\n\
                    José Pérez;M;25-34;Policía;DOVIC;20333444;09/03/2026;tarde\r\n";
        let r = upload(&mut c, course, "asistencia.csv", file.as_bytes()).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.name(), r.body);
        assert!(r.body.contains("2 rows: 1 new people"), "{}", r.body);
    }
}

fn xlsx(rows: &[[&str; 8]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, i as u16, h).unwrap();
    }
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (i, v) in row.iter().enumerate() {
            let (r, i) = (r as u32 + 1, i as u16);
            if i == 6 {
                let d = rust_xlsxwriter::ExcelDateTime::parse_from_str(v).unwrap();
                ws.write_datetime_with_format(r, i, &d, &fmt).unwrap();
            } else if i == 5 && !v.is_empty() {
                ws.write_number(r, i, v.parse::<f64>().unwrap()).unwrap();
            } else {
                ws.write_string(r, i, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_real_xlsx_imports_and_broken_files_are_refused_with_a_clear_message() {
    for t in TestApp::all_with_demo().await {
        let course = new_course(&t, "DOVIC").await;
        let mut c = t.signed_in("program_staff").await;
        let file = xlsx(&[
            [
                "Rosa Vega",
                "female",
                "45_54",
                "judge",
                "DOVIC",
                "27888999",
                "2026-03-02",
                "present",
            ],
            [
                "Rosa Vega",
                "female",
                "45_54",
                "judge",
                "DOVIC",
                "27888999",
                "2026-03-09",
                "excused",
            ],
        ]);
        let r = upload(&mut c, course, "lista.xlsx", &file).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.name(), r.body);
        assert!(r.body.contains("2 rows: 1 new people"), "{}", r.body);
        let before = counts(&t).await;
        let r = upload(
            &mut c,
            course,
            "lista.xlsx",
            b"PK\x03\x04 this is not a workbook",
        )
        .await;
        assert!(r.status.is_client_error());
        assert!(
            r.body.contains("not a readable XLSX workbook"),
            "{}",
            r.body
        );
        let latin1 = b"full_name,sex,age_band,occupation,institution,national_id,session_date,status\nJos\xe9,male,25_34,police,DOVIC,,2026-03-02,present\n";
        let r = upload(&mut c, course, "lista.csv", latin1).await;
        assert!(r.status.is_client_error());
        assert!(r.body.contains("not UTF-8"), "{}", r.body);
        let r = upload(&mut c, course, "lista.csv", b"nombre,sexo\nAna,f\n").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body
                .contains("Row 1, column session_date: This column is missing")
        );
        assert_eq!(counts(&t).await, before);
    }
}

#[tokio::test]
async fn a_file_over_the_limit_is_413() {
    for mut t in TestApp::all_with_demo().await {
        let web = atlas_web::WebSettings {
            import_limit: 2048,
            ..Default::default()
        };
        t.router = atlas_web::app(atlas_web::AppState::new(t.app.clone(), web));
        let course = new_course(&t, "DOVIC").await;
        let mut c = t.signed_in("program_staff").await;
        let mut big = csv(&[]);
        big.extend(std::iter::repeat_n(b'\n', 4000));
        let r = upload(&mut c, course, "big.csv", &big).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", t.name());
        let mut just_over = csv(&[]);
        just_over.extend(std::iter::repeat_n(b'\n', 2100 - just_over.len()));
        let r = upload(&mut c, course, "big.csv", &just_over).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            r.body.contains("larger than the limit of 1 MB"),
            "{}",
            r.body
        );
    }
}

#[tokio::test]
async fn only_course_managers_and_its_facilitators_import_and_only_managers_export() {
    for t in TestApp::all_with_demo().await {
        let course = new_course(&t, "IUPFA").await;
        let mut fac = t.signed_in("facilitator").await;
        for path in ["import", "import/template.csv", "export/participants.csv"] {
            let r = fac.get(&format!("/training/courses/{course}/{path}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: {path}", t.name());
        }
        let r = upload(&mut fac, course, "l.csv", &good_file()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The course they facilitate: import yes, export (names out of the system) no.
        let own = atlas_store::training::list_courses(&t.app.db, &Default::default())
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.institution_acronym == "IUPFA" && c.training_course_id != course)
            .unwrap()
            .training_course_id;
        let tpl = fac
            .get(&format!("/training/courses/{own}/import/template.csv"))
            .await;
        assert_eq!(tpl.status, StatusCode::OK);
        assert!(tpl.body.starts_with(HEADER), "{}", tpl.body);
        assert_eq!(tpl.body.lines().count(), 2, "header and one example row");
        let r = fac
            .get(&format!("/training/courses/{own}/export/attendance.csv"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let mut obs = t.signed_in("observer").await;
        for path in ["import", "export/attendance.xlsx"] {
            let r = obs.get(&format!("/training/courses/{own}/{path}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "observer {path}");
        }
        assert_eq!(
            obs.get("/training").await.status,
            StatusCode::OK,
            "figures still"
        );
    }
}

#[tokio::test]
async fn exports_neutralise_formulas_and_the_xlsx_opens_with_the_right_rows() {
    use calamine::{Data, Reader, Xlsx};
    for t in TestApp::all_with_demo().await {
        let course = new_course(&t, "DOVIC").await;
        let mut c = t.signed_in("program_staff").await;
        let file = csv(&[
            "=cmd|' /C calc'!A0,female,25_34,police,DOVIC,,2026-03-02,present",
            "Nora Paz,female,25_34,police,DOVIC,,2026-03-02,late",
            "Nora Paz,female,25_34,police,DOVIC,,2026-03-09,present",
        ]);
        assert_eq!(
            upload(&mut c, course, "l.csv", &file).await.status,
            StatusCode::OK
        );
        let r = c
            .get(&format!(
                "/training/courses/{course}/export/participants.csv"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        assert!(r.body.contains("'=cmd"), "{}", r.body);
        assert!(!r.body.contains("\n=cmd"));
        let r = c
            .get(&format!("/training/courses/{course}/export/attendance.csv"))
            .await;
        assert_eq!(r.body.lines().count(), 4, "{}", r.body);
        // The attendance export is a valid import file for the same course.
        let again = upload(
            &mut c,
            course,
            "x.csv",
            r.body.replace("'=cmd", "Cmd").as_bytes(),
        )
        .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        let mut bin = t.signed_in("program_staff").await;
        let resp = bin
            .send(
                Method::GET,
                &format!("/training/courses/{course}/export/attendance.xlsx"),
                None,
                Vec::new(),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK);
        // The test client reads bodies as text; fetch the bytes through the use case.
        let x = t
            .app
            .export_course(
                By::Operator,
                course,
                atlas_core::training_import::ExportKind::Attendance,
                atlas_core::training_import::ExportFormat::Xlsx,
            )
            .await
            .unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(x.bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(rows.len(), 1 + x.rows);
        assert_eq!(rows[0][0], Data::String("full_name".into()));
        assert!(
            rows.iter()
                .any(|r| r[0] == Data::String("=cmd|' /C calc'!A0".into())),
            "a string cell, never a formula"
        );
        assert!(rows.iter().any(|r| r[0] == Data::String("Nora Paz".into())
            && r[6] == Data::String("2026-03-09".into())
            && r[7] == Data::String("present".into())));
        let formulas = book.worksheet_formula("attendance").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        let ev = t.audit("training.export").await;
        assert!(ev.iter().any(|e| e.summary.contains("format=xlsx")));
        assert!(ev.iter().all(|e| !e.summary.contains("Nora")));
    }
}
