//! Certificates: issued only to people who completed the course (idempotently), revoked
//! with a reason, the public verification page and API, signed Open Badges credentials
//! that fail verification when changed, access rules, audit, and the pages in every
//! language.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::training::{self as st, CertificateView, CourseFilter, CourseRow};
use atlas_testkit::{Client, TestApp};
use axum::http::{Method, StatusCode};
use uuid::Uuid;

async fn course_of(t: &TestApp, acronym: &str) -> CourseRow {
    st::list_courses(&t.app.db, &CourseFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.institution_acronym == acronym)
        .expect("no course for institution")
}

async fn certs(t: &TestApp, course: Uuid) -> Vec<CertificateView> {
    st::list_certificates(&t.app.db, course).await.unwrap()
}

/// True when `s` contains something shaped like a UUID.
fn has_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(36).any(|w| {
        w.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
    })
}

async fn check(c: &mut Client, credential: serde_json::Value) -> serde_json::Value {
    let r = c
        .json(
            Method::POST,
            "/api/v1/training/certificates/verify",
            Some(credential),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn only_people_who_completed_get_a_certificate_and_issuing_again_adds_nothing() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await;
        let id = course.training_course_id;
        let sessions = st::list_sessions(&t.app.db, id).await.unwrap().len() as i64;
        let enrolled = st::list_enrolled(&t.app.db, id).await.unwrap();
        let have = certs(&t, id).await;
        assert_eq!(have.len(), 20, "{}: the demo's IUPFA completers", t.name());
        for p in &enrolled {
            let certified = have.iter().any(|c| c.full_name == p.full_name);
            assert_eq!(certified, p.attended == sessions, "{}", p.full_name);
        }
        assert!(
            certs(&t, course_of(&t, "DOVIC").await.training_course_id)
                .await
                .is_empty()
        );
        let events = t.audit("training.certificate.issue").await.len();
        let mut coord = t.signed_in("training_coordinator").await;
        let r = coord
            .post_form(&format!("/training/courses/{id}/certificates"), &[])
            .await;
        assert!(
            r.location().unwrap_or("").ends_with("#certificates"),
            "{:?}",
            r.location()
        );
        assert_eq!(certs(&t, id).await.len(), 20, "re-issuing is a no-op");
        assert_eq!(t.audit("training.certificate.issue").await.len(), events);
        let codes: Vec<String> = certs(&t, id).await.into_iter().map(|c| c.code).collect();
        assert_eq!(
            codes,
            have.iter().map(|c| c.code.clone()).collect::<Vec<_>>(),
            "existing certificates are kept as they were"
        );
        // Someone who completes later gets one on the next issue; someone excused does not.
        let iupfa = t.institution_id("IUPFA").await.to_string();
        for (name, last) in [("Nueva Egresada", "present"), ("Otra Excusada", "excused")] {
            let r = coord
                .post_form(
                    &format!("/training/courses/{id}/enrolments"),
                    &[
                        ("full_name", name),
                        ("sex", "female"),
                        ("age_band", "25_34"),
                        ("occupation", "police"),
                        ("institution_id", &iupfa),
                        ("enrolled_on", "2026-02-01"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let pid = st::list_enrolled(&t.app.db, id)
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.full_name == name)
                .unwrap()
                .participant_id;
            let ss = st::list_sessions(&t.app.db, id).await.unwrap();
            for (i, s) in ss.iter().enumerate() {
                let status = if i + 1 == ss.len() { last } else { "present" };
                let field = format!("status-{pid}");
                let r = coord
                    .post_form(
                        &format!("/training/sessions/{}/attendance", s.training_session_id),
                        &[("training_course_id", &id.to_string()), (&field, status)],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            }
        }
        let r = coord
            .post_form(&format!("/training/courses/{id}/certificates"), &[])
            .await;
        assert!(
            r.location().unwrap_or("").ends_with("#certificates"),
            "{:?}",
            r.location()
        );
        let now = certs(&t, id).await;
        assert_eq!(now.len(), 21);
        assert!(now.iter().any(|c| c.full_name == "Nueva Egresada"));
        assert!(!now.iter().any(|c| c.full_name == "Otra Excusada"));
        assert_eq!(
            t.audit("training.certificate.issue").await.len(),
            events + 1
        );
        let page = coord.get(&format!("/training/courses/{id}")).await;
        assert!(page.body.contains("Nueva Egresada") && page.body.contains(&now[0].code));
    }
}

#[tokio::test]
async fn the_public_page_shows_valid_then_revoked_and_nothing_else() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await;
        let x = certs(&t, course.training_course_id).await.remove(0);
        let mut anon = t.client();
        let r = anon.get(&format!("/verify/{}", x.code)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name());
        assert!(r.body.contains("This certificate is valid."));
        assert!(r.body.contains(&x.full_name) && r.body.contains(&course.title));
        assert!(r.body.contains("Instituto Universitario") || r.body.contains(&x.institution_name));
        assert!(r.body.contains("2026-03-02"));
        assert!(!has_uuid(&r.body), "no ids on the public page");
        assert!(!r.body.contains("@"), "no contact");
        // Typed codes: lower case, dashes; the form redirects; unknown codes are 404.
        let typed = format!("{}-{}", &x.code[..5], &x.code[5..]).to_lowercase();
        assert_eq!(
            anon.get(&format!("/verify/{typed}")).await.status,
            StatusCode::OK
        );
        let r = anon.get(&format!("/verify?code={typed}")).await;
        assert_eq!(r.location(), Some(format!("/verify/{}", x.code).as_str()));
        assert_eq!(anon.get("/verify").await.status, StatusCode::OK);
        let r = anon.get("/verify/ZZZZZZZZZZ").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("<html"), "a 404 page");
        // The public API says the same.
        let r = anon
            .json(
                Method::GET,
                &format!("/api/v1/training/certificates/{}", x.code),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["valid"], true);
        assert_eq!(j["name"], x.full_name.as_str());
        assert_eq!(j["issued_at"], "2026-03-02");
        assert!(j["revoked_at"].is_null());
        assert!(!has_uuid(&r.body));
        // Revocation needs a reason.
        t.clock.advance(time::Duration::days(3));
        let mut coord = t.signed_in("training_coordinator").await;
        let path = format!("/training/certificates/{}/revoke", x.certificate_id);
        let r = coord.post_form(&path, &[("revocation_reason", " ")]).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?} {}",
            r.location(),
            r.body
        );
        let r = coord
            .post_form(&path, &[("revocation_reason", "Asistencia mal registrada")])
            .await;
        assert_eq!(
            r.location(),
            Some(
                format!(
                    "/training/courses/{}#certificates",
                    course.training_course_id
                )
                .as_str()
            )
        );
        let r = coord
            .post_form(&path, &[("revocation_reason", "otra vez")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("already revoked"));
        let r = anon.get(&format!("/verify/{}", x.code)).await;
        assert!(r.body.contains("revoked on 2026-03-05"), "{}", r.body);
        assert!(!r.body.contains("This certificate is valid."));
        assert!(
            !r.body.contains("Asistencia mal registrada"),
            "the reason stays private"
        );
        let j = anon
            .json(
                Method::GET,
                &format!("/api/v1/training/certificates/{}", x.code),
                None,
            )
            .await
            .json();
        assert_eq!(j["valid"], false);
        assert_eq!(j["revoked_at"], "2026-03-05");
    }
}

