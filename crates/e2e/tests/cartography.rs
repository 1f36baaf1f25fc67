//! The map and the poster in Chromium: a mapping facilitator adds a point on the demo
//! exercise's map with the point form, and it appears on the printable poster.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_e2e::{browser, sign_in, start_app};
use std::time::Duration;
use thirtyfour::prelude::*;

/// How many market icons the poster draws (points and the legend's sample).
async fn markets_on_poster(d: &WebDriver, base: &str, id: uuid::Uuid) -> usize {
    d.goto(format!("{base}/cartography/exercises/{id}/poster"))
        .await
        .unwrap();
    let src = d.source().await.unwrap();
    assert!(src.contains("class=\"poster a3\""), "{src}");
    src.matches("href=\"#p-market\"").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facilitator_adds_a_point_and_it_appears_on_the_poster() {
    let (t, base) = start_app().await;
    let id = atlas_core::store::cartography::list_exercises(&t.app.db, Some("AR"))
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.name == "Mapeo participativo 17 de Noviembre")
        .unwrap()
        .exercise_id;
    let (_guard, d) = browser(false, 1024, 900).await;
    sign_in(&d, &base, "mapping_facilitator").await;
    let before = markets_on_poster(&d, &base, id).await;
    assert!(before >= 2, "the demo's market and its legend entry");

    d.goto(format!("{base}/cartography/exercises/{id}"))
        .await
        .unwrap();
    let form = "form[action$='/features']";
    d.find(By::Css(format!(
        "{form} select[name=category] option[value=market]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    for (name, value) in [
        ("description", "Feria nueva de los domingos"),
        ("lon", "-58.4228"),
        ("lat", "-34.7280"),
    ] {
        d.find(By::Css(format!("{form} input[name={name}]")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    d.find(By::Css(format!("{form} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut shown = false;
    for _ in 0..100 {
        if d.source()
            .await
            .unwrap()
            .contains("Feria nueva de los domingos")
        {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        shown,
        "the point was not added: {}",
        d.source().await.unwrap()
    );
    assert_eq!(markets_on_poster(&d, &base, id).await, before + 1);
    // Switching the economic layer off on the poster hides every market point.
    d.find(By::Css("input[name=layer][value=economic]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.find(By::Css("form.poster-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if d.current_url().await.unwrap().query().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let src = d.source().await.unwrap();
    assert!(!src.contains("class=\"layer d-economic\""));
    assert_eq!(src.matches("href=\"#p-market\"").count(), 0);
    d.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_and_poster_pages_fit_a_320_pixel_screen() {
    let (t, base) = start_app().await;
    let id = atlas_core::store::cartography::list_exercises(&t.app.db, Some("AR"))
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.name == "Mapeo participativo 17 de Noviembre")
        .unwrap()
        .exercise_id;
    let (_guard, m) = browser(true, 1024, 768).await;
    m.set_window_rect(0, 0, 320, 800).await.unwrap();
    sign_in(&m, &base, "mapping_facilitator").await;
    for p in [
        format!("/cartography/exercises/{id}/network"),
        format!("/cartography/exercises/{id}/poster"),
        format!("/cartography/exercises/{id}/poster?paper=a4&layer=social"),
    ] {
        m.goto(format!("{base}{p}")).await.unwrap();
        atlas_e2e::assert_no_sideways_scroll(&m, &p).await;
    }
    m.quit().await.unwrap();
}
