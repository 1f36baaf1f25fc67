//! Where a final guide is used: a use recorded on an institutionalised guide appears on
//! its page and its printable page; a course of another country, a missing section, a
//! duplicate and a guide not yet final are refused with nothing written; a user of
//! another country gets 404; a guide moved back to an earlier stage shows no uses; a
//! removal is audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_core::store::training::{CourseFilter, list_courses};
use atlas_domain::guide_docs::{GuideInput, SectionInput};
use atlas_domain::training::CourseInput;
use atlas_testkit::TestApp;
use axum::http::StatusCode;
use uuid::Uuid;

/// A PRV guide for Buenos Aires with two sections, moved up to `last` stage.
async fn guide_at(t: &TestApp, stages: &[&str]) -> Uuid {
    let id = t
        .app
        .create_guide_document(
            By::Operator,
            &GuideInput {
                institution_id: t.institution_id("PRV").await.to_string(),
                area_id: t.area_id("Buenos Aires").await.to_string(),
                title: "Guía usada".into(),
                language: "es".into(),
            },
        )
        .await
        .unwrap()
        .guide_document_id;
    let sections = [
        ("Primer contacto", "Llamar al 145."),
        ("Derivación", "Avisar al PRV."),
    ]
    .map(|(h, b)| SectionInput {
        heading: h.into(),
        body: b.into(),
    });
    t.app
        .save_guide_text(By::Operator, id, &sections, "", "1")
        .await
        .unwrap();
    for (v, stage) in (2..).zip(stages) {
        t.app
            .move_guide(By::Operator, id, stage, "", &v.to_string())
            .await
            .unwrap();
    }
    id
}

const TO_FINAL: [&str; 4] = ["drafting", "in_review", "refinement", "final"];

