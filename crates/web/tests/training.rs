//! Training: figures from attendance, the attendance rules, who may take attendance and
//! see participants, stale curriculum edits, audit, and the pages in every language.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::training::{self as st, CourseFilter, CourseRow};
use atlas_testkit::{Client, TestApp};
use axum::http::{Method, StatusCode};
use std::io::Write;
use uuid::Uuid;

async fn course_of(t: &TestApp, acronym: &str) -> CourseRow {
    st::list_courses(&t.app.db, &CourseFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.institution_acronym == acronym)
        .expect("no course for institution")
}

async fn sessions_of(t: &TestApp, course: Uuid) -> Vec<Uuid> {
    st::list_sessions(&t.app.db, course)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.training_session_id)
        .collect()
}

async fn figures(t: &TestApp, query: &str) -> serde_json::Value {
    let mut c = t.client();
    c.bearer = Some(t.token("observer").await);
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/training/figures{query}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// Enrols a new person through the course page; returns their participant id.
async fn enrol(
    t: &TestApp,
    c: &mut Client,
    course: Uuid,
    name: &str,
    national_id: &str,
    enrolled_on: &str,
) -> Uuid {
    let iupfa = t.institution_id("IUPFA").await.to_string();
    let r = c
        .post_form(
            &format!("/training/courses/{course}/enrolments"),
            &[
                ("full_name", name),
                ("sex", "female"),
                ("age_band", "25_34"),
                ("occupation", "police"),
                ("institution_id", &iupfa),
                ("national_id", national_id),
                ("contact", ""),
                ("enrolled_on", enrolled_on),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    st::list_enrolled(&t.app.db, course)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.full_name == name)
        .unwrap()
        .participant_id
}

async fn mark(
    c: &mut Client,
    session: Uuid,
    course: Uuid,
    who: Uuid,
    status: &str,
) -> atlas_testkit::Resp {
    let field = format!("status-{who}");
    let course = course.to_string();
    c.post_form(
        &format!("/training/sessions/{session}/attendance"),
        &[("training_course_id", &course), (&field, status)],
    )
    .await
}

#[tokio::test]
async fn the_demo_figures_for_argentina_are_72_trained_and_4_institutions() {
    for t in TestApp::all_with_demo().await {
        let f = figures(&t, "?country=AR").await;
        assert_eq!(f["individuals_trained"], 72, "{}: {f}", t.name());
        assert_eq!(f["institutions_targeted"], 4);
        assert_eq!(
            f["institutions_integrated"], 2,
            "IUPFA and DOVIC integrated their adaptations"
        );
        assert_eq!(f["courses"], 4);
        assert_eq!(f["sessions"], 12);
        let by_sex: i64 = f["by_sex"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["individuals_trained"].as_i64().unwrap())
            .sum();
        assert_eq!(by_sex, 72, "each person once in the breakdown");
        assert!(
            f["by_institution"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["key"] == "IUPFA")
        );
        // Not a row count: 78 people are enrolled, and completions add up to 73.
        assert_eq!(t.count("participant").await, 78);
        let mut completions = 0;
        for c in st::list_courses(&t.app.db, &CourseFilter::default())
            .await
            .unwrap()
        {
            let n = sessions_of(&t, c.training_course_id).await.len() as i64;
            completions += st::list_enrolled(&t.app.db, c.training_course_id)
                .await
                .unwrap()
                .iter()
                .filter(|p| p.attended == n)
                .count();
        }
        assert_eq!(completions, 73, "one person completed two courses");
        let th = figures(&t, "?country=TH").await;
        assert_eq!(th["individuals_trained"], 0);
        // Curriculum: 5 modules and 31 presentations.
        assert_eq!(t.count("training_module").await, 5);
        assert_eq!(t.count("training_presentation").await, 31);
    }
}

#[tokio::test]
async fn a_person_trained_in_two_courses_counts_once() {
    for t in TestApp::all_with_demo().await {
        let mut admin = t.signed_in("admin").await;
        let before = figures(&t, "?country=AR").await["individuals_trained"]
            .as_i64()
            .unwrap();
        let mut ids = Vec::new();
        for acr in ["IUPFA", "DOVIC"] {
            let c = course_of(&t, acr).await;
            let p = enrol(
                &t,
                &mut admin,
                c.training_course_id,
                "Rosa Twice",
                "28.111.222",
                "2026-02-01",
            )
            .await;
            ids.push(p);
            for s in sessions_of(&t, c.training_course_id).await {
                let r = mark(&mut admin, s, c.training_course_id, p, "present").await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            }
        }
        assert_eq!(ids[0], ids[1], "the national id finds the same participant");
        let after = figures(&t, "?country=AR").await["individuals_trained"]
            .as_i64()
            .unwrap();
        assert_eq!(after, before + 1, "{}", t.name());
        // Enrolling them again in the same course is refused.
        let c = course_of(&t, "IUPFA").await;
        let iupfa = t.institution_id("IUPFA").await.to_string();
        let r = admin
            .post_form(
                &format!("/training/courses/{}/enrolments", c.training_course_id),
                &[
                    ("full_name", "Rosa Twice"),
                    ("sex", "female"),
                    ("age_band", "25_34"),
                    ("occupation", "police"),
                    ("institution_id", &iupfa),
                    ("national_id", "28111222"),
                    ("enrolled_on", "2026-02-01"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("already enrolled"));
        assert!(
            !r.body.contains("28111222"),
            "the national id is not echoed"
        );
    }
}

#[tokio::test]
async fn attendance_rules_refuse_absent_before_enrolment_and_other_courses_writing_nothing() {
    for t in TestApp::all_with_demo().await {
        let mut coord = t.signed_in("training_coordinator").await;
        let iupfa = course_of(&t, "IUPFA").await.training_course_id;
        let dovic = course_of(&t, "DOVIC").await.training_course_id;
        let sessions = sessions_of(&t, iupfa).await;
        let p = enrol(&t, &mut coord, iupfa, "Late Joiner", "", "2026-03-01").await;
        let rows = t.count("attendance").await;
        let events = t.audit("training.attendance.take").await.len();
        let r = mark(&mut coord, sessions[0], iupfa, p, "absent").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("cannot be marked absent"), "{}", r.body);
        let r = mark(&mut coord, sessions[0], dovic, p, "present").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("does not belong to this course"));
        let r = mark(&mut coord, sessions[0], iupfa, Uuid::now_v7(), "present").await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a person not enrolled"
        );
        assert_eq!(t.count("attendance").await, rows, "nothing written");
        assert_eq!(t.audit("training.attendance.take").await.len(), events);
        // Excused before enrolment is allowed.
        let r = mark(&mut coord, sessions[0], iupfa, p, "excused").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.count("attendance").await, rows + 1);
    }
}

