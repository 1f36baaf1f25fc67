//! Knowledge tests: the question bank (validation, versions, deactivation), tests taken
//! through one-use links (scored on the server, answers never on the page before
//! submission), typed scores (all or nothing), knowledge gain on the course page, the
//! dashboard and the API, certificate thresholds, the public URL, access and audit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::training::{self as st, CourseFilter, CourseRow};
use atlas_store::training_tests as sq;
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

/// Enrols a new IUPFA person through the course page; returns their participant id.
async fn enrol(t: &TestApp, c: &mut Client, course: Uuid, name: &str) -> Uuid {
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
                ("enrolled_on", "2026-02-01"),
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

/// The token of `name`'s `kind` link on the printable links page.
fn token_in(page: &str, name: &str, kind_label: &str) -> String {
    let row = page
        .split("<tr>")
        .find(|r| r.contains(&format!("<td>{name}</td>")) && r.contains(kind_label))
        .unwrap_or_else(|| panic!("no {kind_label} link for {name}"));
    let at = row.find("/t/").expect("no link in the row") + 3;
    row[at..at + 32].to_owned()
}

async fn scores(t: &TestApp, course: Uuid) -> Vec<(Uuid, String, i64)> {
    let mut v: Vec<_> = sq::list_scores(&t.app.db, course)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.participant_id, s.kind, s.score))
        .collect();
    v.sort();
    v
}

fn gz_size(body: &str) -> usize {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    gz.finish().unwrap().len()
}

