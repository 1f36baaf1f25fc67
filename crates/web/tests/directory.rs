//! Directory pages and API: scope, role denial, CSRF, bad input, concurrency and audit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_testkit::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn api_finds_areas_by_name_and_institutions_by_acronym() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.client();
        c.bearer = Some(t.token("observer").await);
        let r = c.json(Method::GET, "/api/v1/areas?name=Lomas", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["name"], "Lomas de Zamora");
        assert!(items[0]["id"].as_str().is_some());
        let r = c
            .json(Method::GET, "/api/v1/institutions?acronym=prv", None)
            .await;
        let items = r.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["acronym"], "PRV");
        assert!(items[0]["name"].as_str().unwrap().contains("Rescate"));
        let barrio = c
            .json(Method::GET, "/api/v1/areas?name=17%20de%20Noviembre", None)
            .await
            .json();
        assert_eq!(barrio["items"][0]["boundary"]["type"], "Polygon");
    }
}

#[tokio::test]
async fn api_lists_are_paged_with_a_cursor() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.client();
        c.bearer = Some(t.token("admin").await);
        let mut seen = Vec::new();
        let mut url = "/api/v1/institutions?limit=4".to_owned();
        loop {
            let page = c.json(Method::GET, &url, None).await.json();
            for i in page["items"].as_array().unwrap() {
                seen.push(i["acronym"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(cur) => url = format!("/api/v1/institutions?limit=4&cursor={cur}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 14, "every institution once: {seen:?}");
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), seen.len());
        let bad = c
            .json(Method::GET, "/api/v1/institutions?limit=0", None)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let bad = c
            .json(Method::GET, "/api/v1/institutions?country=US", None)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    }
}

#[tokio::test]
async fn a_user_of_another_country_gets_404_for_records_and_sees_only_their_country() {
    for t in TestApp::all_with_demo().await {
        let prv = t.institution_id("PRV").await;
        let lomas = t.area_id("Lomas de Zamora").await;
        let mut thai = t.signed_in("official_th").await;
        assert_eq!(
            thai.get(&format!("/directory/institutions/{prv}"))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{}",
            t.name()
        );
        assert_eq!(
            thai.get(&format!("/directory/areas/{lomas}")).await.status,
            StatusCode::NOT_FOUND
        );
        let list = thai.get("/directory/institutions").await;
        assert!(list.body.contains("DLPW") && !list.body.contains("PRV"));
        let mut api = t.client();
        api.bearer = Some(t.token("official_th").await);
        let r = api
            .json(Method::GET, &format!("/api/v1/institutions/{prv}"), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["status"], 404);
        let all = api
            .json(Method::GET, "/api/v1/institutions?limit=200", None)
            .await
            .json();
        assert!(
            all["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["country"] == "TH")
        );
        let missing = api
            .json(
                Method::GET,
                &format!("/api/v1/institutions/{}", uuid::Uuid::now_v7()),
                None,
            )
            .await;
        assert_eq!(
            missing.status,
            StatusCode::NOT_FOUND,
            "unknown and out-of-scope look the same"
        );
    }
}

#[tokio::test]
async fn roles_without_directory_write_are_refused_and_nothing_is_written() {
    for t in TestApp::all_with_demo().await {
        let before = t.audit("directory.").await.len();
        let mut c = t.signed_in("caseworker").await;
        assert_eq!(
            c.get("/directory/institutions/new").await.status,
            StatusCode::FORBIDDEN
        );
        let r = c
            .post_form(
                "/directory/institutions",
                &[
                    ("country", "AR"),
                    ("name", "X"),
                    ("acronym", "X"),
                    ("kind", "ngo"),
                    ("level", "national"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut api = t.client();
        api.bearer = Some(t.token("observer").await);
        let r = api
            .json(
                Method::POST,
                "/api/v1/areas",
                Some(json!({"country": "AR", "level": "province", "name": "Córdoba"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(t.audit("directory.").await.len(), before);
    }
}

#[tokio::test]
async fn program_staff_create_in_their_country_but_not_in_another() {
    for t in TestApp::all_with_demo().await {
        let mut api = t.client();
        api.bearer = Some(t.token("program_staff").await);
        let ok = api.json(Method::POST, "/api/v1/areas", Some(json!({"country": "AR", "level": "province", "name": "Córdoba", "parent_id": null}))).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        let py = api
            .json(
                Method::POST,
                "/api/v1/areas",
                Some(json!({"country": "PY", "level": "province", "name": "Itapúa"})),
            )
            .await;
        assert_eq!(py.status, StatusCode::FORBIDDEN);
        let ev = t.audit("directory.area.create").await;
        let last = ev.last().unwrap();
        assert_eq!(last.actor_username, "program_staff");
        assert_eq!(last.entity_id, ok.json()["id"].as_str().unwrap());
        assert!(
            !last.summary.contains("Córdoba"),
            "summaries carry ids, not content"
        );
    }
}

#[tokio::test]
async fn a_page_form_without_the_csrf_token_or_from_another_site_is_refused() {
    for t in TestApp::all_with_demo().await {
        let before = t.audit("directory.").await.len();
        let mut c = t.signed_in("admin").await;
        let fields = [
            ("country", "AR"),
            ("name", "Nueva"),
            ("acronym", "NEW"),
            ("kind", "ngo"),
            ("level", "national"),
        ];
        let r = c.post_form_raw("/directory/institutions", &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("expired or came from another site"));
        let mut forged: Vec<(&str, &str)> = fields.to_vec();
        forged.push((
            "csrf",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ));
        assert_eq!(
            c.post_form_raw("/directory/institutions", &forged)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.post_form_raw("/logout", &[]).await.status,
            StatusCode::FORBIDDEN,
            "sign-out is a form too"
        );
        assert_eq!(t.audit("directory.").await.len(), before);
        assert_eq!(c.get("/").await.status, StatusCode::OK, "still signed in");
    }
}

#[tokio::test]
async fn bad_institution_input_comes_back_with_a_message_per_field_and_writes_nothing() {
    for t in TestApp::all_with_demo().await {
        let before = t.audit("directory.").await.len();
        let mut c = t.signed_in("admin").await;
        let r = c
            .post_form(
                "/directory/institutions",
                &[
                    ("country", "AR"),
                    (
                        "name",
                        "Programa Provincial de Rescate y Acompañamiento a Víctimas de Trata",
                    ),
                    ("acronym", "prv"),
                    ("kind", "bank"),
                    ("level", "national"),
                    ("area_id", "not-a-uuid"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        for msg in ["Choose one of the listed options", "does not exist"] {
            assert!(r.body.contains(msg), "missing `{msg}`");
        }
        assert!(r.body.contains("value=\"prv\""), "input kept");
        let r = c
            .post_form(
                "/directory/institutions",
                &[
                    ("country", "AR"),
                    (
                        "name",
                        "Programa Provincial de Rescate y Acompañamiento a Víctimas de Trata",
                    ),
                    ("acronym", "prv"),
                    ("kind", "ngo"),
                    ("level", "national"),
                ],
            )
            .await;
        assert!(
            r.body.contains("already exists in this country")
                && r.body.contains("already used in this country"),
            "{}",
            r.body
        );
        let mut api = t.client();
        api.bearer = Some(t.token("admin").await);
        let r = api.json(Method::POST, "/api/v1/institutions", Some(json!({"country": "AR", "name": "", "acronym": "A<B", "kind": "ngo", "level": "galactic", "area_id": t.area_id("Bangkok").await}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.json();
        let pointers: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(pointers, ["#/name", "#/acronym", "#/level"], "{body}");
        let r = api.json(Method::POST, "/api/v1/institutions", Some(json!({"country": "AR", "name": "Otra", "acronym": "OTR", "kind": "ngo", "level": "national", "area_id": t.area_id("Bangkok").await}))).await;
        assert_eq!(
            r.json()["errors"][0]["pointer"],
            "#/area_id",
            "an area of another country is not a valid reference"
        );
        assert_eq!(t.audit("directory.").await.len(), before);
    }
}

#[tokio::test]
async fn areas_check_their_parent_level_and_boundary() {
    for t in TestApp::all_with_demo().await {
        let mut api = t.client();
        api.bearer = Some(t.token("admin").await);
        let barrio = t.area_id("17 de Noviembre").await;
        let r = api.json(Method::POST, "/api/v1/areas", Some(json!({"country": "AR", "level": "neighbourhood", "name": "Otro", "parent_id": barrio}))).await;
        assert_eq!(r.json()["errors"][0]["pointer"], "#/parent_id");
        let lomas = t.area_id("Lomas de Zamora").await;
        let open_ring = json!({"type": "Polygon", "coordinates": [[[-58.4, -34.7], [-58.3, -34.7], [-58.3, -34.8], [-58.45, -34.7]]]});
        let r = api.json(Method::POST, "/api/v1/areas", Some(json!({"country": "AR", "level": "neighbourhood", "name": "Fiorito", "parent_id": lomas, "boundary": open_ring}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.json()["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("end where it starts")
        );
        let ring = json!({"type": "Polygon", "coordinates": [[[-58.4, -34.7], [-58.3, -34.7], [-58.3, -34.8], [-58.4, -34.7]]]});
        let r = api.json(Method::POST, "/api/v1/areas", Some(json!({"country": "AR", "level": "neighbourhood", "name": "Fiorito", "parent_id": lomas, "boundary": ring}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let dup = api.json(Method::POST, "/api/v1/areas", Some(json!({"country": "AR", "level": "neighbourhood", "name": "fiorito", "parent_id": lomas}))).await;
        assert_eq!(dup.json()["errors"][0]["pointer"], "#/name");
    }
}

#[tokio::test]
async fn a_stale_edit_is_a_conflict_that_keeps_both_versions_visible() {
    for t in TestApp::all_with_demo().await {
        let id = t.institution_id("COPRETI").await;
        let mut a = t.signed_in("admin").await;
        let mut b = t.signed_in("program_staff").await;
        let form = a.get(&format!("/directory/institutions/{id}/edit")).await;
        assert!(form.body.contains("name=\"version\" value=\"1\""));
        let base = [
            ("acronym", "COPRETI"),
            ("kind", "social_protection"),
            ("level", "provincial"),
            ("version", "1"),
        ];
        let mut first: Vec<(&str, &str)> = base.to_vec();
        first.push(("name", "COPRETI Buenos Aires"));
        assert_eq!(
            b.post_form(&format!("/directory/institutions/{id}"), &first)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let mut second: Vec<(&str, &str)> = base.to_vec();
        second.push(("name", "Comisión COPRETI"));
        let r = a
            .post_form(&format!("/directory/institutions/{id}"), &second)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("Comisión COPRETI"),
            "the user's text is kept"
        );
        assert!(
            r.body.contains("name=\"version\" value=\"2\""),
            "the current version is offered"
        );
        let current = a.get(&format!("/directory/institutions/{id}")).await;
        assert!(
            current.body.contains("COPRETI Buenos Aires"),
            "the other edit was not overwritten"
        );
        let mut api = t.client();
        api.bearer = Some(t.token("admin").await);
        let r = api.json(Method::PUT, &format!("/api/v1/institutions/{id}"), Some(json!({"name": "X", "acronym": "COPRETI", "kind": "social_protection", "level": "provincial", "version": 1}))).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(t.audit("directory.institution.update").await.len(), 1);
    }
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_4xx() {
    for t in TestApp::all_with_demo().await {
        let mut api = t.client();
        api.bearer = Some(t.token("admin").await);
        let big = json!({"country": "AR", "level": "province", "name": "x".repeat(400 * 1024)});
        let r = api.json(Method::POST, "/api/v1/areas", Some(big)).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        let r = api
            .send(
                Method::POST,
                "/api/v1/areas",
                Some("text/plain"),
                b"name=x".to_vec(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let r = api
            .json(Method::GET, "/api/v1/areas/not-a-uuid", None)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let mut page = t.signed_in("admin").await;
        let r = page.get("/directory/areas/not-a-uuid").await;
        assert!(r.status.is_client_error());
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        let long = "y".repeat(300 * 1024);
        let r = page.post_form("/directory/areas", &[("name", &long)]).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

#[tokio::test]
async fn pages_list_and_show_the_directory_with_working_filters() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("mapping_facilitator").await;
        let idx = c.get("/directory").await;
        assert!(
            idx.body.contains("Argentina") && !idx.body.contains("Thailand"),
            "country-scoped roles see their country: {}",
            idx.body
        );
        let list = c.get("/directory/areas?name=noviembre").await;
        assert!(list.body.contains("17 de Noviembre"));
        assert!(!list.body.contains("Lomas de Zamora</a>"));
        let barrio = t.area_id("17 de Noviembre").await;
        let page = c.get(&format!("/directory/areas/{barrio}")).await;
        assert!(
            page.body.contains("Lomas de Zamora") && page.body.contains("Buenos Aires"),
            "breadcrumb of parents"
        );
        assert!(
            !page.body.contains("/edit"),
            "no edit link for a read-only role"
        );
    }
}
