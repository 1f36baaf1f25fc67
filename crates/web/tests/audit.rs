//! The audit trail: append-only, hash-chained, verifiable, and readable by admins.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_domain::audit::BreakReason;
use atlas_store::Backend;
use atlas_testkit::TestApp;
use axum::http::{Method, StatusCode};

async fn unprotect(t: &TestApp) {
    match t.backend {
        Backend::Sqlite => {
            t.raw("drop trigger audit_event_no_update").await;
            t.raw("drop trigger audit_event_no_delete").await;
        }
        Backend::Postgres => {
            t.raw("alter table audit_event disable trigger audit_event_no_change")
                .await;
        }
    }
}

#[tokio::test]
async fn no_code_path_can_update_or_delete_audit_rows() {
    for t in TestApp::all_with_demo().await {
        let upd = t
            .try_raw("update audit_event set summary = 'x' where seq = 1")
            .await;
        assert!(upd.unwrap_err().contains("append-only"), "{}", t.name());
        let del = t.try_raw("delete from audit_event where seq = 1").await;
        assert!(del.unwrap_err().contains("append-only"));
        assert!(t.app.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn verify_names_an_edited_row() {
    for t in TestApp::all_with_demo().await {
        let n = t.app.verify_audit().await.unwrap().unwrap();
        assert!(n > 20, "demo writes its events");
        unprotect(&t).await;
        t.raw("update audit_event set summary = 'role=observer' where seq = 7")
            .await;
        let b = t.app.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((b.seq, b.reason), (7, BreakReason::Changed), "{}", t.name());
    }
}

#[tokio::test]
async fn verify_names_the_row_after_a_deleted_one() {
    for t in TestApp::all_with_demo().await {
        unprotect(&t).await;
        t.raw("delete from audit_event where seq = 5").await;
        let b = t.app.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((b.seq, b.reason), (6, BreakReason::Removed), "{}", t.name());
    }
}

#[tokio::test]
async fn verify_catches_swapped_rows() {
    for t in TestApp::all_with_demo().await {
        unprotect(&t).await;
        t.raw("update audit_event set seq = -3 where seq = 3").await;
        t.raw("update audit_event set seq = 3 where seq = 4").await;
        t.raw("update audit_event set seq = 4 where seq = -3").await;
        let b = t.app.verify_audit().await.unwrap().unwrap_err();
        assert_eq!(b.seq, 3, "{}", t.name());
    }
}

#[tokio::test]
async fn admins_filter_the_log_by_action_user_and_record_and_download_it() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("admin").await;
        let r = c.get("/admin/audit?action=auth.login&actor=admin").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<code>auth.login</code>"));
        assert!(!r.body.contains("directory.area.create"));
        let r = c.get("/admin/audit?from=yesterday").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("YYYY-MM-DD"));
        let csv = c.get("/admin/audit.csv?action=directory.").await;
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        let mut rd = csv::Reader::from_reader(csv.body.as_bytes());
        let rows: Vec<_> = rd.records().map(|r| r.unwrap()).collect();
        assert_eq!(
            rows.len(),
            25,
            "11 areas (La Matanza comes with the guide demo) and 14 institutions"
        );
        assert!(rows.iter().all(|r| r[3].starts_with("directory.")));
        let mut api = t.client();
        api.bearer = Some(t.token("admin").await);
        let page = api
            .json(
                Method::GET,
                "/api/v1/audit?action=directory.institution&limit=10",
                None,
            )
            .await
            .json();
        assert_eq!(page["items"].as_array().unwrap().len(), 10);
        let next = page["next_cursor"].as_str().unwrap();
        let page2 = api
            .json(
                Method::GET,
                &format!("/api/v1/audit?action=directory.institution&limit=10&cursor={next}"),
                None,
            )
            .await
            .json();
        assert_eq!(page2["items"].as_array().unwrap().len(), 4);
    }
}
