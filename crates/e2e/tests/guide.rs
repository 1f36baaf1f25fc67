//! A review round in Chromium: an invited municipal reviewer comments on a quoted
//! passage of the demo guide, and the guide's editor resolves the comment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_e2e::{browser, sign_in, start_app};
use std::time::Duration;
use thirtyfour::prelude::*;

/// Waits (up to 10 s) until the page source contains `text`.
async fn wait_for(d: &WebDriver, text: &str) -> String {
    for _ in 0..100 {
        let src = d.source().await.unwrap();
        if src.contains(text) {
            return src;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {text:?}: {}", d.source().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_comments_on_a_passage_and_the_editor_resolves_it() {
    let (t, base) = start_app().await;
    let docs = atlas_core::store::guide_docs::list_documents(&t.app.db, Some("AR"))
        .await
        .unwrap();
    let doc = docs[0].doc.guide_document_id;
    let round = atlas_core::store::guide_docs::rounds_of(&t.app.db, doc)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status == "open")
        .unwrap()
        .guide_review_round_id;
    let (_guard, d) = browser(true, 1024, 768).await;
    // The municipal official is invited through her institution.
    sign_in(&d, &base, "municipal_official").await;
    d.goto(format!("{base}/guide/docs/{doc}")).await.unwrap();
    d.find(By::Css(format!("a[href='/guide/rounds/{round}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&d, "Comment on this section").await;
    d.find(By::Css("#sec-3 details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.find(By::Css("#sec-3 input[name=quote]"))
        .await
        .unwrap()
        .send_keys("La policía acompaña solo si la persona está en riesgo.")
        .await
        .unwrap();
    d.find(By::Css("#sec-3 textarea[name=body]"))
        .await
        .unwrap()
        .send_keys("Indicar qué comisaría de Lomas de Zamora acompaña.")
        .await
        .unwrap();
    d.find(By::Css("#sec-3 .comment-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let src = wait_for(&d, "Indicar qué comisaría de Lomas de Zamora acompaña.").await;
    assert!(src.contains(
        "<blockquote>La policía acompaña solo si la persona está en riesgo.</blockquote>"
    ));
    // A reviewer has no resolve form.
    let comment = atlas_core::store::guide_docs::comments_of(&t.app.db, round)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.c.body.starts_with("Indicar qué comisaría"))
        .unwrap()
        .c
        .guide_review_comment_id;
    assert!(
        d.find_all(By::Css(format!("#c-{comment} form")))
            .await
            .unwrap()
            .is_empty()
    );
    // The editor (program staff of Argentina) declines it with a reason.
    d.delete_all_cookies().await.unwrap();
    sign_in(&d, &base, "program_staff").await;
    d.goto(format!("{base}/guide/rounds/{round}"))
        .await
        .unwrap();
    d.find(By::Css(format!("#c-{comment} input[value=declined]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.find(By::Css(format!("#c-{comment} input[name=reason]")))
        .await
        .unwrap()
        .send_keys("La comisaría la define el PRV en cada caso.")
        .await
        .unwrap();
    d.find(By::Css(format!("#c-{comment} form button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&d, "La comisaría la define el PRV en cada caso.").await;
    let text = d
        .find(By::Css(format!("#c-{comment}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Declined"), "{text}");
    let stored = atlas_core::store::guide_docs::comments_of(&t.app.db, round)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.c.guide_review_comment_id == comment)
        .unwrap();
    assert_eq!(stored.c.resolution.as_deref(), Some("declined"));
    d.quit().await.unwrap();
}

/// A PRV guide moved to institutionalised whose second section a demo course uses: its
/// page shows the uses list and the form to record one.
async fn institutionalised_guide_with_a_use(t: &atlas_testkit::TestApp) -> uuid::Uuid {
    use atlas_core::By;
    let id = t
        .app
        .create_guide_document(
            By::Operator,
            &atlas_core::domain::guide_docs::GuideInput {
                institution_id: t.institution_id("PRV").await.to_string(),
                area_id: t.area_id("Buenos Aires").await.to_string(),
                title: "Guía institucionalizada".into(),
                language: "es".into(),
            },
        )
        .await
        .unwrap()
        .guide_document_id;
    let sections = [
        ("Primer contacto", "Llamar al 145."),
        ("Derivación a los servicios de protección", "Avisar al PRV."),
    ]
    .map(|(h, b)| atlas_core::domain::guide_docs::SectionInput {
        heading: h.into(),
        body: b.into(),
    });
    t.app
        .save_guide_text(By::Operator, id, &sections, "", "1")
        .await
        .unwrap();
    let stages = [
        "drafting",
        "in_review",
        "refinement",
        "final",
        "institutionalised",
    ];
    for (v, stage) in (2..).zip(stages) {
        t.app
            .move_guide(By::Operator, id, stage, "", &v.to_string())
            .await
            .unwrap();
    }
    let filter = atlas_core::store::training::CourseFilter {
        country: Some("AR".into()),
        ..Default::default()
    };
    let course = atlas_core::store::training::list_courses(&t.app.db, &filter)
        .await
        .unwrap()[0]
        .training_course_id;
    t.app
        .add_guide_use(
            By::Operator,
            id,
            &atlas_core::guide_uses::UseInput {
                course: course.to_string(),
                section: "2".into(),
                note: "Material del módulo de derivación".into(),
            },
        )
        .await
        .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guide_document_pages_fit_a_320_pixel_screen() {
    let (t, base) = start_app().await;
    let doc = atlas_core::store::guide_docs::list_documents(&t.app.db, Some("AR"))
        .await
        .unwrap()[0]
        .doc
        .guide_document_id;
    let rounds = atlas_core::store::guide_docs::rounds_of(&t.app.db, doc)
        .await
        .unwrap();
    let used = institutionalised_guide_with_a_use(&t).await;
    let (_guard, m) = browser(true, 1024, 768).await;
    m.set_window_rect(0, 0, 320, 800).await.unwrap();
    sign_in(&m, &base, "program_staff").await;
    let mut pages = vec![
        "/guide/protocols?country=AR".to_owned(),
        "/guide/protocols/new?country=AR".to_owned(),
        "/guide/docs?country=AR".to_owned(),
        format!("/guide/docs/{doc}"),
        format!("/guide/docs/{doc}/edit"),
        format!("/guide/docs/{doc}/compare?a=1&b=2"),
        format!("/guide/docs/{doc}/print"),
        "/guide/services?country=AR".to_owned(),
        format!("/guide/docs/{used}"),
        format!("/guide/docs/{used}/print"),
    ];
    pages.extend(
        rounds
            .iter()
            .map(|r| format!("/guide/rounds/{}", r.guide_review_round_id)),
    );
    for p in &pages {
        m.goto(format!("{base}{p}")).await.unwrap();
        atlas_e2e::assert_no_sideways_scroll(&m, p).await;
    }
    // The institutionalised guide's page does list its use, and offers the form.
    m.goto(format!("{base}/guide/docs/{used}")).await.unwrap();
    let src = m.source().await.unwrap();
    assert!(src.contains("Material del módulo de derivación"), "{src}");
    assert!(src.contains("id=\"f-use-course\""));
    m.quit().await.unwrap();
}
