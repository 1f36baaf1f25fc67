//! A facilitator in Chromium, JavaScript off, at 320 px: draws an area on the exercise
//! map click by click, undoes a stray click, finishes and saves it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_e2e::{browser, sign_in, start_app};
use thirtyfour::prelude::*;

/// Clicks the map picture `dx`, `dy` pixels from its centre and waits for the page.
async fn click_map(d: &WebDriver, dx: i64, dy: i64) {
    let before = d.current_url().await.unwrap().to_string();
    let img = d
        .find(By::Css("#draw ~ form input.mapclick"))
        .await
        .unwrap();
    img.scroll_into_view().await.unwrap();
    d.action_chain()
        .move_to_element_with_offset(&img, dx, dy)
        .click()
        .perform()
        .await
        .unwrap();
    atlas_e2e::wait_navigated(d, &before).await;
}

async fn press(d: &WebDriver, css: &str) {
    let before = d.current_url().await.unwrap().to_string();
    d.find(By::Css(css)).await.unwrap().click().await.unwrap();
    atlas_e2e::wait_navigated(d, &before).await;
}

/// How many vertices the page carries back in its hidden field.
async fn vertices(d: &WebDriver) -> usize {
    let v = d
        .find(By::Css("input[name=v]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap_or_default();
    v.split(';').filter(|x| !x.is_empty()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facilitator_draws_an_area_without_javascript_on_a_narrow_screen() {
    let (t, base) = start_app().await;
    let (_guard, d) = browser(false, 320, 800).await;
    sign_in(&d, &base, "mapping_facilitator").await;
    let ex = atlas_core::store::cartography::list_exercises(&t.app.db, Some("AR"))
        .await
        .unwrap()
        .remove(0)
        .exercise_id;
    d.goto(format!("{base}/cartography/exercises/{ex}?draw=area#draw"))
        .await
        .unwrap();
    // The picture keeps its 640 px in a scrolling box: its pixels are the map's.
    let w: i64 = d
        .execute(
            "return document.querySelector('input.mapclick').getBoundingClientRect().width;",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(w, 640);
    // The picture is wider than the screen: click near its centre.
    for (n, (dx, dy)) in [(-60, -60), (60, -60), (0, 50), (30, 90)]
        .into_iter()
        .enumerate()
    {
        click_map(&d, dx, dy).await;
        assert_eq!(vertices(&d).await, n + 1);
    }
    assert_eq!(vertices(&d).await, 4);
    press(&d, "button[value=undo]").await;
    assert_eq!(vertices(&d).await, 3);
    press(&d, "button[value=finish]").await;
    let src = d.source().await.unwrap();
    assert!(src.contains("/shapes\""), "the feature form is shown");
    d.find(By::Css("form[action$='/shapes'] input[name=description]"))
        .await
        .unwrap()
        .send_keys("Zona inundable")
        .await
        .unwrap();
    press(&d, "form[action$='/shapes'] button[type=submit]").await;
    let fs = atlas_core::store::cartography::list_features(&t.app.db, ex)
        .await
        .unwrap();
    let f = fs
        .iter()
        .find(|f| f.description == "Zona inundable")
        .expect("saved");
    let g: serde_json::Value = serde_json::from_str(&f.geometry).unwrap();
    assert_eq!(g["type"], "Polygon");
    assert_eq!(g["coordinates"][0].as_array().unwrap().len(), 4);
    assert!(d.source().await.unwrap().contains("Zona inundable"));
}
