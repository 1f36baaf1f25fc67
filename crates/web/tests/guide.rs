//! Guide, services and referral pathways: the pathway API and `App::pathway_steps`
//! (ordering, walking up the area hierarchy, drafts unseen), the pathway and service
//! forms (bad rows named, nothing written, stale edits refused, audit), who may edit,
//! and the "who to call" sheet (signed in, public per area, three languages, budget).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::guide::{Need, PathwayInput, ServiceInput, StepInput};
use atlas_testkit::{Client, TestApp};
use axum::http::{Method, StatusCode};
use std::io::Write;
use uuid::Uuid;

async fn api(t: &TestApp, user: &str, path: &str) -> (StatusCode, serde_json::Value) {
    let mut c = t.client();
    c.bearer = Some(t.token(user).await);
    let r = c.json(Method::GET, path, None).await;
    let body = if r.status == StatusCode::OK {
        r.json()
    } else {
        serde_json::Value::Null
    };
    (r.status, body)
}

async fn service_named(t: &TestApp, name: &str) -> Uuid {
    let rows = atlas_core::store::guide::list_services(
        &t.app.db,
        &atlas_core::store::guide::ServiceFilter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    rows.into_iter()
        .find(|r| r.service.name == name || r.organization_name() == name)
        .expect("no such service")
        .service
        .guide_service_id
}

fn gz_size(body: &str) -> usize {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    gz.finish().unwrap().len()
}

#[tokio::test]
async fn the_pathway_api_returns_the_ordered_steps_and_a_barrio_inherits_its_municipality() {
    for t in TestApp::all_with_demo().await {
        let lomas = t.area_id("Lomas de Zamora").await;
        let (status, b) = api(
            &t,
            "municipal_official",
            &format!("/api/v1/guide/pathways?area={lomas}&need=safety_shelter"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}", t.name());
        let steps = b["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 3);
        let orders: Vec<i64> = steps.iter().map(|s| s["order"].as_i64().unwrap()).collect();
        assert_eq!(orders, vec![1, 2, 3]);
        assert_eq!(steps[0]["service"], "Protection and emergency response");
        assert_eq!(steps[0]["max_response_hours"], 1);
        assert_eq!(steps[1]["institution_acronym"], "PRV");
        assert_eq!(steps[1]["consent_required"], true);
        assert_eq!(steps[2]["phone"], "145");
        assert_eq!(b["pathway"]["inherited"], false);
        // The barrio has no pathway of its own: its municipality's answers.
        let barrio = t.area_id("17 de Noviembre").await;
        let (_, b) = api(
            &t,
            "caseworker",
            &format!("/api/v1/guide/pathways?area={barrio}&need=health"),
        )
        .await;
        assert_eq!(b["pathway"]["inherited"], true);
        assert_eq!(b["pathway"]["area_name"], "Lomas de Zamora");
        assert_eq!(b["steps"][0]["order"], 1);
        assert_eq!(
            b["steps"][0]["organization"],
            "Hospital Interzonal General de Agudos Luisa C. de Gandulfo"
        );
        // Readable by every signed-in user, even in another country.
        let (status, _) = api(
            &t,
            "official_th",
            &format!("/api/v1/guide/pathways?area={lomas}&need=health"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        // Bad need, bad area: 400; unknown area: 404; no token: 401.
        for q in [
            format!("area={lomas}&need=shelter"),
            format!("area={lomas}"),
            "area=nope&need=health".to_owned(),
        ] {
            let (status, _) = api(&t, "observer", &format!("/api/v1/guide/pathways?{q}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        }
        let (status, _) = api(
            &t,
            "observer",
            &format!("/api/v1/guide/pathways?area={}&need=health", Uuid::now_v7()),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let mut anon = t.client();
        let r = anon
            .json(
                Method::GET,
                &format!("/api/v1/guide/pathways?area={lomas}&need=health"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // Every need of both demo municipalities has a published pathway.
        for m in ["Lomas de Zamora", "La Matanza"] {
            let area = t.area_id(m).await;
            for n in Need::ALL {
                let steps = t.app.pathway_steps(area, *n).await.unwrap();
                assert!(!steps.is_empty(), "{m} {n}");
            }
        }
    }
}

#[tokio::test]
async fn pathway_steps_walk_up_to_the_province_and_ignore_drafts() {
    for t in TestApp::all_with_demo().await {
        let province = t.area_id("Buenos Aires").await;
        let prv = service_named(&t, "Rescue and accompaniment of victims of trafficking").await;
        let hotline = service_named(&t, "Línea 145 — denuncias y orientación sobre trata").await;
        // A new municipality without pathways, and a province-level one for health.
        let quilmes = t
            .app
            .create_area(
                By::Operator,
                &atlas_domain::directory::AreaInput {
                    country: "AR".into(),
                    parent_id: province.to_string(),
                    level: "municipality".into(),
                    name: "Quilmes".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .area_id;
        assert!(
            t.app
                .pathway_steps(quilmes, Need::Health)
                .await
                .unwrap()
                .is_empty()
        );
        let step = |order: &str, id: Uuid, hours: &str| StepInput {
            order: order.into(),
            service_id: id.to_string(),
            max_response_hours: hours.into(),
            bring: String::new(),
            consent_required: "1".into(),
        };
        // Submitted out of order: stored by their order numbers.
        t.app
            .save_pathway(
                By::Operator,
                province,
                Need::Health,
                &PathwayInput {
                    status: "published".into(),
                    steps: vec![step("2", hotline, "48"), step("1", prv, "6")],
                    version: String::new(),
                },
            )
            .await
            .unwrap();
        let steps = t.app.pathway_steps(quilmes, Need::Health).await.unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].order, 1);
        assert_eq!(steps[0].service_id, prv);
        assert_eq!(steps[0].institution_acronym.as_deref(), Some("PRV"));
        assert_eq!(steps[0].institution_id, Some(t.institution_id("PRV").await));
        assert_eq!(steps[0].max_response_hours, 6);
        assert!(steps[0].consent_required);
        assert_eq!(steps[1].service_id, hotline);
        assert_eq!(steps[1].institution_id, None);
        // Lomas keeps its own pathway: the nearest wins.
        let lomas = t.area_id("Lomas de Zamora").await;
        let own = t.app.pathway_steps(lomas, Need::Health).await.unwrap();
        assert_eq!(own[0].service_name, "Emergency and primary health care");
        // A draft at the municipality does not hide the province's published pathway.
        t.app
            .save_pathway(
                By::Operator,
                quilmes,
                Need::Health,
                &PathwayInput {
                    status: "draft".into(),
                    steps: vec![step("1", hotline, "1")],
                    version: String::new(),
                },
            )
            .await
            .unwrap();
        let steps = t.app.pathway_steps(quilmes, Need::Health).await.unwrap();
        assert_eq!(steps[0].service_id, prv, "{}", t.name());
    }
}

fn pathway_form<'a>(rows: &'a [[&'a str; 4]], version: &'a str) -> Vec<(String, &'a str)> {
    let mut v = vec![
        ("status".to_owned(), "published"),
        ("version".to_owned(), version),
    ];
    for (i, r) in rows.iter().enumerate() {
        let n = i + 1;
        v.push((format!("order_{n}"), r[0]));
        v.push((format!("service_{n}"), r[1]));
        v.push((format!("hours_{n}"), r[2]));
        v.push((format!("bring_{n}"), r[3]));
    }
    v
}

async fn post(c: &mut Client, path: &str, fields: &[(String, &str)]) -> atlas_testkit::Resp {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    c.post_form(path, &f).await
}

#[tokio::test]
async fn the_pathway_form_names_bad_rows_writes_nothing_and_refuses_stale_edits() {
    for t in TestApp::all_with_demo().await {
        let lomas = t.area_id("Lomas de Zamora").await;
        let prv = service_named(&t, "Rescue and accompaniment of victims of trafficking")
            .await
            .to_string();
        let dovic = service_named(&t, "Legal orientation and accompaniment of victims")
            .await
            .to_string();
        let mut staff = t.signed_in("program_staff").await;
        let path = format!("/guide/areas/{lomas}/pathways/legal_aid");
        let page = staff.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("name=\"service_1\""));
        let steps_before = t.count("guide_pathway_step").await;
        let events = t.audit("guide.pathway").await.len();
        // A step without a service, a response time of zero, an order that is a word.
        let r = post(
            &mut staff,
            &path,
            &pathway_form(
                &[
                    ["1", &dovic, "24", "Bring the case reference"],
                    ["2", "", "0", "<script>alert(1)</script>"],
                    ["x", &prv, "12", ""],
                ],
                "1",
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("Every step needs a service."));
        assert!(r.body.contains("from 1 to 720"));
        assert!(r.body.contains("The order must be a whole number"));
        assert!(!r.body.contains("<script>alert(1)"), "input is escaped");
        assert!(r.body.contains("&#60;script&#62;alert(1)"), "input is kept");
        // Gaps in the numbering; a service of another country.
        let r = post(
            &mut staff,
            &path,
            &pathway_form(&[["1", &dovic, "24", ""], ["3", &prv, "24", ""]], "1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("without gaps"));
        let foreign = t
            .app
            .create_guide_service(
                By::Operator,
                &ServiceInput {
                    country: "TH".into(),
                    organization: "Bangkok shelter".into(),
                    name: "Shelter".into(),
                    referral_method: "phone".into(),
                    next_step: "home_visit".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .guide_service_id
            .to_string();
        let r = post(
            &mut staff,
            &path,
            &pathway_form(&[["1", &foreign, "24", ""]], "1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(t.count("guide_pathway_step").await, steps_before);
        assert_eq!(t.audit("guide.pathway").await.len(), events);
        // A good save reorders; a second save with the old version is stale.
        let r = post(
            &mut staff,
            &path,
            &pathway_form(
                &[["2", &dovic, "24", ""], ["1", &prv, "4", "Call first"]],
                "1",
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let steps = t.app.pathway_steps(lomas, Need::LegalAid).await.unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].service_id.to_string(), prv);
        assert_eq!(steps[0].bring, "Call first");
        let ev = t.audit("guide.pathway.save").await;
        assert_eq!(ev.len(), events + 1);
        assert!(ev.last().unwrap().summary.contains("steps=2"));
        assert!(!ev.last().unwrap().summary.contains("Call first"));
        let r = post(
            &mut staff,
            &path,
            &pathway_form(&[["1", &dovic, "24", ""]], "1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(
            t.app
                .pathway_steps(lomas, Need::LegalAid)
                .await
                .unwrap()
                .len(),
            2
        );
        // Roles without the right, and a country outside program staff's scope.
        for user in ["caseworker", "municipal_official", "observer"] {
            let mut c = t.signed_in(user).await;
            let r = post(
                &mut c,
                &path,
                &pathway_form(&[["1", &dovic, "24", ""]], "2"),
            )
            .await;
            assert!(
                r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
                "{user}: {}",
                r.status
            );
            assert_eq!(c.get(&path).await.status, StatusCode::NOT_FOUND, "{user}");
        }
        let bangkok = t.area_id("Bangkok Metropolis").await;
        let r = staff
            .get(&format!("/guide/areas/{bangkok}/pathways/health"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(t.audit("guide.pathway").await.len(), events + 1);
    }
}

#[tokio::test]
async fn the_service_form_checks_phone_numbers_and_versions() {
    for t in TestApp::all_with_demo().await {
        let mut staff = t.signed_in("program_staff").await;
        let before = t.count("guide_service").await;
        let base = [
            ("country", "AR"),
            ("name", "Refugio municipal"),
            ("organization", "Hogar Santa Clara"),
            ("referral_method", "phone"),
            ("next_step", "home_visit"),
            ("version", ""),
        ];
        let mut bad = base.to_vec();
        bad.push(("phone", "call the front desk"));
        bad.push(("email", "front desk"));
        let r = staff.post_form("/guide/services", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Not a phone number"));
        assert!(r.body.contains("Not an e-mail address"));
        assert!(
            r.body.contains("value=\"call the front desk\""),
            "input kept"
        );
        let mut noorg = base.to_vec();
        noorg.retain(|(k, _)| *k != "organization");
        let r = staff.post_form("/guide/services", &noorg).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("name the organisation"));
        assert_eq!(t.count("guide_service").await, before);
        let mut good = base.to_vec();
        good.push(("phone", "+54 11 4244-0000"));
        let r = staff.post_form("/guide/services", &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let loc = r.location().unwrap().to_owned();
        let page = staff.get(&loc).await;
        assert!(page.body.contains("Hogar Santa Clara"));
        assert!(page.body.contains("tel:+54 11 4244-0000"));
        assert_eq!(
            t.audit("guide.service.create").await.len() as i64,
            before + 1
        );
        // Edit with the version read, then again with the same (now stale) version.
        let mut edit = good.clone();
        edit.retain(|(k, _)| *k != "version");
        edit.push(("version", "1"));
        edit.push(("hours", "24 h"));
        assert_eq!(
            staff.post_form(&loc, &edit).await.status,
            StatusCode::SEE_OTHER
        );
        let r = staff.post_form(&loc, &edit).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("value=\"2\""),
            "the current version is offered"
        );
        // Readers may read but not write; the Thai official reads Argentina's directory.
        let mut th = t.signed_in("official_th").await;
        assert_eq!(th.get(&loc).await.status, StatusCode::OK);
        assert_eq!(
            th.post_form(&loc, &edit).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            th.post_form("/guide/services", &good).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(t.audit("guide.service.update").await.len(), 1);
        // The API lists the directory with cursor pages.
        let (status, b) = api(&t, "observer", "/api/v1/guide/services?country=AR&limit=5").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(b["items"].as_array().unwrap().len(), 5);
        let cursor = b["next_cursor"].as_str().unwrap().to_owned();
        let (_, b2) = api(
            &t,
            "observer",
            &format!("/api/v1/guide/services?country=AR&limit=5&cursor={cursor}"),
        )
        .await;
        assert_ne!(b2["items"][0]["id"], b["items"][0]["id"]);
    }
}

#[tokio::test]
async fn the_who_to_call_sheet_is_public_only_where_switched_on() {
    for t in TestApp::all_with_demo().await {
        let lomas = t.area_id("Lomas de Zamora").await;
        let matanza = t.area_id("La Matanza").await;
        let mut anon = t.client();
        let r = anon.get(&format!("/guide/who/{lomas}?lang=es")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name());
        assert!(r.body.contains("A quién llamar — Lomas de Zamora"));
        assert!(r.body.contains("Seguridad inmediata y alojamiento"));
        assert!(
            !r.body.contains("name=\"public\""),
            "no switch for the public"
        );
        assert_eq!(
            anon.get(&format!("/guide/who/{matanza}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            anon.get(&format!("/guide/who/{}", Uuid::now_v7()))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // Signed-in users read any area; program staff switch La Matanza on.
        let mut cw = t.signed_in("caseworker").await;
        let r = cw.get(&format!("/guide/who/{matanza}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            !r.body.contains("name=\"public\""),
            "caseworkers do not switch it"
        );
        assert_eq!(
            cw.post_form(
                &format!("/guide/areas/{matanza}/public"),
                &[("public", "1")]
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        let mut staff = t.signed_in("program_staff").await;
        let r = staff.get(&format!("/guide/who/{matanza}")).await;
        assert!(r.body.contains("name=\"public\""));
        let r = staff
            .post_form(
                &format!("/guide/areas/{matanza}/public"),
                &[("public", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            anon.get(&format!("/guide/who/{matanza}")).await.status,
            StatusCode::OK
        );
        let ev = t.audit("guide.area.public").await;
        assert_eq!(ev.last().unwrap().entity_id, matanza.to_string());
        assert_eq!(
            staff
                .post_form(
                    &format!("/guide/areas/{matanza}/public"),
                    &[("public", "maybe")]
                )
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        staff
            .post_form(
                &format!("/guide/areas/{matanza}/public"),
                &[("public", "0")],
            )
            .await;
        assert_eq!(
            anon.get(&format!("/guide/who/{matanza}")).await.status,
            StatusCode::NOT_FOUND
        );
        // Every language, every need, within the page budget.
        for lang in ["en", "es", "th"] {
            let r = anon.get(&format!("/guide/who/{lomas}?lang={lang}")).await;
            assert!(r.body.contains(&format!("<html lang=\"{lang}\">")));
            assert!(!r.body.contains("Unknown localization key"), "{lang}");
            assert_eq!(r.body.matches("<h2>").count(), 9, "{lang}");
            assert!(gz_size(&r.body) <= 14 * 1024);
        }
    }
}

#[tokio::test]
async fn guide_pages_render_in_three_languages_within_budget() {
    for t in TestApp::all_with_demo().await {
        let lomas = t.area_id("Lomas de Zamora").await;
        let barrio = t.area_id("17 de Noviembre").await;
        let svc = service_named(&t, "Rescue and accompaniment of victims of trafficking").await;
        let mut c = t.signed_in("program_staff").await;
        let pages = [
            "/guide".to_owned(),
            format!("/guide?area={barrio}&need=documents"),
            "/guide/services".to_owned(),
            format!("/guide/services/{svc}"),
            format!("/guide/services/{svc}/edit"),
            "/guide/services/new".to_owned(),
            format!("/guide/areas/{lomas}/pathways/health"),
            format!("/guide/who/{lomas}"),
        ];
        for lang in ["en", "es", "th"] {
            c.get(&format!("/lang/{lang}")).await;
            for p in &pages {
                let r = c.get(p).await;
                assert_eq!(r.status, StatusCode::OK, "{lang} {p}");
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
        c.get("/lang/en").await;
        let r = c.get(&format!("/guide?area={barrio}&need=documents")).await;
        assert!(r.body.contains("From the pathway of Lomas de Zamora."));
        assert!(r.body.contains("Registro Nacional de las Personas"));
        let r = c.get("/guide?area=nope&need=health").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
