//! Social cartography through the router on both databases: the exercises API lists
//! only what the caller may see, the GeoJSON (API and exports) keeps restricted features
//! from observers and never gives a generalised one at full precision, imports report
//! each bad feature or row and write nothing, another country's exercise is not found,
//! points are added by typing or clicking the map, a feature's workshop, times and
//! vulnerability tags are checked, round-trip through GeoJSON and CSV and follow its
//! sensitivity, and the action plan rolls progress up and is public only when switched
//! on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::cartography::{DEFAULT_GRID_DEGREES, ExerciseInput, Pos, snap};
use atlas_testkit::TestApp;
use axum::http::{Method, StatusCode};
use uuid::Uuid;

async fn api(t: &TestApp, user: &str, path: &str) -> (StatusCode, serde_json::Value) {
    let mut c = t.client();
    c.bearer = Some(t.token(user).await);
    let r = c.json(Method::GET, path, None).await;
    let body = if r.status == StatusCode::OK {
        serde_json::from_str(&r.body).unwrap()
    } else {
        serde_json::Value::Null
    };
    (r.status, body)
}

async fn demo_exercise(t: &TestApp) -> Uuid {
    atlas_core::store::cartography::list_exercises(&t.app.db, Some("AR"))
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.name == "Mapeo participativo 17 de Noviembre")
        .expect("demo exercise")
        .exercise_id
}

async fn thai_exercise(t: &TestApp) -> Uuid {
    let area = t.area_id("Bangkok Metropolis").await;
    t.app
        .create_exercise(
            By::Operator,
            &ExerciseInput {
                area_id: area.to_string(),
                name: "Bangkok mapping".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .exercise_id
}

async fn feature_count(t: &TestApp, id: Uuid) -> usize {
    atlas_core::store::cartography::list_features(&t.app.db, id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn the_api_lists_only_the_exercises_the_caller_may_see() {
    for t in TestApp::all_with_demo().await {
        let ar = demo_exercise(&t).await;
        let th = thai_exercise(&t).await;
        let ids = |b: &serde_json::Value| -> Vec<String> {
            b["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let (status, b) = api(&t, "mapping_facilitator", "/api/v1/cartography/exercises").await;
        assert_eq!(status, StatusCode::OK, "{}", t.name());
        assert_eq!(ids(&b), vec![ar.to_string()]);
        let item = &b["items"][0];
        assert_eq!(item["name"], "Mapeo participativo 17 de Noviembre");
        assert_eq!(
            item["area_id"],
            t.area_id("17 de Noviembre").await.to_string()
        );
        let (_, b) = api(&t, "official_th", "/api/v1/cartography/exercises").await;
        assert_eq!(ids(&b), vec![th.to_string()]);
        // Observers read every country.
        let (_, b) = api(&t, "observer", "/api/v1/cartography/exercises").await;
        let all = ids(&b);
        assert!(all.contains(&ar.to_string()) && all.contains(&th.to_string()));
        // The page lists the same.
        let mut c = t.signed_in("mapping_facilitator").await;
        let page = c.get("/cartography").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("/cartography/exercises/{ar}")));
        assert!(!page.body.contains(&format!("/cartography/exercises/{th}")));
    }
}

fn has_restricted(b: &serde_json::Value) -> bool {
    b["features"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["properties"]["sensitivity"] == "restricted")
}

#[tokio::test]
async fn restricted_features_reach_facilitators_only_and_generalised_ones_are_snapped() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let path = format!("/api/v1/cartography/exercises/{id}/features.geojson");
        let (status, obs) = api(&t, "observer", &path).await;
        assert_eq!(status, StatusCode::OK, "{}", t.name());
        assert_eq!(obs["type"], "FeatureCollection");
        let feats = obs["features"].as_array().unwrap();
        assert_eq!(feats.len(), 14, "15 demo features less the restricted one");
        for f in feats {
            for k in ["category", "dimension", "sensitivity"] {
                assert!(f["properties"][k].is_string(), "{k} missing: {f}");
            }
        }
        assert!(
            feats
                .iter()
                .any(|f| f["properties"]["dimension"] == "economic")
        );
        assert!(!has_restricted(&obs));
        let (_, fac) = api(&t, "mapping_facilitator", &path).await;
        assert_eq!(fac["features"].as_array().unwrap().len(), 15);
        assert!(has_restricted(&fac));
        let kiln = fac["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["category"] == "brick_kiln")
            .unwrap();
        assert_eq!(kiln["geometry"]["coordinates"][0], -58.4256);
        // A municipal official of the country reads the map but not restricted features.
        let (_, off) = api(&t, "municipal_official", &path).await;
        assert!(!has_restricted(&off));

        // The generalised workshop is snapped for everyone, facilitators too.
        let want = snap(
            Pos {
                lon: -58.4222,
                lat: -34.7294,
            },
            DEFAULT_GRID_DEGREES,
        );
        for b in [&obs, &fac] {
            let w = b["features"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["properties"]["category"] == "workshop")
                .unwrap();
            assert_eq!(w["properties"]["sensitivity"], "generalised");
            let c = &w["geometry"]["coordinates"];
            assert!((c[0].as_f64().unwrap() - want.lon).abs() < 1e-9, "{c}");
            assert!((c[1].as_f64().unwrap() - want.lat).abs() < 1e-9, "{c}");
            assert_ne!(c[0].as_f64().unwrap(), -58.4222);
        }

        // Pages and exports follow the same rules.
        let mut o = t.signed_in("observer").await;
        let page = o.get(&format!("/cartography/exercises/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<svg"));
        assert!(!page.body.contains("Horno de ladrillos"));
        assert!(!page.body.contains("-58.42220"));
        let csv = o
            .get(&format!("/cartography/exercises/{id}/export/features.csv"))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.body
                .starts_with("lon,lat,category,description,sensitivity")
        );
        assert!(!csv.body.contains("restricted"));
        assert!(!csv.body.contains("-58.4222,"));
        assert!(csv.body.contains(&format!("{},{}", want.lon, want.lat)));
        let gj = o
            .get(&format!(
                "/cartography/exercises/{id}/export/features.geojson"
            ))
            .await;
        assert!(!gj.body.contains("restricted"));
        let mut f = t.signed_in("mapping_facilitator").await;
        let page = f.get(&format!("/cartography/exercises/{id}")).await;
        assert!(page.body.contains("Horno de ladrillos"));
        let svg = f
            .get(&format!(
                "/cartography/exercises/{id}/map.svg?layers=economic"
            ))
            .await;
        assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
        assert!(svg.body.contains("#i-brick_kiln"));
        assert!(!svg.body.contains("#i-school\" x"), "social layer hidden");
        assert!(!t.audit("cartography.export").await.is_empty());
    }
}

#[tokio::test]
async fn a_bad_import_names_each_feature_or_row_and_writes_nothing() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let before = feature_count(&t, id).await;
        let mut c = t.signed_in("mapping_facilitator").await;
        let geojson = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"category":"school"},"geometry":{"type":"Point","coordinates":[-58.423,-34.728]}},
          {"type":"Feature","id":"k9","properties":{"category":"dump"},"geometry":{"type":"Polygon","coordinates":[[[-58.42,-34.72],[-58.41,-34.72],[-58.41,-34.73]]]}},
          {"type":"Feature","properties":{"category":"school"},"geometry":{"type":"Point","coordinates":[-58.423,-95]}}]}"#;
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/import"),
                &[("format", "geojson"), ("text", geojson)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
        assert!(r.body.contains("features[1] (k9)"), "{}", r.body);
        assert!(r.body.contains("features[2]"));
        assert!(!r.body.contains("features[0]"));
        assert_eq!(feature_count(&t, id).await, before);
        let csv = "lon,lat,category,description,sensitivity\n-58.423,-34.728,school,ok,public\n-58.423,-34.728,nowhere,,\n";
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/import"),
                &[("format", "csv"), ("text", csv)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("row 3: category"), "{}", r.body);
        assert_eq!(feature_count(&t, id).await, before);
        // A good CSV goes in whole.
        let good = "lon,lat,category,description,sensitivity\n-58.423,-34.728,school,Jardín,public\n-58.421,-34.729,market,,generalised\n";
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/import"),
                &[("format", "csv"), ("text", good)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(feature_count(&t, id).await, before + 2);
        // Observers cannot import.
        let mut o = t.signed_in("observer").await;
        let r = o
            .post_form(
                &format!("/cartography/exercises/{id}/import"),
                &[("format", "csv"), ("text", good)],
            )
            .await;
        assert!(matches!(
            r.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ));
        assert_eq!(feature_count(&t, id).await, before + 2);
    }
}