#[tokio::test]
async fn a_facilitator_takes_attendance_only_for_their_courses_and_the_figure_follows() {
    for t in TestApp::all_with_demo().await {
        let iupfa = course_of(&t, "IUPFA").await.training_course_id;
        let dovic = course_of(&t, "DOVIC").await.training_course_id;
        let mut fac = t.signed_in("facilitator").await;
        let dovic_session = sessions_of(&t, dovic).await[0];
        assert_eq!(
            fac.get(&format!("/training/sessions/{dovic_session}/attendance"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // Another IUPFA course the facilitator does not facilitate.
        let mut coord = t.signed_in("training_coordinator").await;
        let inst = t.institution_id("IUPFA").await.to_string();
        let r = coord
            .post_form(
                "/training/courses",
                &[
                    ("institution_id", &inst),
                    ("title", "Curso sin facilitador"),
                    ("stage", "adapting"),
                    ("capacity", "20"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let other = r.location().unwrap().to_owned();
        let r = coord
            .post_form(
                &format!("{other}/sessions"),
                &[("held_on", "2026-04-01"), ("place", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(fac.get(&other).await.status, StatusCode::NOT_FOUND);
        let other_id: Uuid = other.rsplit('/').next().unwrap().parse().unwrap();
        let os = sessions_of(&t, other_id).await[0];
        assert_eq!(
            fac.get(&format!("/training/sessions/{os}/attendance"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let list = fac.get("/training/courses").await;
        assert!(
            list.body.contains("Trata y explotación laboral")
                && !list.body.contains("Curso sin facilitador")
        );
        // Their own course: mark a new person present at every session.
        let p = enrol(&t, &mut coord, iupfa, "Nueva Cadete", "", "2026-02-01").await;
        let before = figures(&t, "?country=AR").await["individuals_trained"]
            .as_i64()
            .unwrap();
        let sessions = sessions_of(&t, iupfa).await;
        for (i, s) in sessions.iter().enumerate() {
            let page = fac.get(&format!("/training/sessions/{s}/attendance")).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("Nueva Cadete"));
            let r = mark(&mut fac, *s, iupfa, p, "present").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let now = figures(&t, "?country=AR").await["individuals_trained"]
                .as_i64()
                .unwrap();
            let expect = if i + 1 == sessions.len() {
                before + 1
            } else {
                before
            };
            assert_eq!(now, expect, "trained only after the last session");
        }
        let ev = t.audit("training.attendance.take").await;
        let last = ev.last().unwrap();
        assert_eq!(last.actor_username, "facilitator");
        assert!(
            !last.summary.contains("Nueva"),
            "ids only in the audit summary"
        );
        // Facilitators cannot create courses or enrol people.
        assert_eq!(
            fac.get("/training/courses/new").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_coordinator_of_another_institution_and_an_observer_cannot_open_the_course() {
    for t in TestApp::all_with_demo().await {
        let iupfa = course_of(&t, "IUPFA").await.training_course_id;
        let prv_course = course_of(&t, "PRV").await.training_course_id;
        let mut other = t.signed_in("coord_prv").await;
        assert_eq!(
            other
                .get(&format!("/training/courses/{iupfa}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other
                .get(&format!("/training/courses/{prv_course}"))
                .await
                .status,
            StatusCode::OK
        );
        let s = sessions_of(&t, iupfa).await[0];
        assert_eq!(
            other
                .get(&format!("/training/sessions/{s}/attendance"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = other
            .post_form(
                &format!("/training/courses/{iupfa}/sessions"),
                &[("held_on", "2026-05-01")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let mut obs = t.signed_in("observer").await;
        let dash = obs.get("/training").await;
        assert_eq!(dash.status, StatusCode::OK);
        assert!(dash.body.contains(">72<"), "observer reads the figures");
        let page = obs.get(&format!("/training/courses/{iupfa}")).await;
        assert!(
            page.status == StatusCode::NOT_FOUND || page.status == StatusCode::FORBIDDEN,
            "{}",
            page.status
        );
        assert!(!page.body.contains("María"), "no participant names");
        assert_eq!(
            obs.get("/training/courses").await.status,
            StatusCode::FORBIDDEN
        );
        // Country-scoped roles see their own country only.
        let mut c = t.client();
        c.bearer = Some(t.token("municipal_official").await);
        let own = c
            .json(Method::GET, "/api/v1/training/figures", None)
            .await
            .json();
        assert_eq!(own["country"], "AR");
        assert_eq!(own["individuals_trained"], 72);
        let r = c
            .json(Method::GET, "/api/v1/training/figures?country=TH", None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_stale_curriculum_edit_answers_409_and_revisions_are_kept() {
    for t in TestApp::all_with_demo().await {
        let m = st::list_modules(&t.app.db).await.unwrap().remove(0);
        let id = m.training_module_id;
        let mut staff = t.signed_in("program_staff").await;
        let form = staff
            .get(&format!("/training/curriculum/modules/{id}/edit"))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        let fields = |title: &'static str, version: &'static str| {
            vec![
                ("ordinal", "1"),
                ("title", title),
                ("summary", "Resumen"),
                ("objectives", "Objetivos"),
                ("stage", "identification"),
                ("crime_types-cl", "1"),
                ("crime_types-ht", "1"),
                ("audiences-police", "1"),
                ("duration_minutes", "300"),
                ("language", "es"),
                ("version", version),
            ]
        };
        let r = staff
            .post_form(
                &format!("/training/curriculum/modules/{id}"),
                &fields("Identificación (v2)", "1"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = staff
            .post_form(
                &format!("/training/curriculum/modules/{id}"),
                &fields("Mi versión", "1"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("Mi versión"), "the user's text is kept");
        assert!(
            r.body.contains("name=\"version\" value=\"2\""),
            "the current version is offered"
        );
        let now = st::get_module(&t.app.db, id).await.unwrap().unwrap();
        assert_eq!(
            (now.version, now.title.as_str(), now.crime_types.as_str()),
            (2, "Identificación (v2)", "cl,ht")
        );
        assert_eq!(
            st::list_revisions(&t.app.db, "training_module", id)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(t.audit("training.module.update").await.len(), 1);
        // Bad input: one message per field, input kept.
        let mut bad = fields("", "2");
        bad.retain(|(k, _)| !k.starts_with("audiences"));
        let r = staff
            .post_form(&format!("/training/curriculum/modules/{id}"), &bad)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("e-title"));
        // Only curriculum editors.
        let mut coord = t.signed_in("training_coordinator").await;
        assert_eq!(
            coord
                .get(&format!("/training/curriculum/modules/{id}/edit"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = coord
            .post_form(
                &format!("/training/curriculum/modules/{id}"),
                &fields("x", "2"),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_demo_writes_audit_events_with_ids_only() {
    for t in TestApp::all_with_demo().await {
        assert_eq!(t.audit("training.course.create").await.len(), 4);
        assert_eq!(t.audit("training.session.create").await.len(), 12);
        assert_eq!(t.audit("training.module.create").await.len(), 5);
        assert_eq!(t.audit("training.presentation.create").await.len(), 31);
        assert_eq!(t.audit("training.participant.create").await.len(), 78);
        assert_eq!(t.audit("training.participant.enrol").await.len(), 79);
        assert_eq!(t.audit("training.attendance.take").await.len(), 12);
        for e in t.audit("training.").await {
            for name in ["María", "Juan", "González", "Identificación"] {
                assert!(!e.summary.contains(name), "{}", e.summary);
            }
        }
        assert_eq!(
            t.app.verify_audit().await.unwrap(),
            Ok(t.count("audit_event").await as u64)
        );
    }
}

#[tokio::test]
async fn every_training_page_renders_in_every_language() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("admin").await;
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let session = sessions_of(&t, course).await[0];
        let module = st::list_modules(&t.app.db).await.unwrap()[0].training_module_id;
        let question = atlas_store::training_tests::list_questions(&t.app.db, Some(module))
            .await
            .unwrap()[0]
            .training_question_id;
        let pages = [
            "/training".to_owned(),
            "/training?country=AR".into(),
            "/training/curriculum".into(),
            format!("/training/curriculum/modules/{module}/edit"),
            "/training/courses".into(),
            "/training/courses/new".into(),
            format!("/training/courses/{course}"),
            format!("/training/sessions/{session}/attendance"),
            format!("/training/sessions/{session}/attendance?saved=1"),
            format!("/training/courses/{course}/edit"),
            "/training/adaptations".into(),
            "/training/adaptations/new".into(),
            format!("/training/curriculum/modules/{module}/questions"),
            format!("/training/curriculum/questions/{question}/edit"),
            format!("/training/courses/{course}/tests"),
            format!("/training/courses/{course}/tests?saved=1"),
            format!("/training/courses/{course}/tests/links"),
            format!("/training/courses/{course}/scores"),
            format!("/training/courses/{course}/scores?saved=1"),
        ];
        for lang in ["en", "es", "th"] {
            c.get(&format!("/lang/{lang}")).await;
            for p in &pages {
                let r = c.get(p).await;
                assert_eq!(r.status, StatusCode::OK, "{lang} {p}");
                assert!(r.body.contains(&format!("<html lang=\"{lang}\">")));
                assert!(
                    !r.body.contains("Unknown localization key"),
                    "{lang} {p} lacks a translation"
                );
                assert!(
                    r.body.contains("href=\"/training\""),
                    "{p}: the Training link is in the navigation"
                );
                for form in r.body.split("<form").skip(1) {
                    let head = &form[..form.find('>').unwrap()];
                    if head.contains("method=\"post\"") {
                        assert!(
                            form.contains("name=\"csrf\""),
                            "{p}: a POST form without CSRF token"
                        );
                    }
                }
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gz.write_all(r.body.as_bytes()).unwrap();
                let size = gz.finish().unwrap().len();
                assert!(size <= 14 * 1024, "{p} is {size} bytes compressed");
            }
        }
        // The roster: one radio group per enrolled person.
        let r = c
            .get(&format!("/training/sessions/{session}/attendance"))
            .await;
        assert_eq!(r.body.matches("type=\"radio\"").count(), 22 * 4);
        // Someone who may not read courses sees no course link on the dashboard.
        let mut obs = t.signed_in("observer").await;
        assert!(
            !obs.get("/training")
                .await
                .body
                .contains("href=\"/training/courses\"")
        );
    }
}

#[tokio::test]
async fn the_period_and_each_courses_attendance_threshold_decide_who_counts() {
    for t in TestApp::all_with_demo().await {
        let all = figures(&t, "?country=AR").await;
        assert_eq!(all["individuals_trained"], 72);

        // A period with nothing in it: nobody trained, no course or session held; the
        // institutions are counted as they stand.
        let none = figures(&t, "?country=AR&from=2000-01-01&to=2000-12-31").await;
        assert_eq!(none["individuals_trained"], 0, "{}: {none}", t.name());
        assert_eq!(none["courses"], 0);
        assert_eq!(none["sessions"], 0);
        assert_eq!(none["institutions_targeted"], 4);
        assert_eq!(none["from"], "2000-01-01");

        // The whole span of the demo's sessions gives the unfiltered figures; ending the
        // period the day before the last session day drops the courses that end then.
        let first = t
            .text("select min(held_on) from training_session")
            .await
            .unwrap();
        let last = t
            .text("select max(held_on) from training_session")
            .await
            .unwrap();
        let span = figures(&t, &format!("?country=AR&from={first}&to={last}")).await;
        assert_eq!(span["individuals_trained"], 72);
        assert_eq!(span["sessions"], all["sessions"]);
        let day_before = (time::Date::parse(
            &last,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .unwrap()
            - time::Duration::days(1))
        .to_string();
        let cut = figures(&t, &format!("?country=AR&to={day_before}")).await;
        let ending_last: i64 = t
            .count(&format!("training_session where held_on = '{last}'"))
            .await;
        assert!(ending_last > 0);
        assert!(
            cut["individuals_trained"].as_i64().unwrap() < 72,
            "courses ending on {last} are outside: {cut}"
        );
        assert_eq!(
            cut["sessions"].as_i64().unwrap(),
            all["sessions"].as_i64().unwrap() - ending_last
        );

        // Bad periods name the field and are refused, on the API and on the page.
        let mut c = t.client();
        c.bearer = Some(t.token("observer").await);
        let r = c
            .json(
                Method::GET,
                "/api/v1/training/figures?from=2026-13-01",
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("from"), "{}", r.body);
        let r = c
            .json(
                Method::GET,
                "/api/v1/training/figures?from=2026-05-01&to=2026-04-01",
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("#/to"), "{}", r.body);
        let mut o = t.signed_in("observer").await;
        let page = o.get("/training?from=2026-05-01&to=2026-04-01").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("The end date is before the start date."));
        assert!(
            !page.body.contains(">72<"),
            "no figures for a refused filter"
        );

        // With no attendance required, everyone enrolled in a course that has a session
        // counts, once: more than the 72 who attended every session.
        t.raw("update training_course set attendance_min_percent = 0")
            .await;
        let enrolled = t
            .count(
                "(select distinct e.participant_id from enrolment e join training_course c on c.training_course_id = e.training_course_id \
                 join institution i on i.institution_id = c.institution_id where i.country_code = 'AR' \
                 and exists (select 1 from training_session s where s.training_course_id = c.training_course_id)) x",
            )
            .await;
        assert!(enrolled > 72);
        let lax = figures(&t, "?country=AR").await;
        assert_eq!(lax["individuals_trained"], enrolled, "{}", t.name());
    }
}
