//! A person in Chromium: signs in, switches to Spanish, opens the directory; and every
//! page fits a 320 px wide screen with JavaScript off.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_e2e::{browser, click_and_wait, sign_in, start_app};
use atlas_testkit::TestApp;
use std::time::Duration;
use thirtyfour::prelude::*;

/// IUPFA's course, the first module, and the pre-test token of a person enrolled for
/// the occasion (the demo's people all have scores already).
async fn test_link(t: &TestApp) -> (uuid::Uuid, uuid::Uuid, String) {
    use atlas_core::By;
    let course = atlas_core::store::training::list_courses(&t.app.db, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.institution_acronym == "IUPFA")
        .unwrap()
        .training_course_id;
    let module = atlas_core::store::training::list_modules(&t.app.db)
        .await
        .unwrap()[0]
        .training_module_id;
    let pid = t
        .app
        .enrol(
            By::Operator,
            course,
            &atlas_core::domain::training::EnrolInput {
                full_name: "Persona De Prueba".into(),
                sex: "female".into(),
                age_band: "25_34".into(),
                occupation: "police".into(),
                institution_id: t.institution_id("IUPFA").await.to_string(),
                enrolled_on: "2026-02-02".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app
        .prepare_test_links(By::Operator, course)
        .await
        .unwrap();
    let (_, links) = t.app.test_links(By::Operator, course).await.unwrap();
    let token = links
        .into_iter()
        .find(|l| l.link.participant_id == pid && l.link.kind == "pre")
        .unwrap()
        .token;
    (course, module, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_switches_to_spanish_and_opens_the_directory() {
    let (_t, base) = start_app().await;
    let (_guard, d) = browser(true, 1024, 768).await;
    sign_in(&d, &base, "observer").await;
    assert_eq!(d.current_url().await.unwrap().path(), "/");
    assert!(
        d.find(By::Tag("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Donor Observer")
    );
    click_and_wait(&d, By::LinkText("Español")).await;
    let html = d.find(By::Tag("html")).await.unwrap();
    assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some("es"));
    click_and_wait(&d, By::LinkText("Directorio")).await;
    assert_eq!(d.current_url().await.unwrap().path(), "/directory");
    assert_eq!(
        d.find(By::Tag("h1")).await.unwrap().text().await.unwrap(),
        "Directorio"
    );
    let table = d
        .find(By::Tag("table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        table.contains("Argentina") && table.contains("Tailandia"),
        "{table}"
    );
    click_and_wait(&d, By::LinkText("Instituciones")).await;
    assert!(d.source().await.unwrap().contains("COPRETI"));
    d.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_work_without_javascript_and_fit_a_320_pixel_screen() {
    let (t, base) = start_app().await;
    let (_guard, d) = browser(false, 1024, 768).await;
    sign_in(&d, &base, "program_staff").await;
    assert_eq!(
        d.current_url().await.unwrap().path(),
        "/",
        "form sign-in works without JavaScript"
    );
    // Create an institution through the form, without JavaScript.
    d.goto(format!("{base}/directory/institutions/new"))
        .await
        .unwrap();
    d.find(By::Name("country"))
        .await
        .unwrap()
        .send_keys("Argentina")
        .await
        .unwrap();
    d.find(By::Name("name"))
        .await
        .unwrap()
        .send_keys("Fundación Ejemplo")
        .await
        .unwrap();
    // The acronym is taken: only the server can know, so the form comes back.
    d.find(By::Name("acronym"))
        .await
        .unwrap()
        .send_keys("PRV")
        .await
        .unwrap();
    d.find(By::Name("kind"))
        .await
        .unwrap()
        .send_keys("NGO")
        .await
        .unwrap();
    d.find(By::Name("level"))
        .await
        .unwrap()
        .send_keys("National")
        .await
        .unwrap();
    click_and_wait(&d, By::Css("main button[type=submit]")).await;
    assert_eq!(
        d.current_url().await.unwrap().path(),
        "/directory/institutions",
        "a rejected form comes back"
    );
    let src = d.source().await.unwrap();
    assert!(src.contains("Fundación Ejemplo"), "input kept");
    assert!(
        src.contains("This acronym is already used in this country"),
        "one message per field"
    );
    // Correct the acronym and submit again; wait for the navigation to finish.
    d.execute(
        "document.querySelector('[name=acronym]').value = 'FE';",
        vec![],
    )
    .await
    .unwrap();
    click_and_wait(&d, By::Css("main button[type=submit]")).await;
    let mut url = d.current_url().await.unwrap();
    for _ in 0..50 {
        if url.path() != "/directory/institutions" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        url = d.current_url().await.unwrap();
    }
    assert!(
        url.path().starts_with("/directory/institutions/0"),
        "not created: {url}"
    );
    assert!(
        d.find(By::Tag("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Fundación Ejemplo")
    );
    d.quit().await.unwrap();

    // Mobile width: no page scrolls sideways.
    let (_guard2, m) = browser(true, 1024, 768).await;
    m.set_window_rect(0, 0, 320, 800).await.unwrap();
    sign_in(&m, &base, "program_staff").await;
    let barrio = t.area_id("17 de Noviembre").await;
    let (course, module, token) = test_link(&t).await;
    for p in [
        "/",
        "/directory",
        "/directory/areas",
        &format!("/directory/areas/{barrio}"),
        "/directory/institutions",
        "/directory/institutions/new",
        "/training",
        "/training/courses",
        "/training/curriculum",
        &format!("/training/courses/{course}"),
        &format!("/training/courses/{course}/tests"),
        &format!("/training/courses/{course}/tests/links"),
        &format!("/training/courses/{course}/scores"),
        &format!("/training/curriculum/modules/{module}/questions"),
        &format!("/t/{token}"),
        "/account",
        "/results/dashboard?country=AR&period=FY2026-H1",
        "/results/dashboard",
        "/results/records?source=individuals_trained&country=AR&period=FY2026-H1",
        "/results/records?source=institutions_targeted&country=AR&period=FY2026-H1",
    ] {
        m.goto(format!("{base}{p}")).await.unwrap();
        atlas_e2e::assert_no_sideways_scroll(&m, p).await;
    }
    m.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facilitator_marks_attendance_and_the_training_figure_changes() {
    let (_t, base) = start_app().await;
    let (_guard, d) = browser(true, 1024, 768).await;
    sign_in(&d, &base, "facilitator").await;
    let trained = |d: WebDriver, base: String| async move {
        d.goto(format!("{base}/training")).await.unwrap();
        let cell = d.find(By::Css("td.num")).await.unwrap();
        cell.text().await.unwrap()
    };
    assert_eq!(trained(d.clone(), base.clone()).await, "72");
    // The facilitator sees only the course they facilitate.
    d.goto(format!("{base}/training/courses")).await.unwrap();
    let links = d.find_all(By::Css("main table a")).await.unwrap();
    assert_eq!(links.len(), 1, "one course");
    let href = links[0].attr("href").await.unwrap().unwrap();
    d.goto(format!("{base}{href}")).await.unwrap();
    click_and_wait(&d, By::XPath("//li[contains(., '2026-02-16')]/a")).await;
    // One cadet was excused that day: mark them present and save.
    let name: String = d
        .execute(
            "const ex = document.querySelector('input[type=radio][value=excused]:checked'); \
             document.querySelector('input[name=\"' + ex.name + '\"][value=present]').click(); \
             return ex.name;",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(name.starts_with("status-"));
    click_and_wait(&d, By::Css("main button[type=submit]")).await;
    for _ in 0..50 {
        if d.source().await.unwrap().contains("class=\"notice\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        trained(d.clone(), base.clone()).await,
        "73",
        "the cadet now completed the course"
    );
    d.quit().await.unwrap();
}