#[tokio::test]
async fn another_countrys_exercise_is_not_found() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let (status, _) = api(
            &t,
            "official_th",
            &format!("/api/v1/cartography/exercises/{id}/features.geojson"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", t.name());
        let (status, _) = api(
            &t,
            "observer",
            &format!(
                "/api/v1/cartography/exercises/{}/features.geojson",
                Uuid::now_v7()
            ),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let mut c = t.signed_in("official_th").await;
        for p in [
            format!("/cartography/exercises/{id}"),
            format!("/cartography/exercises/{id}/plan"),
            format!("/cartography/exercises/{id}/export/features.csv"),
        ] {
            assert_eq!(c.get(&p).await.status, StatusCode::NOT_FOUND, "{p}");
        }
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/features"),
                &[("category", "school"), ("lon", "-58.42"), ("lat", "-34.73")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A Thai facilitator's colleague cannot create an exercise in Argentina either.
        let th = thai_exercise(&t).await;
        let mut f = t.signed_in("mapping_facilitator").await;
        assert_eq!(
            f.get(&format!("/cartography/exercises/{th}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_point_is_added_typed_or_clicked_and_bad_fields_are_named() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let before = feature_count(&t, id).await;
        let mut c = t.signed_in("mapping_facilitator").await;
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/features"),
                &[("category", "school"), ("lon", "200"), ("lat", "-34.73")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
        assert!(r.body.contains("aria-invalid"));
        assert_eq!(feature_count(&t, id).await, before);
        // A click in the middle of the map lands inside the barrio's boundary.
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/features"),
                &[
                    ("category", "meeting_place"),
                    ("description", "Plaza"),
                    ("sensitivity", "public"),
                    ("lon", ""),
                    ("lat", ""),
                    ("map.x", "320"),
                    ("map.y", "300"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let fs = atlas_core::store::cartography::list_features(&t.app.db, id)
            .await
            .unwrap();
        let added = fs.iter().find(|f| f.description == "Plaza").unwrap();
        let g: serde_json::Value = serde_json::from_str(&added.geometry).unwrap();
        let lon = g["coordinates"][0].as_f64().unwrap();
        let lat = g["coordinates"][1].as_f64().unwrap();
        assert!((-58.4265..=-58.4198).contains(&lon), "{lon}");
        assert!((-34.7318..=-34.7262).contains(&lat), "{lat}");
        // It appears on the map.
        let page = c.get(&format!("/cartography/exercises/{id}")).await;
        assert!(page.body.contains("Plaza"));
        assert_eq!(t.audit("cartography.feature.create").await.len(), 1);
        // Workshops need consent and never take names.
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/workshops"),
                &[
                    ("held_on", "2026-05-02"),
                    ("place", "Capilla"),
                    ("youth", "4"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            atlas_core::store::cartography::list_workshops(&t.app.db, id)
                .await
                .unwrap()
                .len(),
            2
        );
    }
}

#[tokio::test]
async fn a_parent_action_progress_is_computed_from_its_children() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let mut c = t.signed_in("mapping_facilitator").await;
        let plan = c.get(&format!("/cartography/exercises/{id}/plan")).await;
        assert_eq!(plan.status, StatusCode::OK, "{}", t.name());
        // Children: done (100) and in progress at 40 → the parent shows 70, not its own 50.
        let row = |body: &str, title: &str| -> String {
            let i = body.find(title).unwrap();
            let rest = &body[i..];
            rest[..rest.find("</tr>").unwrap()].to_owned()
        };
        let parent = row(&plan.body, "Fortalecer las instituciones de cuidado");
        assert!(parent.contains("value=\"70\""), "{parent}");
        assert!(parent.contains("ARS 5,000,000.00"));
        // The municipal official updates the action of her institution…
        let actions = atlas_core::store::cartography::list_actions(&t.app.db, id)
            .await
            .unwrap();
        let centre = actions
            .iter()
            .find(|a| a.title.starts_with("Abrir un centro"))
            .unwrap();
        let lights = actions
            .iter()
            .find(|a| a.title.starts_with("Iluminar"))
            .unwrap();
        let mut m = t.signed_in("municipal_official").await;
        let r = m
            .post_form(
                &format!("/cartography/actions/{}/updates", lights.action_id),
                &[
                    ("status", "in_progress"),
                    ("progress", "30"),
                    ("note", "Licitación"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // …but not one of the province.
        let r = m
            .post_form(
                &format!("/cartography/actions/{}/updates", centre.action_id),
                &[("status", "done")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // The facilitator closes the day centre: the parent reaches 100.
        let r = c
            .post_form(
                &format!("/cartography/actions/{}/updates", centre.action_id),
                &[("status", "done"), ("note", "Abierto")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let plan = c.get(&format!("/cartography/exercises/{id}/plan")).await;
        let parent = row(&plan.body, "Fortalecer las instituciones de cuidado");
        assert!(parent.contains("value=\"100\""), "{parent}");
        assert!(plan.body.contains("Licitación"));
        // A negative budget and an unknown institution are named, nothing written.
        let n = actions.len();
        let mlz = t.institution_id("MLZ").await.to_string();
        let unknown = Uuid::now_v7().to_string();
        for (inst, budget, msg) in [
            (mlz.as_str(), "-5", "A budget cannot be negative."),
            (unknown.as_str(), "5", "Unknown institution"),
        ] {
            let r = c
                .post_form(
                    &format!("/cartography/exercises/{id}/actions"),
                    &[
                        ("title", "X"),
                        ("institution_id", inst),
                        ("level", "municipal"),
                        ("budget", budget),
                        ("currency", "ARS"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.body.contains(msg), "{msg}");
        }
        // An institution of another country is unknown here too.
        let dlpw = t.institution_id("DLPW").await.to_string();
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/actions"),
                &[
                    ("title", "X"),
                    ("institution_id", &dlpw),
                    ("level", "municipal"),
                    ("currency", "ARS"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            atlas_core::store::cartography::list_actions(&t.app.db, id)
                .await
                .unwrap()
                .len(),
            n
        );
        assert_eq!(t.audit("cartography.action.update").await.len(), 3);
    }
}

#[tokio::test]
async fn the_public_plan_page_is_not_found_until_switched_on() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let mut anon = t.client();
        assert_eq!(
            anon.get(&format!("/plans/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "{}",
            t.name()
        );
        // An observer cannot switch it on.
        let mut o = t.signed_in("observer").await;
        let r = o
            .post_form(
                &format!("/cartography/exercises/{id}/public"),
                &[("public", "1")],
            )
            .await;
        assert!(matches!(
            r.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ));
        assert_eq!(
            anon.get(&format!("/plans/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        let mut c = t.signed_in("mapping_facilitator").await;
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/public"),
                &[("public", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = anon.get(&format!("/plans/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("ARS 5,000,000.00"));
        assert!(page.body.contains("Iluminar el descampado"));
        // No map layer that is not public: the generalised and restricted features
        // linked to actions are not named, and no form is offered.
        assert!(!page.body.contains("Brick kiln"));
        assert!(!page.body.contains("Place of risk"));
        assert!(page.body.contains("Community kitchen"), "{}", page.body);
        assert!(
            !page
                .body
                .contains("<form method=\"post\" action=\"/cartography")
        );
        assert_eq!(t.audit("cartography.plan.public").await.len(), 1);
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/public"),
                &[("public", "0")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            anon.get(&format!("/plans/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

fn gz_size(body: &str) -> usize {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    gz.finish().unwrap().len()
}

#[tokio::test]
async fn cartography_pages_render_in_three_languages_with_csrf_and_within_budget() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        t.app.set_plan_public(By::Operator, id, true).await.unwrap();
        let mut c = t.signed_in("mapping_facilitator").await;
        let pages = [
            "/cartography".to_owned(),
            format!("/cartography/exercises/{id}"),
            format!("/cartography/exercises/{id}?layers=social,cultural"),
            format!(
                "/cartography/exercises/{id}?draw=area&v=-58.425,-34.731;-58.421,-34.731;-58.421,-34.727&op=finish"
            ),
            format!("/cartography/exercises/{id}/plan"),
            format!("/cartography/exercises/{id}/categories"),
            format!("/plans/{id}"),
        ];
        for lang in ["en", "es", "th"] {
            c.get(&format!("/lang/{lang}")).await;
            for p in &pages {
                let r = c.get(p).await;
                assert_eq!(r.status, StatusCode::OK, "{} {lang} {p}", t.name());
                assert!(r.body.contains(&format!("<html lang=\"{lang}\">")), "{p}");
                assert!(
                    !r.body.contains("Unknown localization key"),
                    "{lang} {p} lacks a translation"
                );
                for form in r.body.split("<form").skip(1) {
                    let head = &form[..form.find('>').unwrap()];
                    if head.contains("method=\"post\"") {
                        assert!(
                            form.contains("name=\"csrf\""),
                            "{p}: POST form without CSRF"
                        );
                    }
                }
                let size = gz_size(&r.body);
                assert!(size <= 14 * 1024, "{p} is {size} bytes compressed");
            }
        }
        // A layer left out is not drawn; the others are.
        c.get("/lang/en").await;
        let r = c
            .get(&format!("/cartography/exercises/{id}?layers=social"))
            .await;
        assert!(r.body.contains("class=\"layer d-social\""));
        assert!(!r.body.contains("class=\"layer d-economic\""));
    }
}

/// The value of the first hidden input `name` after `from` in a page.
fn hidden(body: &str, from: &str, name: &str) -> String {
    let start = body
        .find(from)
        .unwrap_or_else(|| panic!("{from} not in page"));
    let rest = &body[start..];
    let k = format!("type=\"hidden\" name=\"{name}\" value=\"");
    let i = rest.find(&k).unwrap_or_else(|| panic!("no hidden {name}")) + k.len();
    rest[i..i + rest[i..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn an_area_is_drawn_click_by_click_checked_and_saved_like_an_import() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let before = feature_count(&t, id).await;
        let mut c = t.signed_in("mapping_facilitator").await;
        let base = format!("/cartography/exercises/{id}");
        let page = c.get(&format!("{base}?draw=area")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name());
        assert!(page.body.contains("id=\"draw\""));
        // Four clicks and one undone: each page carries the vertices back.
        let mut v = String::new();
        for (x, y) in [(250, 250), (390, 250), (390, 350), (100, 100), (250, 350)] {
            let r = c
                .get(&format!("{base}?draw=area&v={v}&map.x={x}&map.y={y}"))
                .await;
            assert_eq!(r.status, StatusCode::OK);
            v = hidden(&r.body, "id=\"draw\"", "v");
            if (x, y) == (100, 100) {
                let r = c.get(&format!("{base}?draw=area&v={v}&op=undo")).await;
                v = hidden(&r.body, "id=\"draw\"", "v");
            }
        }
        assert_eq!(v.split(';').count(), 4, "{v}");
        // The sketch is drawn on the picture the next click goes to.
        let svg = c.get(&format!("{base}/map.svg?draw=area&v={v}")).await.body;
        assert!(svg.contains("class=\"sketch\""));
        assert_eq!(svg.matches("<circle cx=").count(), 4);
        // A tampered vertex list is dropped with a message, never trusted.
        let r = c.get(&format!("{base}?draw=area&v=1,2;x,3")).await;
        assert_eq!(hidden(&r.body, "id=\"draw\"", "v"), "");
        assert!(r.body.contains("The vertices could not be read"));
        // Finish shows the feature form with area categories only.
        let r = c.get(&format!("{base}?draw=area&v={v}&op=finish")).await;
        let form = &r.body[r.body.find("/shapes\"").expect("feature form")..];
        let form = &form[..form.find("</form>").unwrap()];
        assert!(form.contains("value=\"dump\"") && !form.contains("value=\"school\""));
        assert_eq!(hidden(&r.body, "/shapes\"", "vertices"), v);
        // A bow tie is refused with a clear message and nothing is written.
        let (w, e) = (-58.4250, -58.4210);
        let (s, n) = (-34.7310, -34.7270);
        let bow = format!("{w},{s};{e},{n};{e},{s};{w},{n}");
        let r = c
            .post_form(
                &format!("{base}/shapes"),
                &[("kind", "area"), ("vertices", &bow), ("category", "dump")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("The polygon crosses itself"), "{}", r.body);
        // A point category for an area, and a line of one position, are refused too.
        let r = c
            .post_form(
                &format!("{base}/shapes"),
                &[("kind", "area"), ("vertices", &v), ("category", "school")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("does not allow this kind of geometry"));
        let r = c
            .post_form(
                &format!("{base}/shapes"),
                &[
                    ("kind", "line"),
                    ("vertices", "-58.42,-34.73"),
                    ("category", "route"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("A line needs at least two positions"));
        assert_eq!(feature_count(&t, id).await, before);
        // The good one is saved, closed, and audited as a feature creation.
        let r = c
            .post_form(
                &format!("{base}/shapes"),
                &[
                    ("kind", "area"),
                    ("vertices", &v),
                    ("category", "dump"),
                    ("description", "Basural nuevo"),
                    ("sensitivity", "public"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let fs = atlas_core::store::cartography::list_features(&t.app.db, id)
            .await
            .unwrap();
        let added = fs
            .iter()
            .find(|f| f.description == "Basural nuevo")
            .unwrap();
        let g: serde_json::Value = serde_json::from_str(&added.geometry).unwrap();
        assert_eq!(g["type"], "Polygon");
        let ring = g["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), 5);
        assert_eq!(ring[0], ring[4]);
        let audit = t.audit("cartography.feature.create").await;
        assert_eq!(audit.len(), 1);
        assert!(
            audit[0].summary.contains("kind=area"),
            "{}",
            audit[0].summary
        );
        // Typed vertices make a line as well.
        let typed = "-58.4250 -34.7300\n-58.4230 -34.7290\n";
        let r = c
            .get(&format!(
                "{base}?draw=line&op=typed&typed={}",
                typed.replace(' ', "+").replace('\n', "%0A")
            ))
            .await;
        assert_eq!(hidden(&r.body, "id=\"draw\"", "v").split(';').count(), 2);
        let r = c
            .get(&format!(
                "{base}?draw=line&op=typed&typed=-58.42+-34.73%0Anope"
            ))
            .await;
        assert!(r.body.contains("Line 2"), "the bad typed line is named");
        // Observers get no drawing mode; another country's user gets nothing.
        let mut o = t.signed_in("observer").await;
        let r = o.get(&format!("{base}?draw=area")).await;
        assert!(!r.body.contains("id=\"draw\""));
        let mut th = t.signed_in("official_th").await;
        let r = th
            .post_form(
                &format!("{base}/shapes"),
                &[("kind", "area"), ("vertices", &v), ("category", "dump")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(feature_count(&t, id).await, before + 1);
    }
}

async fn category_count(t: &TestApp, id: Uuid) -> usize {
    atlas_core::store::cartography::list_categories(&t.app.db, id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn an_exercise_adds_its_own_categories_with_sanitised_icons_used_by_map_and_export() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let mut c = t.signed_in("mapping_facilitator").await;
        let path = format!("/cartography/exercises/{id}/categories");
        let page = c.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name());
        assert!(
            page.body.contains("<code>brick_kiln</code>"),
            "defaults listed"
        );
        let form = |code: &'static str, kind: &'static str, icon: String| {
            vec![
                ("code", code.to_owned()),
                ("kind", kind.to_owned()),
                ("dimension", "economic".to_owned()),
                ("colour", "#aa3300".to_owned()),
                ("label_en", "Cart route".to_owned()),
                ("label_es", "Ruta de carreros".to_owned()),
                ("label_th", "เส้นทางรถเข็น".to_owned()),
                ("icon", icon),
            ]
        };
        let svg = |inner: &str| {
            format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"{inner}</svg>")
        };
        let payloads = [
            (svg("><script>alert(1)</script>"), "icon (script)"),
            (svg(" onload=\"alert(1)\">"), "icon (onload)"),
            (
                svg("><a href=\"javascript:alert(1)\"><path d=\"M0 0\"/></a>"),
                "icon (a)",
            ),
            (
                svg("><foreignObject><div>x</div></foreignObject>"),
                "icon (foreignObject)",
            ),
            (
                svg("><path style=\"fill:url(javascript:alert(1))\" d=\"M0 0\"/>"),
                "icon (style)",
            ),
        ];
        for (icon, named) in payloads {
            let fields = form("cart_route", "line", icon);
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = c.post_form(&path, &f).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{named}");
            assert!(r.body.contains(named), "{named} not named");
            assert!(
                !r.body.contains("<script>alert"),
                "payload echoed unescaped"
            );
            assert_eq!(category_count(&t, id).await, 0);
        }
        assert!(t.audit("cartography.category.create").await.is_empty());
        // A default code is taken.
        let good = svg("><path d=\"M1 9L9 1\" stroke=\"#fff\" stroke-width=\"2\"/>");
        let fields = form("school", "line", good.clone());
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form(&path, &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Another category already uses this code"));
        let fields = form("cart_route", "line", good);
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form(&path, &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(category_count(&t, id).await, 1);
        assert_eq!(t.audit("cartography.category.create").await.len(), 1);
        // A feature of the new category comes in through GeoJSON; a point of it is refused.
        let before = feature_count(&t, id).await;
        let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"cart_route"},"geometry":{"type":"Point","coordinates":[-58.423,-34.729]}}]}"#;
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/import"),
                &[("format", "geojson"), ("text", point)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("does not allow this kind of geometry"));
        assert_eq!(feature_count(&t, id).await, before);
        let line = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"cart_route","description":"Carreros"},"geometry":{"type":"LineString","coordinates":[[-58.425,-34.730],[-58.421,-34.728]]}}]}"#;
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/import"),
                &[("format", "geojson"), ("text", line)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The map draws it in its colour with its icon in the legend and its label.
        let page = c.get(&format!("/cartography/exercises/{id}")).await;
        assert!(page.body.contains("<symbol id=\"i-cart_route\""));
        assert!(page.body.contains("stroke=\"#aa3300\""));
        assert!(page.body.contains("Cart route: Carreros"));
        c.get("/lang/es").await;
        let page = c.get(&format!("/cartography/exercises/{id}")).await;
        assert!(page.body.contains("Ruta de carreros"));
        // The export carries its category and dimension.
        let (_, b) = api(
            &t,
            "observer",
            &format!("/api/v1/cartography/exercises/{id}/features.geojson"),
        )
        .await;
        let f = b["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["category"] == "cart_route")
            .expect("exported");
        assert_eq!(f["properties"]["dimension"], "economic");
        // Another country's users neither see nor extend them.
        let mut th = t.signed_in("official_th").await;
        assert_eq!(th.get(&path).await.status, StatusCode::NOT_FOUND);
        let fields = form("kiln_two", "point", svg("/>").replace("/></svg>", "/>"));
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(th.post_form(&path, &f).await.status, StatusCode::NOT_FOUND);
        assert_eq!(category_count(&t, id).await, 1);
    }
}

fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x, y as u32)
}

#[tokio::test]
async fn a_configured_basemap_puts_tiles_under_the_exercise_map_and_its_origin_in_the_csp() {
    let origin = "https://tile.openstreetmap.org";
    let settings = atlas_core::Settings {
        cartography: atlas_core::cartography::CartoSettings {
            tile_server: Some(
                atlas_domain::cartography::TileServer::parse(&format!(
                    "{origin}/{{z}}/{{x}}/{{y}}.png"
                ))
                .unwrap(),
            ),
            tile_attribution: "© OpenStreetMap contributors".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    for t in TestApp::all_with_demo_settings(settings).await {
        let id = demo_exercise(&t).await;
        t.app.set_plan_public(By::Operator, id, true).await.unwrap();
        let mut c = t.signed_in("mapping_facilitator").await;
        let r = c.get(&format!("/cartography/exercises/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name());
        // The middle of 17 de Noviembre at zoom 17, under the layers.
        let (x, y) = tile_of(-58.4231, -34.7290, 17);
        let tile = format!("<image href=\"{origin}/17/{x}/{y}.png\"");
        assert!(r.body.contains(&tile), "no tile {tile}");
        assert!(r.body.find(&tile).unwrap() < r.body.find("class=\"layer ").unwrap());
        assert!(r.body.contains("© OpenStreetMap contributors"));
        let csp = r.header("content-security-policy").unwrap().to_owned();
        assert!(
            csp.contains(&format!("img-src 'self' data: {origin};")),
            "{csp}"
        );
        assert_eq!(
            csp.matches("https://").count(),
            1,
            "only the tile origin: {csp}"
        );
        // Not on the map picture, the plan, the public plan or the exports.
        for p in [
            format!("/cartography/exercises/{id}/map.svg"),
            format!("/cartography/exercises/{id}/plan"),
            format!("/plans/{id}"),
            format!("/cartography/exercises/{id}/export/features.geojson"),
        ] {
            let r = c.get(&p).await;
            assert!(!r.body.contains("openstreetmap"), "{p}");
            let csp = r.header("content-security-policy").unwrap_or("");
            assert!(!csp.contains(origin), "{p}: {csp}");
        }
    }
    // Without the setting neither tiles nor the origin.
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let mut c = t.signed_in("mapping_facilitator").await;
        let r = c.get(&format!("/cartography/exercises/{id}")).await;
        assert!(!r.body.contains("<image "));
        assert!(!r.body.contains("class=\"basemap\""));
        let csp = r.header("content-security-policy").unwrap();
        assert!(!csp.contains("https://"), "{csp}");
    }
}

/// (workshop, times, tags) of each feature of an exercise, sorted, for comparisons;
/// generalised ones left out when `all` is false.
async fn contexts_of(t: &TestApp, id: Uuid, all: bool) -> Vec<(Option<Uuid>, String, String)> {
    let mut v: Vec<_> = atlas_core::store::cartography::list_features(&t.app.db, id)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| all || f.sensitivity != "generalised")
        .map(|f| (f.workshop_id, f.times, f.vulnerabilities))
        .collect();
    v.sort();
    v
}

async fn contexts(t: &TestApp, id: Uuid) -> Vec<(Option<Uuid>, String, String)> {
    contexts_of(t, id, true).await
}

async fn workshops_of(t: &TestApp, id: Uuid) -> Vec<Uuid> {
    atlas_core::store::cartography::list_workshops(&t.app.db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.workshop_id)
        .collect()
}

#[tokio::test]
async fn workshop_times_and_tags_are_checked_before_anything_is_written() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let th = thai_exercise(&t).await;
        let foreign = t
            .app
            .add_workshop(
                By::Operator,
                th,
                &atlas_domain::cartography::WorkshopInput {
                    held_on: "2026-05-01".into(),
                    place: "Khlong Toei".into(),
                    youth: "3".into(),
                    consent_noted: "1".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .workshop_id
            .to_string();
        let own = workshops_of(&t, id).await[0].to_string();
        let before = feature_count(&t, id).await;
        let mut c = t.signed_in("mapping_facilitator").await;
        let point = format!("/cartography/exercises/{id}/features");
        let base = [
            ("category", "school"),
            ("lon", "-58.423"),
            ("lat", "-34.728"),
        ];
        // A workshop of another exercise.
        let mut f = base.to_vec();
        f.push(("workshop_id", &foreign));
        let r = c.post_form(&point, &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
        assert!(
            r.body.contains("The workshop must be one of this exercise"),
            "{}",
            r.body
        );
        // An unknown crime in the second tag row; the first row is good.
        let mut f = base.to_vec();
        f.extend([
            ("vuln_crime_0", "CL"),
            ("vuln_risk_0", "niños en la feria"),
            ("vuln_crime_1", "XX"),
            ("vuln_risk_1", "?"),
        ]);
        let r = c.post_form(&point, &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("The crime must be CL, FL or HT."));
        // The good row is kept in the form.
        assert!(r.body.contains("value=\"niños en la feria\""));
        // A drawn line with an unknown crime is refused the same way.
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/shapes"),
                &[
                    ("kind", "line"),
                    ("vertices", "-58.425,-34.730;-58.421,-34.729"),
                    ("category", "route"),
                    ("vuln_crime_0", "child"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("The crime must be CL, FL or HT."));
        assert_eq!(feature_count(&t, id).await, before);
        // Imports name the feature or row and the field.
        let import = format!("/cartography/exercises/{id}/import");
        let pt = r#""geometry":{"type":"Point","coordinates":[-58.423,-34.728]}"#;
        let eleven = [r#"{"crime":"CL","risk":"x"}"#; 11].join(",");
        let geojson = format!(
            r#"{{"type":"FeatureCollection","features":[
            {{"type":"Feature","properties":{{"category":"school","times":["day","noon"]}},{pt}}},
            {{"type":"Feature","properties":{{"category":"school","vulnerabilities":[{{"crime":"CL","risk":"a"}},{{"crime":"XL","risk":"b"}}]}},{pt}}},
            {{"type":"Feature","properties":{{"category":"school","vulnerabilities":[{eleven}]}},{pt}}},
            {{"type":"Feature","properties":{{"category":"school","workshop_id":"{own}","times":["night"]}},{pt}}}]}}"#
        );
        let r = c
            .post_form(&import, &[("format", "geojson"), ("text", &geojson)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("features[0].times"), "{}", r.body);
        assert!(r.body.contains("features[1].vulnerabilities[1].crime"));
        assert!(r.body.contains("features[2].vulnerabilities"));
        assert!(!r.body.contains("features[3]"));
        // Good on their own, but a workshop of another exercise.
        let geojson = format!(
            r#"{{"type":"FeatureCollection","features":[
            {{"type":"Feature","properties":{{"category":"school","workshop_id":"{own}"}},{pt}}},
            {{"type":"Feature","properties":{{"category":"school","workshop_id":"{foreign}"}},{pt}}}]}}"#
        );
        let r = c
            .post_form(&import, &[("format", "geojson"), ("text", &geojson)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("features[1].workshop_id"), "{}", r.body);
        assert!(!r.body.contains("features[0].workshop_id"));
        let csv = format!(
            "lon,lat,category,workshop_id,times,vulnerabilities\n\
             -58.423,-34.728,school,{own},day|night,CL:ok\n\
             -58.423,-34.728,school,,day|noon,\n\
             -58.423,-34.728,school,,,CL:ok|ZZ:bad\n"
        );
        let r = c
            .post_form(&import, &[("format", "csv"), ("text", &csv)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("row 3: times"), "{}", r.body);
        assert!(r.body.contains("row 4: vulnerabilities[1].crime"));
        assert!(!r.body.contains("row 2"));
        let csv = format!("lon,lat,category,workshop_id\n-58.423,-34.728,school,{foreign}\n");
        let r = c
            .post_form(&import, &[("format", "csv"), ("text", &csv)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("row 2: workshop_id"), "{}", r.body);
        assert_eq!(feature_count(&t, id).await, before);
        // Editing is checked the same way and leaves the feature as it was.
        let f = atlas_core::store::cartography::list_features(&t.app.db, id)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.description == "Feria de los sábados")
            .unwrap();
        let version = f.version.to_string();
        let edit = format!("/cartography/features/{}", f.feature_id);
        fn fields<'a>(w: &'a str, version: &'a str) -> Vec<(&'static str, &'a str)> {
            vec![
                ("category", "market"),
                ("description", "Feria de los sábados"),
                ("sensitivity", "public"),
                ("workshop_id", w),
                ("version", version),
            ]
        }
        let r = c.post_form(&edit, &fields(&foreign, &version)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let keys: Vec<String> = (0..11).map(|n| format!("vuln_crime_{n}")).collect();
        let mut all = fields("", &version);
        all.extend(keys.iter().map(|k| (k.as_str(), "HT")));
        let r = c.post_form(&edit, &all).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let same = atlas_core::store::cartography::get_feature(&t.app.db, f.feature_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                same.version,
                same.workshop_id,
                same.times,
                same.vulnerabilities
            ),
            (
                f.version,
                f.workshop_id,
                f.times.clone(),
                f.vulnerabilities.clone()
            )
        );
        // A good edit sets all three.
        let r = c
            .post_form(
                &edit,
                &[
                    ("category", "market"),
                    ("description", "Feria de los sábados"),
                    ("sensitivity", "public"),
                    ("workshop_id", &own),
                    ("time_weekend", "1"),
                    ("time_harvest", "1"),
                    ("vuln_crime_0", "FL"),
                    ("vuln_risk_0", "puesteros sin paga"),
                    ("version", &version),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let now = atlas_core::store::cartography::get_feature(&t.app.db, f.feature_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(now.workshop_id.map(|w| w.to_string()), Some(own.clone()));
        assert_eq!(now.times, "weekend,harvest");
        assert_eq!(
            now.vulnerabilities,
            r#"[{"crime":"FL","risk":"puesteros sin paga"}]"#
        );
    }
}

#[tokio::test]
async fn workshop_times_and_tags_survive_a_geojson_and_a_csv_round_trip() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let mut c = t.signed_in("mapping_facilitator").await;
        // GeoJSON: the demo exported and imported back gives every value twice (the
        // generalised features left out: their snapped shapes are not the drawn ones).
        let before = contexts(&t, id).await;
        let exact = contexts_of(&t, id, false).await;
        assert!(
            before
                .iter()
                .any(|(w, times, v)| w.is_some() && times == "night" && v.contains("\"HT\"")),
            "{before:?}"
        );
        let (_, api_body) = api(
            &t,
            "mapping_facilitator",
            &format!("/api/v1/cartography/exercises/{id}/features.geojson"),
        )
        .await;
        let stop = api_body["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["description"] == "Parada de colectivos")
            .unwrap();
        assert_eq!(stop["properties"]["times"], serde_json::json!(["night"]));
        assert_eq!(stop["properties"]["vulnerabilities"][0]["crime"], "HT");
        assert!(stop["properties"]["workshop_id"].is_string());
        let export = c
            .get(&format!(
                "/cartography/exercises/{id}/export/features.geojson"
            ))
            .await;
        assert_eq!(export.status, StatusCode::OK, "{}", t.name());
        let mut doc: serde_json::Value = serde_json::from_str(&export.body).unwrap();
        doc["features"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["properties"]["sensitivity"] != "generalised");
        let r = c
            .post_form(
                &format!("/cartography/exercises/{id}/import"),
                &[("format", "geojson"), ("text", &doc.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut twice: Vec<_> = before.iter().chain(exact.iter()).cloned().collect();
        twice.sort();
        assert_eq!(contexts(&t, id).await, twice);
        // CSV: points of a fresh exercise, exported and imported back.
        let fresh = t
            .app
            .create_exercise(
                By::Operator,
                &ExerciseInput {
                    area_id: t.area_id("17 de Noviembre").await.to_string(),
                    name: "Segundo mapeo".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .exercise_id;
        let w = t
            .app
            .add_workshop(
                By::Operator,
                fresh,
                &atlas_domain::cartography::WorkshopInput {
                    held_on: "2026-06-01".into(),
                    place: "Capilla".into(),
                    residents: "6".into(),
                    consent_noted: "1".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .workshop_id;
        let csv = format!(
            "lon,lat,category,description,sensitivity,workshop_id,times,vulnerabilities\n\
             -58.423,-34.728,market,Feria,public,{w},weekend|day,\"CL:niños vendiendo, de mañana|HT:ofertas: viajar\"\n\
             -58.421,-34.729,school,,public,,,\n"
        );
        let r = c
            .post_form(
                &format!("/cartography/exercises/{fresh}/import"),
                &[("format", "csv"), ("text", &csv)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let first = contexts(&t, fresh).await;
        assert!(first.contains(&(
            Some(w),
            "day,weekend".to_owned(),
            r#"[{"crime":"CL","risk":"niños vendiendo, de mañana"},{"crime":"HT","risk":"ofertas: viajar"}]"#.to_owned()
        )), "{first:?}");
        let out = c
            .get(&format!(
                "/cartography/exercises/{fresh}/export/features.csv"
            ))
            .await;
        assert_eq!(out.status, StatusCode::OK);
        assert!(out.body.starts_with(
            "lon,lat,category,description,sensitivity,workshop_id,times,vulnerabilities\r\n"
        ));
        assert!(
            out.body.contains(&format!(
                "{w},day|weekend,\"CL:niños vendiendo, de mañana|HT:ofertas: viajar\""
            )),
            "{}",
            out.body
        );
        let r = c
            .post_form(
                &format!("/cartography/exercises/{fresh}/import"),
                &[("format", "csv"), ("text", &out.body)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut twice: Vec<_> = first.iter().chain(first.iter()).cloned().collect();
        twice.sort();
        assert_eq!(contexts(&t, fresh).await, twice);
    }
}

#[tokio::test]
async fn the_feature_list_shows_workshop_times_and_tags_but_never_a_restricted_ones() {
    for t in TestApp::all_with_demo().await {
        let id = demo_exercise(&t).await;
        let page = format!("/cartography/exercises/{id}");
        let kiln = "niñas y niños cargando ladrillos al amanecer";
        let mut f = t.signed_in("mapping_facilitator").await;
        let r = f.get(&page).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name());
        assert!(r.body.contains("2026-04-11 — Escuela primaria del barrio"));
        assert!(
            r.body
                .contains("ofertas de trabajo a adolescentes de noche")
        );
        assert!(r.body.contains("Human trafficking"));
        assert!(r.body.contains("Dry season"));
        assert!(r.body.contains(kiln), "facilitators see the kiln's tags");
        f.get("/lang/es").await;
        let r = f.get(&page).await;
        assert!(r.body.contains("Estación seca") && r.body.contains("Trata de personas"));
        // Observers see the list without the restricted kiln, its tags included, on the
        // page, the API and the exports.
        let mut o = t.signed_in("observer").await;
        let r = o.get(&page).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body
                .contains("ofertas de trabajo a adolescentes de noche")
        );
        assert!(!r.body.contains(kiln));
        assert!(!r.body.contains("familias endeudadas"));
        for p in [
            format!("/cartography/exercises/{id}/export/features.geojson"),
            format!("/cartography/exercises/{id}/export/features.csv"),
        ] {
            let r = o.get(&p).await;
            assert_eq!(r.status, StatusCode::OK, "{p}");
            assert!(r.body.contains("ofertas de trabajo"), "{p}");
            assert!(!r.body.contains(kiln), "{p}");
        }
        let (_, b) = api(
            &t,
            "observer",
            &format!("/api/v1/cartography/exercises/{id}/features.geojson"),
        )
        .await;
        assert!(!b.to_string().contains(kiln));
        assert!(b.to_string().contains("ofertas de trabajo"));
    }
}