#[tokio::test]
async fn a_use_of_an_institutionalised_guide_is_listed_and_checked() {
    for t in TestApp::all_with_demo().await {
        let mut stages = TO_FINAL.to_vec();
        stages.push("institutionalised");
        let id = guide_at(&t, &stages).await;
        let filter = CourseFilter {
            country: Some("AR".into()),
            ..Default::default()
        };
        let courses = list_courses(&t.app.db, &filter).await.unwrap();
        let course = courses.first().expect("the demo has Argentine courses");
        let mut editor = t.signed_in("caseworker").await;
        let page = editor.get(&format!("/guide/docs/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Dónde se usa") || page.body.contains("Where it is used"));
        assert!(
            page.body.contains(&course.training_course_id.to_string()),
            "the course is offered"
        );
        let path = format!("/guide/docs/{id}/uses");
        let r = editor
            .post_form(
                &path,
                &[
                    ("course", &course.training_course_id.to_string()),
                    ("section", "2"),
                    ("note", "Módulo 3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.name(), r.body);
        assert_eq!(t.count("guide_use").await, 1);
        let ev = t.audit("guide.use.add").await;
        let ev = ev.last().unwrap();
        assert_eq!(
            ev.summary,
            format!(
                "document={id} course={} section=2",
                course.training_course_id
            )
        );
        // The page lists the course, its institution, its dates and the section.
        let page = editor.get(&format!("/guide/docs/{id}")).await;
        assert!(page.body.contains(&course.title), "{}", page.body);
        assert!(page.body.contains(&course.institution_acronym));
        assert!(page.body.contains("2. Derivación"));
        assert!(page.body.contains("Módulo 3"));
        let sessions =
            atlas_core::store::training::list_sessions(&t.app.db, course.training_course_id)
                .await
                .unwrap();
        if let Some(first) = sessions.iter().map(|s| s.held_on.clone()).min() {
            assert!(
                page.body.contains(&first),
                "the first session's date is shown"
            );
        }
        // So does the printable page, in the guide's language.
        let print = editor.get(&format!("/guide/docs/{id}/print")).await;
        assert_eq!(print.status, StatusCode::OK);
        assert!(print.body.contains("Dónde se usa"), "{}", print.body);
        assert!(print.body.contains(&course.title));
        assert!(print.body.contains("2. Derivación"));
        // The same course and section again is refused.
        let r = editor
            .post_form(
                &path,
                &[
                    ("course", &course.training_course_id.to_string()),
                    ("section", "2"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(t.count("guide_use").await, 1);
        // A section that does not exist is refused, naming the section.
        let r = editor
            .post_form(
                &path,
                &[
                    ("course", &course.training_course_id.to_string()),
                    ("section", "9"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Section: choose a section") || r.body.contains("Sección: elija"));
        assert_eq!(t.count("guide_use").await, 1);
        // A course of another country is refused, naming the course; nothing written.
        let th_course = t
            .app
            .create_course(
                By::Operator,
                &CourseInput {
                    institution_id: t.institution_id("DLPW").await.to_string(),
                    title: "Thai labour inspection course".into(),
                    stage: "integrated".into(),
                    is_virtual: "0".into(),
                    capacity: "20".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let th_id = th_course.training_course_id.to_string();
        let audits = t.count("audit_event").await;
        let r = editor
            .post_form(&path, &[("course", &th_id), ("section", "1")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains("Course: choose a training course") || r.body.contains("Curso: elija")
        );
        assert_eq!(t.count("guide_use").await, 1);
        assert_eq!(t.count("audit_event").await, audits);
        let err = t
            .app
            .add_guide_use(
                By::Operator,
                id,
                &atlas_core::guide_uses::UseInput {
                    course: th_id.clone(),
                    section: "1".into(),
                    note: String::new(),
                },
            )
            .await
            .unwrap_err();
        match err.rule() {
            Some(atlas_domain::Error::Invalid(fe)) => {
                assert_eq!(fe.get("course"), Some("guideuse-bad-course"))
            }
            other => panic!("{other:?}"),
        }
        // The Thai course is not offered either.
        let page = editor.get(&format!("/guide/docs/{id}")).await;
        assert!(!page.body.contains(&th_id));
        // A reader who may not edit sees the uses but not the form.
        let mut staff = t.signed_in("program_staff").await;
        let page = staff.get(&format!("/guide/docs/{id}")).await;
        assert!(page.body.contains(&course.title));
        // Another country's user gets 404 for the page and for both actions.
        let use_id = atlas_core::store::guide_uses::uses_of(&t.app.db, id)
            .await
            .unwrap()[0]
            .guide_use_id;
        let mut th = t.signed_in("official_th").await;
        assert_eq!(
            th.get(&format!("/guide/docs/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        let r = th
            .post_form(
                &path,
                &[
                    ("course", &course.training_course_id.to_string()),
                    ("section", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let remove = format!("/guide/docs/{id}/uses/{use_id}/remove");
        assert_eq!(
            th.post_form(&remove, &[]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(t.count("guide_use").await, 1);
        // Removal works and is audited with ids only.
        let r = editor.post_form(&remove, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.count("guide_use").await, 0);
        let ev = t.audit("guide.use.remove").await;
        let ev = ev.last().unwrap();
        assert_eq!(ev.entity_id, use_id.to_string());
        assert_eq!(
            ev.summary,
            format!(
                "document={id} course={} section=2",
                course.training_course_id
            )
        );
        let page = editor.get(&format!("/guide/docs/{id}")).await;
        assert!(!page.body.contains("class=\"uses\""), "gone from the list");
        assert!(
            page.body.contains("Todavía ningún curso") || page.body.contains("No training course")
        );
        assert!(!page.body.contains("Módulo 3"));
        // Removing it again is 404.
        assert_eq!(
            editor.post_form(&remove, &[]).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_guide_before_final_shows_no_uses_and_takes_none() {
    for t in TestApp::all_with_demo().await {
        let id = guide_at(&t, &TO_FINAL).await;
        let filter = CourseFilter {
            country: Some("AR".into()),
            ..Default::default()
        };
        let course = list_courses(&t.app.db, &filter).await.unwrap()[0].clone();
        let mut editor = t.signed_in("caseworker").await;
        let r = editor
            .post_form(
                &format!("/guide/docs/{id}/uses"),
                &[
                    ("course", &course.training_course_id.to_string()),
                    ("section", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = editor.get(&format!("/guide/docs/{id}")).await;
        assert!(page.body.contains(&course.title), "final: shown");
        // Moved back to refinement (with a reason), the guide is a draft again.
        let v = atlas_core::store::guide_docs::get_document(&t.app.db, id)
            .await
            .unwrap()
            .unwrap()
            .doc
            .version;
        t.app
            .move_guide(
                By::Operator,
                id,
                "refinement",
                "Falta un anexo",
                &v.to_string(),
            )
            .await
            .unwrap();
        for path in [
            format!("/guide/docs/{id}"),
            format!("/guide/docs/{id}/print"),
        ] {
            let page = editor.get(&path).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.body.contains(&course.title), "{path}: not shown");
            assert!(!page.body.contains("Where it is used") && !page.body.contains("Dónde se usa"));
        }
        // And records no new use: nothing written, nothing audited.
        let (uses, audits) = (t.count("guide_use").await, t.count("audit_event").await);
        let r = editor
            .post_form(
                &format!("/guide/docs/{id}/uses"),
                &[
                    ("course", &course.training_course_id.to_string()),
                    ("section", "2"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(t.count("guide_use").await, uses);
        assert_eq!(t.count("audit_event").await, audits);
        // The demo guide is in review: it shows no uses section.
        let demo = atlas_core::store::guide_docs::list_documents(&t.app.db, Some("AR"))
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.doc.stage == "in_review")
            .expect("the demo guide is in review");
        let page = editor
            .get(&format!("/guide/docs/{}", demo.doc.guide_document_id))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("id=\"uses\""));
    }
}