#[tokio::test]
async fn a_changed_credential_fails_verification_and_the_original_passes() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await;
        let x = certs(&t, course.training_course_id).await.remove(0);
        let mut anon = t.client();
        let r = anon
            .get(&format!("/verify/{}/credential.json", x.code))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        let cred = r.json();
        assert!(
            !r.body.contains(&x.full_name),
            "no plain name in the credential"
        );
        assert_eq!(cred["type"][1], "OpenBadgeCredential");
        assert_eq!(cred["@context"][0], "https://www.w3.org/ns/credentials/v2");
        assert_eq!(cred["issuer"]["id"], t.app.certificate_issuer().as_str());
        assert_eq!(
            cred["credentialSubject"]["achievement"]["name"],
            course.title.as_str()
        );
        let ident = &cred["credentialSubject"]["identifier"][0];
        let salt = ident["salt"].as_str().unwrap();
        assert_eq!(
            ident["identityHash"],
            atlas_domain::certificate::identity_hash(&x.full_name, salt).as_str()
        );
        assert_eq!(cred["proof"]["cryptosuite"], "eddsa-jcs-2022");
        assert!(
            cred["proof"]["proofValue"]
                .as_str()
                .unwrap()
                .starts_with('z')
        );
        let ok = check(&mut anon, cred.clone()).await;
        assert_eq!(
            ok,
            serde_json::json!({"valid": true, "reason": "ok"}),
            "{}",
            t.name()
        );
        let mut renamed = cred.clone();
        renamed["credentialSubject"]["achievement"]["name"] = "Curso falso".into();
        let r = check(&mut anon, renamed).await;
        assert_eq!(
            (r["valid"].clone(), r["reason"].clone()),
            (false.into(), "bad_signature".into())
        );
        let mut flipped = cred.clone();
        let pv = cred["proof"]["proofValue"].as_str().unwrap().to_owned();
        let mut chars: Vec<char> = pv.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        flipped["proof"]["proofValue"] = chars.into_iter().collect::<String>().into();
        assert_eq!(check(&mut anon, flipped).await["valid"], false);
        let mut other_issuer = cred.clone();
        other_issuer["issuer"]["id"] = "did:key:z6MkOther".into();
        assert_eq!(
            check(&mut anon, other_issuer).await["reason"],
            "unknown_issuer"
        );
        assert_eq!(
            check(&mut anon, serde_json::json!({"hello": 1})).await["reason"],
            "malformed"
        );
        // Revoked: still genuine, no longer valid.
        t.app
            .revoke_certificate(atlas_core::By::Operator, x.certificate_id, "prueba")
            .await
            .unwrap();
        let r = check(&mut anon, cred).await;
        assert_eq!(r["valid"], false);
        assert_eq!(r["reason"], "revoked");
    }
}

