//! Operations and the web shell: health, metrics, OpenAPI, headers, budget, languages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_testkit::TestApp;
use axum::http::{Method, StatusCode};
use std::io::Write;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    for t in TestApp::all().await {
        let mut c = t.client();
        assert_eq!(c.get("/healthz").await.body, "ok");
        assert_eq!(c.get("/readyz").await.status, StatusCode::OK);
        c.get("/login").await;
        c.get("/no/such/page").await;
        let m = c.get("/metrics").await;
        assert!(
            m.header("content-type")
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        assert!(
            m.body.contains(
                "atlas_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 1"
            ),
            "{}",
            m.body
        );
        assert!(m.body.contains("route=\"unmatched\",status=\"404\""));
        assert!(m.body.contains(
            "atlas_http_request_duration_seconds_bucket{route=\"/login\",le=\"+Inf\"} 1"
        ));
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_the_document_is_valid_openapi() {
    let t = TestApp::sqlite().await;
    let mut c = t.client();
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 8);
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
            for r in op["responses"].as_object().unwrap().values() {
                if let Some(s) = r
                    .pointer("/content/application~1json/schema/$ref")
                    .and_then(|v| v.as_str())
                {
                    let name = s.trim_start_matches("#/components/schemas/");
                    assert!(
                        doc["components"]["schemas"].get(name).is_some(),
                        "dangling $ref {s}"
                    );
                }
            }
            let url = path
                .replace("{id}", &uuid::Uuid::now_v7().to_string())
                .replace("{code}", "0000000000");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = c.json(m, &url, None).await;
            assert_ne!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} not routed"
            );
            let routed = r.status != StatusCode::NOT_FOUND
                || r.json()["title"] != "Not found"
                || path.contains('{');
            assert!(routed, "{method} {path} not routed");
        }
    }
    // And the other way: every API route the router knows is documented.
    let src = include_str!("../src/lib.rs");
    for line in src.lines().filter(|l| l.contains(".route(\"/api/v1/")) {
        let p = line.split('"').nth(1).unwrap();
        assert!(paths.contains_key(p), "route {p} is not documented");
    }
}

#[tokio::test]
async fn every_page_carries_strict_headers_and_loads_nothing_from_other_hosts() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("admin").await;
        let barrio = t.area_id("17 de Noviembre").await;
        let prv = t.institution_id("PRV").await;
        let me = t.account_id("caseworker").await;
        let pages = [
            "/".to_owned(),
            "/directory".into(),
            "/directory/areas".into(),
            format!("/directory/areas/{barrio}"),
            format!("/directory/areas/{barrio}/edit"),
            "/directory/areas/new".into(),
            "/directory/institutions".into(),
            format!("/directory/institutions/{prv}"),
            format!("/directory/institutions/{prv}/edit"),
            "/directory/institutions/new".into(),
            "/account".into(),
            "/account/totp".into(),
            "/admin/users".into(),
            "/admin/users/new".into(),
            format!("/admin/users/{me}"),
            "/admin/audit".into(),
            "/verify".into(),
            "/results".into(),
            "/results?country=AR".into(),
            "/reports/factsheet?country=AR&lang=es".into(),
        ];
        for p in &pages {
            let r = c.get(p).await;
            assert_eq!(r.status, StatusCode::OK, "{p}");
            let csp = r.header("content-security-policy").unwrap();
            assert!(
                csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
                "{p}"
            );
            assert_eq!(r.header("cache-control"), Some("no-store"), "{p}");
            assert_eq!(r.header("x-frame-options"), Some("DENY"));
            for attr in [
                "src=\"http",
                "href=\"http",
                "src=\"//",
                "href=\"//",
                "action=\"http",
            ] {
                assert!(
                    !r.body.contains(attr),
                    "{p} refers to another host ({attr})"
                );
            }
            assert!(
                r.body
                    .contains("name=\"viewport\" content=\"width=device-width"),
                "{p} is not set up for small screens"
            );
            assert!(
                !r.body.contains("Unknown localization key"),
                "{p} shows a missing translation"
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
            // Budget: first response at most 14 KB compressed.
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(r.body.as_bytes()).unwrap();
            let size = gz.finish().unwrap().len();
            assert!(size <= 14 * 1024, "{p} is {size} bytes compressed");
        }
        let css = c.get("/static/app.css").await;
        assert!(css.body.len() < 10 * 1024);
        assert!(
            !css.body.contains("url("),
            "no fonts or images from anywhere"
        );
    }
}

#[tokio::test]
async fn the_language_switch_translates_the_shell_and_is_remembered() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("program_staff").await;
        let r = c.get("/lang/es?next=/directory").await;
        assert_eq!(r.location(), Some("/directory"));
        let page = c.get("/directory").await;
        assert!(page.body.contains("<html lang=\"es\">"));
        assert!(page.body.contains("Directorio"));
        let th = c.get("/lang/th?next=//evil.example").await;
        assert_eq!(th.location(), Some("/"), "no open redirect");
        let page = c.get("/").await;
        assert!(page.body.contains("<html lang=\"th\">"));
        assert!(c.get("/lang/xx").await.status.is_client_error());
        let mut anon = t.client();
        let r = anon.send(Method::GET, "/login", None, Vec::new()).await;
        assert!(r.body.contains("lang=\"en\""));
    }
}

#[tokio::test]
async fn error_pages_are_translated_and_never_leak_internals() {
    let t = TestApp::sqlite().await;
    let mut c = t.client();
    c.get("/lang/es").await;
    let r = c.get("/nothing-here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("lang=\"es\""));
    let api = c.get("/api/v1/nothing").await;
    assert_eq!(api.header("content-type"), Some("application/problem+json"));
    assert_eq!(api.json()["status"], 404);
}