#[tokio::test]
async fn the_question_bank_names_bad_fields_keeps_versions_and_deactivates() {
    for t in TestApp::all_with_demo().await {
        let module = st::list_modules(&t.app.db).await.unwrap().remove(0);
        let mid = module.training_module_id;
        let path = format!("/training/curriculum/modules/{mid}/questions");
        let mut staff = t.signed_in("program_staff").await;
        let page = staff.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name());
        assert!(page.body.contains("Retención de documentos de identidad"));
        let before = t.count("training_question").await;
        let r = staff
            .post_form(
                &path,
                &[
                    ("prompt", "  "),
                    ("option_1", "Solo una"),
                    ("option_2", ""),
                    ("correct", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("This field is required."));
        assert!(r.body.contains("Give at least 2 and at most 6 options."));
        assert!(
            r.body
                .contains("Choose the number of an option you filled in.")
        );
        assert!(r.body.contains("value=\"Solo una\""), "input kept");
        assert_eq!(
            t.count("training_question").await,
            before,
            "nothing written"
        );
        let r = staff
            .post_form(
                &path,
                &[
                    ("prompt", "¿Quién coordina la derivación?"),
                    ("option_1", "La fiscalía"),
                    ("option_2", ""),
                    ("option_3", "El área de protección social"),
                    ("correct", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.count("training_question").await, before + 1);
        let q = sq::list_questions(&t.app.db, Some(mid))
            .await
            .unwrap()
            .into_iter()
            .find(|q| q.prompt == "¿Quién coordina la derivación?")
            .unwrap();
        assert_eq!(q.option_list().len(), 2);
        assert_eq!(q.correct_index, 1, "option 3 is the second filled one");
        let qid = q.training_question_id;
        // Edits name the version read; a stale one is 409 and keeps the text.
        let edit = format!("/training/curriculum/questions/{qid}");
        let r = staff.get(&format!("{edit}/edit")).await;
        assert_eq!(r.status, StatusCode::OK);
        let fields = [
            ("prompt", "¿Quién coordina la derivación inicial?"),
            ("option_1", "La fiscalía"),
            ("option_2", "El área de protección social"),
            ("correct", "2"),
        ];
        let mut with_version = fields.to_vec();
        with_version.push(("version", "1"));
        let r = staff.post_form(&edit, &with_version).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = staff.post_form(&edit, &with_version).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("¿Quién coordina la derivación inicial?"));
        let revs = st::list_revisions(&t.app.db, "training_question", qid)
            .await
            .unwrap();
        assert_eq!(revs.len(), 2, "a snapshot per version");
        // Deactivated questions leave the test setup.
        let r = staff
            .post_form(
                &format!("{edit}/active"),
                &[("active", "0"), ("version", "2")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let setup = staff
            .get(&format!("/training/courses/{course}/tests"))
            .await;
        assert_eq!(setup.status, StatusCode::OK);
        assert!(
            setup
                .body
                .contains("¿Cuál de estos es un indicador de trabajo forzoso")
        );
        assert!(!setup.body.contains("derivación inicial"));
        let actions: Vec<String> = t
            .audit("training.question.")
            .await
            .into_iter()
            .filter(|e| e.entity_id == qid.to_string())
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "training.question.create",
                "training.question.update",
                "training.question.deactivate"
            ]
        );
        for e in t.audit("training.question.").await {
            assert!(!e.summary.contains("derivación"), "{}", e.summary);
        }
        // Only curriculum editors reach the bank (it holds the answers).
        let mut coord = t.signed_in("training_coordinator").await;
        assert!(coord.get(&path).await.status.is_client_error());
        let r = coord
            .post_form(
                &format!("{edit}/active"),
                &[("active", "1"), ("version", "3")],
            )
            .await;
        assert!(r.status.is_client_error());
        assert_eq!(t.audit("training.question.activate").await.len(), 0);
    }
}

#[tokio::test]
async fn a_test_link_is_scored_once_on_the_server_and_never_shows_the_answers() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let mut fac = t.signed_in("facilitator").await;
        let pid = enrol(
            &t,
            &mut t.signed_in("training_coordinator").await,
            course,
            "Nueva Evaluada",
        )
        .await;
        let r = fac
            .post_form(&format!("/training/courses/{course}/tests/links"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let links = fac
            .get(&format!("/training/courses/{course}/tests/links"))
            .await;
        assert_eq!(links.status, StatusCode::OK);
        assert_eq!(
            t.count("test_link").await,
            2 * 23,
            "{}: a pre and a post link for everyone enrolled",
            t.name()
        );
        assert!(
            links.body.contains("Already submitted"),
            "demo scores count"
        );
        let pre = token_in(&links.body, "Nueva Evaluada", "Pre-test");
        let post = token_in(&links.body, "Nueva Evaluada", "Post-test");
        assert_ne!(pre, post);
        let stored = t
            .text(&format!(
                "select count(*) || '' from test_link where token_hash = '{pre}'"
            ))
            .await;
        assert_eq!(
            stored.as_deref(),
            Some("0"),
            "the token itself is not stored"
        );
        let e = t.audit("training.test.links").await;
        assert_eq!(e.last().unwrap().summary, "created=46");
        // The course page lists her unused links too.
        let cp = fac.get(&format!("/training/courses/{course}")).await;
        assert!(cp.body.contains(&format!("href=\"/t/{pre}\"")));
        assert!(cp.body.contains(&format!("href=\"/t/{post}\"")));
        // Preparing again creates nothing new.
        fac.post_form(&format!("/training/courses/{course}/tests/links"), &[])
            .await;
        assert_eq!(t.count("test_link").await, 46);

        // The participant opens the page without signing in.
        let qs = sq::test_questions(&t.app.db, course, "pre").await.unwrap();
        assert_eq!(qs.len(), 5);
        let mut anon = t.client();
        let page = anon.get(&format!("/t/{pre}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for q in &qs {
            assert!(page.body.contains(&q.prompt));
        }
        let options: usize = qs.iter().map(|q| q.option_list().len()).sum();
        assert_eq!(page.body.matches("type=\"radio\"").count(), options);
        for marker in ["class=\"correct\"", "✓", "correct answer", "checked"] {
            assert!(!page.body.contains(marker), "the page gives away {marker}");
        }
        assert!(!page.body.contains("<script"));
        assert!(gz_size(&page.body) <= 14 * 1024);
        // An unanswered question: 422 naming it, nothing recorded, the link still works.
        let first = format!("q-{}", qs[0].training_question_id);
        let r = anon.post_form(&format!("/t/{pre}"), &[(&first, "0")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Choose an answer."));
        assert!(r.body.contains("value=\"0\" checked"), "the answer is kept");
        assert!(!r.body.contains("class=\"correct\""));
        assert!(
            !scores(&t, course).await.iter().any(|s| s.0 == pid),
            "nothing recorded"
        );
        // Three right, two wrong: 60%, computed here whatever the page sent.
        let answers: Vec<(String, String)> = qs
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let right = q.correct_index as usize;
                let pick = if i < 3 {
                    right
                } else {
                    (right + 1) % q.option_list().len()
                };
                (format!("q-{}", q.training_question_id), pick.to_string())
            })
            .collect();
        let form: Vec<(&str, &str)> = answers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = anon.post_form(&format!("/t/{pre}"), &form).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Your score: 60%"), "{}", r.body);
        assert_eq!(
            r.body.matches("class=\"correct\"").count(),
            5,
            "answers after"
        );
        let mine: Vec<_> = scores(&t, course)
            .await
            .into_iter()
            .filter(|s| s.0 == pid)
            .collect();
        assert_eq!(mine, [(pid, "pre".to_owned(), 60)]);
        // Once only.
        let r = anon.post_form(&format!("/t/{pre}"), &form).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("This test was already submitted"));
        let cp = fac.get(&format!("/training/courses/{course}")).await;
        assert!(
            !cp.body.contains(&format!("/t/{pre}")),
            "a used link leaves the list"
        );
        let again = anon.get(&format!("/t/{pre}")).await;
        assert!(again.body.contains("This test was already submitted"));
        assert_eq!(again.body.matches("type=\"radio\"").count(), 0);
        assert_eq!(
            scores(&t, course)
                .await
                .iter()
                .filter(|s| s.0 == pid)
                .count(),
            1
        );
        // Unknown and malformed tokens are 404 pages.
        for bad in ["00000000000000000000000000000000", "nope", &pre[..31]] {
            let r = anon.get(&format!("/t/{bad}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
            let r = anon.post_form(&format!("/t/{bad}"), &form).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        }
        // The page in every language, at phone width (no fixed widths), under budget.
        for lang in ["es", "th", "en"] {
            anon.get(&format!("/lang/{lang}")).await;
            let r = anon.get(&format!("/t/{post}")).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.body.contains(&format!("<html lang=\"{lang}\">")));
            assert!(!r.body.contains("Unknown localization key"), "{lang}");
            assert!(r.body.contains("name=\"csrf\""));
        }
        // Audit: the submission, with ids only.
        let e = t.audit("training.test.submit").await;
        assert_eq!(e.len(), 1);
        assert!(e[0].summary.contains(&pid.to_string()));
        assert!(!e[0].summary.contains("Evaluada") && !e[0].summary.contains("score"));
    }
}

#[tokio::test]
async fn typed_scores_are_all_or_nothing_with_an_error_per_row() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let path = format!("/training/courses/{course}/scores");
        let people = st::list_enrolled(&t.app.db, course).await.unwrap();
        let (a, b, c) = (
            people[0].participant_id,
            people[1].participant_id,
            people[2].participant_id,
        );
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.body.matches("name=\"pre-").count(), 22);
        let before = scores(&t, course).await;
        let events = t.audit("training.test.scores").await.len();
        let (fa, fb, fc) = (format!("pre-{a}"), format!("post-{b}"), format!("pre-{c}"));
        let r = coord
            .post_form(&path, &[(&fa, "55"), (&fb, "101"), (&fc, "abc")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(
            r.body.matches("Type a whole number from 0 to 100.").count(),
            2,
            "one message per bad row"
        );
        assert!(r.body.contains("value=\"101\"") && r.body.contains("value=\"abc\""));
        assert_eq!(scores(&t, course).await, before, "nothing written");
        assert_eq!(t.audit("training.test.scores").await.len(), events);
        // A good sheet: the facilitator of the course may type scores too.
        let mut fac = t.signed_in("facilitator").await;
        let fa_post = format!("post-{a}");
        let r = fac
            .post_form(&path, &[(&fa, "40"), (&fa_post, "75 "), (&fb, "")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let now = scores(&t, course).await;
        assert!(now.contains(&(a, "pre".into(), 40)) && now.contains(&(a, "post".into(), 75)));
        let b_post = before.iter().find(|s| s.0 == b && s.1 == "post").cloned();
        assert_eq!(
            now.iter().find(|s| s.0 == b && s.1 == "post").cloned(),
            b_post,
            "an empty box leaves the score"
        );
        let e = t.audit("training.test.scores").await;
        assert_eq!(e.len(), events + 1);
        assert_eq!(e.last().unwrap().summary, "pre=1 post=1");
        // The course page shows the person's gain.
        let page = coord.get(&format!("/training/courses/{course}")).await;
        let name = &people[0].full_name;
        let row = page
            .body
            .split("<tr>")
            .find(|r| r.contains(&format!("<td>{name}</td>")) && r.contains("%</td>"))
            .unwrap();
        assert!(row.contains("+35"), "{row}");
        // A participant of another course is not on this sheet.
        let other = st::list_enrolled(&t.app.db, course_of(&t, "DOVIC").await.training_course_id)
            .await
            .unwrap()[0]
            .participant_id;
        let fo = format!("pre-{other}");
        let r = coord.post_form(&path, &[(&fo, "50")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn knowledge_gain_is_shown_per_course_on_the_dashboard_and_in_the_api() {
    for t in TestApp::all_with_demo().await {
        // Expected from the stored scores of Argentina's courses.
        let mut gains = Vec::new();
        for c in st::list_courses(&t.app.db, &CourseFilter::default())
            .await
            .unwrap()
        {
            let s = scores(&t, c.training_course_id).await;
            for (p, k, pre) in &s {
                if k == "pre"
                    && let Some(post) = s.iter().find(|x| x.0 == *p && x.1 == "post")
                {
                    gains.push(post.2 - pre);
                }
            }
        }
        assert_eq!(
            gains.len(),
            79 - 4,
            "{}: everyone but the late joiners",
            t.name()
        );
        let mean = gains.iter().sum::<i64>() as f64 / gains.len() as f64;
        assert!(mean > 0.0, "the demo shows a gain");
        let mut obs = t.client();
        obs.bearer = Some(t.token("observer").await);
        let j = obs
            .json(Method::GET, "/api/v1/training/figures?country=AR", None)
            .await
            .json();
        let got = j["mean_knowledge_gain"].as_f64().unwrap();
        assert!(
            (got - (mean * 10.0).round() / 10.0).abs() < 1e-9,
            "{got} vs {mean}"
        );
        assert_eq!(j["individuals_trained"], 72);
        assert_eq!(j["institutions_targeted"], 4);
        let by = j["knowledge_gain_by_institution"].as_array().unwrap();
        assert_eq!(by.len(), 4);
        assert_eq!(
            by.iter().map(|g| g["pairs"].as_i64().unwrap()).sum::<i64>(),
            75
        );
        let th = obs
            .json(Method::GET, "/api/v1/training/figures?country=TH", None)
            .await
            .json();
        assert!(th["mean_knowledge_gain"].is_null(), "no pairs: null");
        // The dashboard: aggregates only, never names.
        let mut o = t.signed_in("observer").await;
        let d = o.get("/training").await;
        assert_eq!(d.status, StatusCode::OK);
        assert!(d.body.contains("Mean knowledge gain"));
        assert!(d.body.contains(&format!("{:+.1}", mean)), "{mean}");
        assert!(d.body.contains("Knowledge gain by institution"));
        let someone =
            &st::list_enrolled(&t.app.db, course_of(&t, "IUPFA").await.training_course_id)
                .await
                .unwrap()[0]
                .full_name;
        assert!(!d.body.contains(someone.as_str()));
        // The course page: the course's mean.
        let course = course_of(&t, "DOVIC").await.training_course_id;
        let s = scores(&t, course).await;
        let g: Vec<i64> = s
            .iter()
            .filter(|x| x.1 == "pre")
            .filter_map(|pre| {
                s.iter()
                    .find(|x| x.0 == pre.0 && x.1 == "post")
                    .map(|p| p.2 - pre.2)
            })
            .collect();
        let cm = g.iter().sum::<i64>() as f64 / g.len() as f64;
        let mut admin = t.signed_in("admin").await;
        let page = admin.get(&format!("/training/courses/{course}")).await;
        assert!(
            page.body.contains(&format!("<strong>{cm:+.1}</strong>")),
            "course mean {cm}"
        );
    }
}

/// Creates an IUPFA course with five sessions through the pages; returns its id and
/// session ids.
async fn five_session_course(t: &TestApp, c: &mut Client) -> (Uuid, Vec<Uuid>) {
    let iupfa = t.institution_id("IUPFA").await.to_string();
    let r = c
        .post_form(
            "/training/courses",
            &[
                ("institution_id", &iupfa),
                ("title", "Curso de umbrales"),
                ("stage", "piloting"),
                ("capacity", "10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: Uuid = r
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    for d in 2..=6 {
        let r = c
            .post_form(
                &format!("/training/courses/{id}/sessions"),
                &[("held_on", &format!("2026-02-{d:02}"))],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let sessions = st::list_sessions(&t.app.db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.training_session_id)
        .collect();
    (id, sessions)
}

async fn mark(c: &mut Client, course: Uuid, session: Uuid, who: &[(Uuid, &str)]) {
    let fields: Vec<(String, String)> = who
        .iter()
        .map(|(p, s)| (format!("status-{p}"), (*s).to_owned()))
        .chain([("training_course_id".to_owned(), course.to_string())])
        .collect();
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = c
        .post_form(&format!("/training/sessions/{session}/attendance"), &f)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn certified(t: &TestApp, course: Uuid) -> Vec<String> {
    let mut v: Vec<String> = st::list_certificates(&t.app.db, course)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.full_name)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn certificates_follow_the_attendance_and_post_test_thresholds() {
    for t in TestApp::all_with_demo().await {
        let mut coord = t.signed_in("training_coordinator").await;
        let (course, sessions) = five_session_course(&t, &mut coord).await;
        let four = enrol(&t, &mut coord, course, "Ana Cuatro").await;
        let five = enrol(&t, &mut coord, course, "Bea Cinco").await;
        for (i, s) in sessions.iter().enumerate() {
            let a = if i == 2 { "absent" } else { "present" };
            mark(&mut coord, course, *s, &[(four, a), (five, "late")]).await;
        }
        let issue = format!("/training/courses/{course}/certificates");
        coord.post_form(&issue, &[]).await;
        assert_eq!(
            certified(&t, course).await,
            ["Bea Cinco"],
            "{}: min 100",
            t.name()
        );
        let page = coord.get(&format!("/training/courses/{course}")).await;
        let row = page
            .body
            .split("<tr>")
            .find(|r| r.contains("<td>Ana Cuatro</td>") && r.contains("80%"))
            .expect("attendance percent shown");
        assert!(row.contains("<td>No</td>"), "{row}");

        // Thresholds: bad values name the field; a stale version is 409.
        let th = format!("/training/courses/{course}/thresholds");
        let r = coord
            .post_form(
                &th,
                &[
                    ("attendance_min_percent", "0"),
                    ("post_test_min_percent", "abc"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body
                .contains("aria-describedby=\"e-attendance_min_percent\"")
        );
        assert!(
            r.body
                .contains("aria-describedby=\"e-post_test_min_percent\"")
        );
        assert!(r.body.contains("Type a whole number from 1 to 100."));
        let set = |att: &'static str, post: &'static str, v: &'static str| {
            [
                ("attendance_min_percent", att),
                ("post_test_min_percent", post),
                ("version", v),
            ]
        };
        let r = coord.post_form(&th, &set("75", "", "1")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = coord.post_form(&th, &set("50", "", "1")).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let c = st::get_course(&t.app.db, course).await.unwrap().unwrap();
        assert_eq!(
            (c.attendance_min_percent, c.post_test_min_percent),
            (75, None)
        );
        coord.post_form(&issue, &[]).await;
        assert_eq!(
            certified(&t, course).await,
            ["Ana Cuatro", "Bea Cinco"],
            "80% ≥ 75"
        );

        // A post-test minimum: a score below it blocks the certificate.
        let low = enrol(&t, &mut coord, course, "Carla Baja").await;
        for s in &sessions {
            mark(&mut coord, course, *s, &[(low, "present")]).await;
        }
        let r = coord.post_form(&th, &set("75", "70", "2")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        coord.post_form(&issue, &[]).await;
        assert_eq!(certified(&t, course).await.len(), 2, "no post-test yet");
        let scores_path = format!("/training/courses/{course}/scores");
        let f = format!("post-{low}");
        coord.post_form(&scores_path, &[(&f, "69")]).await;
        coord.post_form(&issue, &[]).await;
        assert_eq!(certified(&t, course).await.len(), 2, "69 < 70");
        coord.post_form(&scores_path, &[(&f, "70")]).await;
        coord.post_form(&issue, &[]).await;
        assert_eq!(
            certified(&t, course).await,
            ["Ana Cuatro", "Bea Cinco", "Carla Baja"]
        );
        let e = t.audit("training.course.thresholds").await;
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].summary, "attendance_min=75 post_test_min=70");
        // Only the course's managers set thresholds.
        let mut fac = t.signed_in("facilitator").await;
        let iupfa = course_of(&t, "IUPFA").await;
        let r = fac
            .post_form(
                &format!("/training/courses/{}/thresholds", iupfa.training_course_id),
                &set("10", "", "1"),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn another_institutions_coordinator_gets_404_and_observers_see_no_names() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let someone = st::list_enrolled(&t.app.db, course).await.unwrap()[0].clone();
        let before = scores(&t, course).await;
        let field = format!("pre-{}", someone.participant_id);
        for user in ["coord_prv", "observer"] {
            let mut c = t.signed_in(user).await;
            for p in ["tests", "tests/links", "scores"] {
                let r = c.get(&format!("/training/courses/{course}/{p}")).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} {p}");
                assert!(!r.body.contains(&someone.full_name));
            }
            for (p, f) in [
                ("scores", vec![(field.as_str(), "99")]),
                ("tests", vec![]),
                ("tests/links", vec![]),
                (
                    "thresholds",
                    vec![("attendance_min_percent", "10"), ("version", "1")],
                ),
            ] {
                let r = c
                    .post_form(&format!("/training/courses/{course}/{p}"), &f)
                    .await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} POST {p}");
            }
        }
        assert_eq!(scores(&t, course).await, before, "nothing changed");
        assert!(t.audit("training.course.thresholds").await.is_empty());
        let c = st::get_course(&t.app.db, course).await.unwrap().unwrap();
        assert_eq!(c.attendance_min_percent, 100);
    }
}

#[tokio::test]
async fn the_public_url_goes_into_qr_codes_links_and_credentials() {
    let settings = atlas_core::Settings {
        public_url: Some("https://atlas.example.org".into()),
        ..Default::default()
    };
    for t in TestApp::all_with_demo_settings(settings).await {
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let x = st::list_certificates(&t.app.db, course)
            .await
            .unwrap()
            .remove(0);
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord
            .get(&format!("/training/certificates/{}", x.certificate_id))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains(&format!("https://atlas.example.org/verify/{}", x.code)),
            "{}",
            t.name()
        );
        assert!(!page.body.contains("http://localhost"));
        let cred: serde_json::Value = serde_json::from_str(&x.credential).unwrap();
        assert_eq!(cred["issuer"]["url"], "https://atlas.example.org");
        assert_eq!(
            cred["evidence"][0]["id"],
            format!("https://atlas.example.org/verify/{}", x.code)
        );
        let mut anon = t.client();
        let r = anon
            .json(
                Method::POST,
                "/api/v1/training/certificates/verify",
                Some(cred),
            )
            .await;
        assert_eq!(r.json()["valid"], true);
        coord
            .post_form(&format!("/training/courses/{course}/tests/links"), &[])
            .await;
        let links = coord
            .get(&format!("/training/courses/{course}/tests/links"))
            .await;
        assert!(links.body.contains("https://atlas.example.org/t/"));
    }
    // Without a public URL, the request's host.
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let x = st::list_certificates(&t.app.db, course)
            .await
            .unwrap()
            .remove(0);
        let cred: serde_json::Value = serde_json::from_str(&x.credential).unwrap();
        assert!(cred.get("evidence").is_none());
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord
            .get(&format!("/training/certificates/{}", x.certificate_id))
            .await;
        assert!(
            page.body
                .contains(&format!("http://localhost/verify/{}", x.code))
        );
    }
}