#[tokio::test]
async fn only_managers_of_the_course_issue_revoke_or_print() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let x = certs(&t, course).await.remove(0);
        let print = format!("/training/certificates/{}", x.certificate_id);
        let revoke = format!("{print}/revoke");
        let issue = format!("/training/courses/{course}/certificates");
        let mut other = t.signed_in("coord_prv").await;
        assert_eq!(
            other.post_form(&issue, &[]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other
                .post_form(&revoke, &[("revocation_reason", "x")])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(other.get(&print).await.status, StatusCode::NOT_FOUND);
        for who in ["observer", "facilitator"] {
            let mut c = t.signed_in(who).await;
            let r = c.get(&print).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
            assert!(!r.body.contains(&x.full_name));
            assert_eq!(
                c.post_form(&revoke, &[("revocation_reason", "x")])
                    .await
                    .status,
                StatusCode::NOT_FOUND,
                "{who}"
            );
        }
        assert!(
            certs(&t, course)
                .await
                .iter()
                .all(|c| c.revoked_at.is_none())
        );
        assert!(t.audit("training.certificate.revoke").await.is_empty());
        // The course's coordinator prints it: name, course, institution, date, code, QR.
        let mut coord = t.signed_in("training_coordinator").await;
        let r = coord.get(&print).await;
        assert_eq!(r.status, StatusCode::OK);
        for s in [
            x.full_name.as_str(),
            x.course_title.as_str(),
            x.institution_name.as_str(),
            x.code.as_str(),
            "2026-03-02",
            "<svg",
        ] {
            assert!(r.body.contains(s), "{s}");
        }
        assert!(
            r.body
                .contains(&format!("http://localhost/verify/{}", x.code))
        );
        // Not signed in: to the sign-in page.
        let r = t.client().get(&print).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().unwrap().starts_with("/login"));
    }
}

#[tokio::test]
async fn issuing_and_revoking_write_audit_events_with_ids_only() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let issued = t.audit("training.certificate.issue").await;
        assert_eq!(issued.len(), 20);
        let x = certs(&t, course).await.remove(0);
        let mut coord = t.signed_in("training_coordinator").await;
        let r = coord
            .post_form(
                &format!("/training/certificates/{}/revoke", x.certificate_id),
                &[("revocation_reason", "Error de carga de María")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let rev = t.audit("training.certificate.revoke").await;
        assert_eq!(rev.len(), 1);
        assert_eq!(rev[0].actor_username, "training_coordinator");
        assert_eq!(rev[0].entity_id, x.certificate_id.to_string());
        for e in issued.iter().chain(rev.iter()) {
            assert!(e.summary.contains(&format!("course={course}")));
            for s in ["María", "Juan", "González", "Error", &x.code] {
                assert!(!e.summary.contains(s), "{}", e.summary);
            }
        }
        assert_eq!(
            t.app.verify_audit().await.unwrap(),
            Ok(t.count("audit_event").await as u64)
        );
    }
}

#[tokio::test]
async fn certificate_pages_render_in_every_language() {
    for t in TestApp::all_with_demo().await {
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let x = certs(&t, course).await.remove(0);
        let mut admin = t.signed_in("admin").await;
        let mut anon = t.client();
        for lang in ["en", "es", "th"] {
            admin.get(&format!("/lang/{lang}")).await;
            anon.get(&format!("/lang/{lang}")).await;
            for (signed, p) in [
                (true, format!("/training/courses/{course}")),
                (true, format!("/training/certificates/{}", x.certificate_id)),
                (false, "/verify".to_owned()),
                (false, format!("/verify/{}", x.code)),
            ] {
                let c = if signed { &mut admin } else { &mut anon };
                let r = c.get(&p).await;
                assert_eq!(r.status, StatusCode::OK, "{lang} {p}");
                assert!(r.body.contains(&format!("<html lang=\"{lang}\">")));
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
            }
        }
        assert!(
            admin
                .get(&format!("/training/courses/{course}"))
                .await
                .body
                .matches("/revoke\"")
                .count()
                == 20
        );
    }
}
