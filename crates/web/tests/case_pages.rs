//! Case pages on both databases: who may open which page, an officer screening and
//! opening a case through the form and referring it, the receiving caseworker answering
//! through the page, bad forms answered 422 with nothing written, and identity hidden
//! from justice users.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::cases_referral::ReferralInput;
use atlas_domain::auth::Role;
use atlas_domain::cases::{CaseInput, PersonInput, ScreeningInput};
use atlas_domain::clock::Clock;
use atlas_testkit::{Client, TestApp};
use axum::http::StatusCode;
use uuid::Uuid;

const VICTIM: &str = "Graciela Condori Huanca";

fn case_input(area: Uuid, share: &[Uuid], name: &str) -> CaseInput {
    CaseInput {
        screening: ScreeningInput {
            indicators: "deception,withholding_of_wages".into(),
            age: "31".into(),
            ..Default::default()
        },
        classification: "fl".into(),
        identified_on: "2026-03-01".into(),
        area_id: area.to_string(),
        sector: "C".into(),
        means_of_control: "withholds_documents".into(),
        victim: PersonInput {
            age_band: "30-38".into(),
            sex: "female".into(),
            nationality: "BO".into(),
            name: name.into(),
            consent_services: "on".into(),
            consent_share: share
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(","),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The screening and case fields an officer fills in on `/cases/new` (checkboxes are
/// `<group>-<code>`).
fn form_fields(area: Uuid, prv: Uuid, name: &str, step: &'static str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("indicators-deception", "1"),
        ("indicators-withholding_of_wages", "1"),
        ("indicators-retention_of_documents", "1"),
        ("age", "27"),
        ("weekly_hours", "70"),
        ("classification-fl", "1"),
        ("identified_on", "2026-03-01"),
        ("sector", "C"),
        ("means_of_control-withholds_documents", "1"),
        ("perpetrators-employer", "1"),
        ("age_band", "27-29"),
        ("sex", "female"),
        ("nationality", "BO"),
        ("languages", "es, qu"),
        ("needs-psychosocial", "1"),
        ("document_number", "BO-5512.901"),
        ("contact", "+54 11 5555 0199"),
        ("consent-services", "1"),
        ("consent-statistics", "1"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    f.push(("area_id".into(), area.to_string()));
    f.push((format!("consent_share-{prv}"), "1".into()));
    f.push(("name".into(), name.into()));
    f.push(("step".into(), step.into()));
    f
}

async fn post(c: &mut Client, path: &str, f: &[(String, String)]) -> atlas_testkit::Resp {
    let v: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form(path, &v).await
}

fn case_id_of(location: Option<&str>) -> Uuid {
    let l = location.expect("redirect");
    Uuid::parse_str(l.trim_start_matches("/cases/")).unwrap()
}

#[tokio::test]
async fn pages_open_for_allowed_roles_and_answer_404_to_other_institutions() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let area = t.area_id("17 de Noviembre").await;
        let prv = t.institution_id("PRV").await;
        let protex = t.institution_id("PROTEX").await;
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let mine = t
            .app
            .create_case(&officer, &case_input(area, &[prv], VICTIM))
            .await
            .unwrap();
        // A case of another institution (DOVIC), referred to nobody the demo users work for.
        let dovic = t
            .actor("officer_dovic", Role::FrontlineOfficer, "DOVIC")
            .await;
        let other = t
            .app
            .create_case(&dovic, &case_input(area, &[], "Otra Persona Distinta"))
            .await
            .unwrap();
        t.app
            .refer_case(
                &officer,
                mine.case_id,
                &ReferralInput {
                    institution_id: prv.to_string(),
                    need: "psychosocial".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();

        for (user, pages) in [
            (
                "frontline_officer",
                vec![
                    ("/cases", 200),
                    ("/cases?view=mine", 200),
                    ("/cases?view=referred", 200),
                    ("/cases?view=awaiting", 200),
                    ("/cases/new", 200),
                    ("/cases/statistics", 403),
                    ("/cases/overdue", 403),
                ],
            ),
            (
                "caseworker",
                vec![
                    ("/cases?view=referred", 200),
                    ("/cases?view=awaiting", 200),
                    ("/cases/new", 403),
                    ("/cases/overdue", 403),
                ],
            ),
            ("justice", vec![("/cases", 200), ("/cases/new", 403)]),
            (
                "program_staff",
                vec![
                    ("/cases/statistics", 200),
                    ("/cases/overdue", 200),
                    ("/cases?view=mine", 303),
                    ("/cases/new", 403),
                ],
            ),
            (
                "observer",
                vec![("/cases/statistics", 200), ("/cases/overdue", 403)],
            ),
            (
                "admin",
                vec![("/cases/statistics", 200), ("/cases/new", 403)],
            ),
            (
                "facilitator",
                vec![("/cases", 403), ("/cases/statistics", 403)],
            ),
        ] {
            let mut c = t.signed_in(user).await;
            for (path, status) in pages {
                let r = c.get(path).await;
                assert_eq!(r.status.as_u16(), status, "{n} {user} {path}");
                assert!(
                    !r.body.contains(VICTIM),
                    "{n} {user} {path}: no name in lists"
                );
            }
            // The case pages: own and referred institutions only; everyone else 404.
            let (mine_status, other_status) = match user {
                "frontline_officer" | "caseworker" => (200, 404),
                _ => (404, 404),
            };
            let r = c.get(&format!("/cases/{}", mine.case_id)).await;
            assert_eq!(
                r.status.as_u16(),
                mine_status,
                "{n} {user} own/referred case"
            );
            assert_eq!(
                r.body.contains(VICTIM),
                mine_status == 200,
                "{n} {user} name"
            );
            if mine_status == 200 {
                assert!(r.body.contains(&mine.code));
            }
            let r = c.get(&format!("/cases/{}", other.case_id)).await;
            assert_eq!(
                r.status.as_u16(),
                other_status,
                "{n} {user} other institution's case"
            );
            assert!(
                !r.body.contains(&other.code),
                "{n} {user}: existence not revealed"
            );
            let r = c
                .post_form(
                    &format!("/cases/{}/referrals", other.case_id),
                    &[
                        ("institution_id", &protex.to_string()),
                        ("need", "legal_aid"),
                    ],
                )
                .await;
            assert!(
                matches!(r.status.as_u16(), 403 | 404),
                "{n} {user}: cannot refer another institution's case ({})",
                r.status
            );
        }
        assert_eq!(
            t.app
                .case_detail(&dovic, other.case_id)
                .await
                .unwrap()
                .referrals
                .len(),
            0,
            "{n}: nothing was referred"
        );
        // The nav link shows for case roles and leads others to the statistics.
        let mut c = t.signed_in("caseworker").await;
        assert!(c.get("/").await.body.contains("href=\"/cases\""), "{n}");
        let mut c = t.signed_in("observer").await;
        assert!(
            c.get("/").await.body.contains("href=\"/cases/statistics\""),
            "{n}"
        );
        let mut c = t.signed_in("facilitator").await;
        assert!(!c.get("/").await.body.contains("href=\"/cases"), "{n}");
        // The anonymised export: observers download it, never with a person in it.
        let mut c = t.signed_in("observer").await;
        let exports = t.audit("cases.export").await.len();
        let r = c.get("/cases/export.csv?country=AR").await;
        assert_eq!(r.status, StatusCode::OK, "{n}");
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        assert!(
            r.body.starts_with("yearOfRegistration,gender,ageBroad"),
            "{n}"
        );
        assert!(!r.body.contains(VICTIM) && !r.body.contains(&mine.code));
        let suppressed: usize = r.header("x-suppressed-records").unwrap().parse().unwrap();
        assert!(
            suppressed >= 2,
            "{n}: the few cases here are all suppressed"
        );
        assert_eq!(r.body.lines().count(), 1, "{n}: only the header row");
        assert_eq!(
            t.audit("cases.export").await.len(),
            exports + 1,
            "{n}: audited"
        );
        let mut c = t.signed_in("frontline_officer").await;
        assert_eq!(
            c.get("/cases/export.csv").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn an_officer_screens_opens_and_refers_a_case_and_the_caseworker_accepts_it() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let cases0 = t.count("case_record").await;
        let creates0 = t.audit("cases.case.create").await.len();
        let accepts0 = t.audit("cases.referral.accept").await.len();
        let area = t.area_id("17 de Noviembre").await;
        let prv = t.institution_id("PRV").await;
        let mut officer = t.signed_in("frontline_officer").await;

        // Screening: three ILO indicators propose forced labour, with the reason.
        let r = post(
            &mut officer,
            "/cases/new",
            &form_fields(area, prv, VICTIM, "screen"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{n}: {}", r.body);
        assert!(r.body.contains("Possible forced labour"), "{n}");
        assert!(
            r.body
                .contains("Two or more ILO indicators of forced labour."),
            "{n}"
        );
        assert!(
            r.body
                .contains("name=\"classification-fl\" value=\"1\" checked"),
            "{n}"
        );
        // The first page holds only the screening: the case part starts with today's date.
        let mut first = form_fields(area, prv, VICTIM, "screen");
        first.retain(|(k, _)| k != "identified_on");
        let r = post(&mut officer, "/cases/new", &first).await;
        assert!(
            r.body
                .contains(&format!("value=\"{}\"", t.clock.now().date())),
            "{n}: identification date prefilled"
        );
        assert_eq!(
            t.count("case_record").await,
            cases0,
            "{n}: screening writes nothing"
        );

        // Create: no case in reach matches, so the case opens at once.
        let r = post(
            &mut officer,
            "/cases/new",
            &form_fields(area, prv, VICTIM, "create"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.body);
        let id = case_id_of(r.location());
        let page = officer.get(&format!("/cases/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(VICTIM),
            "{n}: own institution sees the name"
        );
        assert!(page.body.contains("Possible forced labour"));
        assert_eq!(
            t.audit("cases.case.create").await.len(),
            creates0 + 1,
            "{n}"
        );
        assert!(
            !t.db_contains(VICTIM).await,
            "{n}: the name is stored sealed"
        );

        // The same person again: the search before create shows the first case.
        let r = post(
            &mut officer,
            "/cases/new",
            &form_fields(area, prv, VICTIM, "create"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{n}");
        assert!(
            r.body.contains(&format!("/cases/{id}")),
            "{n}: duplicate listed"
        );
        assert!(r.body.contains("name=\"dup_checked\" value=\"1\""), "{n}");
        assert_eq!(
            t.count("case_record").await,
            cases0 + 1,
            "{n}: not created yet"
        );

        // Refer for psychosocial support: the pathway suggests the PRV's team, 48 h.
        let page = officer.get(&format!("/cases/{id}?need=psychosocial")).await;
        assert!(
            page.body.contains("Psychosocial support team"),
            "{n}: {}",
            page.body
        );
        assert!(
            page.body.contains(&format!("value=\"{prv}\" selected")),
            "{n}"
        );
        let r = officer
            .post_form(
                &format!("/cases/{id}/referrals"),
                &[
                    ("institution_id", &prv.to_string()),
                    ("need", "psychosocial"),
                    ("pathway_order", "1"),
                    ("note", "Speaks Quechua; prefers a woman interviewer"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.body);
        let d = t
            .app
            .case_detail(
                &t.actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
                    .await,
                id,
            )
            .await
            .unwrap();
        let referral = &d.referrals[0].r;
        assert_eq!(referral.state, "sent");
        assert_eq!(
            referral.due_at - referral.created_at,
            time::Duration::hours(48),
            "{n}: deadline from the pathway step"
        );

        // The caseworker sees it on her home page and in "awaiting my action".
        let mut cw = t.signed_in("caseworker").await;
        let code = d.case.code.clone();
        let home = cw.get("/").await;
        assert!(
            home.body.contains(&code),
            "{n}: home block lists the referral"
        );
        let list = cw.get("/cases?view=awaiting").await;
        assert!(list.body.contains(&code), "{n}");
        let list = cw.get("/cases?view=awaiting&need=health").await;
        assert!(!list.body.contains(&code), "{n}: filtered by need");
        let reads = t.audit("cases.identity.read").await.len();
        let page = cw.get(&format!("/cases/{id}")).await;
        assert!(
            page.body.contains(VICTIM),
            "{n}: referred institution sees the name"
        );
        assert_eq!(
            t.audit("cases.identity.read").await.len(),
            reads + 1,
            "{n}: audited"
        );
        assert!(
            page.body.contains("value=\"accept\""),
            "{n}: answer buttons"
        );
        assert!(
            !page.body.contains("value=\"revoke\""),
            "{n}: not the sender's"
        );
        let r = cw
            .post_form(
                &format!("/cases/{id}/referrals/{}", referral.case_referral_id),
                &[("event", "accept"), ("version", "1"), ("reason", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.body);
        let page = cw.get(&format!("/cases/{id}")).await;
        assert!(page.body.contains("Accepted"), "{n}");
        assert!(page.body.contains("value=\"deliver\""), "{n}");
        assert_eq!(
            t.audit("cases.referral.accept").await.len(),
            accepts0 + 1,
            "{n}"
        );
        // The sender may now revoke, not accept.
        let page = officer.get(&format!("/cases/{id}")).await;
        assert!(page.body.contains("value=\"revoke\""), "{n}");
        assert!(!page.body.contains("value=\"accept\""), "{n}");
    }
}

#[tokio::test]
async fn bad_forms_answer_422_naming_the_field_with_the_input_kept_and_write_nothing() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let cases0 = t.count("case_record").await;
        let refs0 = t.count("case_referral").await;
        let declines0 = t.audit("cases.referral.decline").await.len();
        let area = t.area_id("17 de Noviembre").await;
        let prv = t.institution_id("PRV").await;
        let mut officer = t.signed_in("frontline_officer").await;
        let audit_before = t.count("audit_event").await;

        let mut bad = form_fields(area, prv, VICTIM, "create");
        for (k, v) in &mut bad {
            if k == "nationality" {
                *v = "Bolivia".into();
            }
            if k == "age_band" {
                *v = "9-17".into();
            }
        }
        let r = post(&mut officer, "/cases/new", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(r.body.contains("Enter the two-letter country code"), "{n}");
        assert!(
            r.body
                .contains("does not match the age given in the screening"),
            "{n}"
        );
        assert!(r.body.contains("value=\"Bolivia\""), "{n}: input kept");
        assert!(
            r.body.contains(VICTIM),
            "{n}: the name typed is kept in the form"
        );
        assert!(
            r.body
                .contains("aria-invalid=\"true\" aria-describedby=\"e-nationality\"")
        );
        // A changed classification without a note.
        let mut changed = form_fields(area, prv, VICTIM, "create");
        changed.retain(|(k, _)| k != "classification-fl");
        changed.push(("classification-ht".into(), "1".into()));
        let r = post(&mut officer, "/cases/new", &changed).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(r.body.contains("write a note saying why"), "{n}");
        // A bad screening answer.
        let mut screen = form_fields(area, prv, VICTIM, "screen");
        screen.push(("indicators-nonsense".into(), "1".into()));
        let r = post(&mut officer, "/cases/new", &screen).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert_eq!(t.count("case_record").await, cases0, "{n}: nothing written");
        assert_eq!(
            t.count("audit_event").await,
            audit_before,
            "{n}: not even a search"
        );

        // A referral and its answers.
        let o = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let c = t
            .app
            .create_case(&o, &case_input(area, &[prv], VICTIM))
            .await
            .unwrap();
        let mtpba = t.institution_id("MTPBA").await;
        let r = officer
            .post_form(
                &format!("/cases/{}/referrals", c.case_id),
                &[
                    ("institution_id", &mtpba.to_string()),
                    ("need", "legal_aid"),
                    ("note", "kept note"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(r.body.contains("cannot be referred to your own"), "{n}");
        assert!(r.body.contains("kept note"), "{n}");
        let dovic = t.institution_id("DOVIC").await;
        let r = officer
            .post_form(
                &format!("/cases/{}/referrals", c.case_id),
                &[
                    ("institution_id", &dovic.to_string()),
                    ("need", "legal_aid"),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: no consent"
        );
        assert!(r.body.contains("has not agreed to share"), "{n}");
        assert_eq!(t.count("case_referral").await, refs0, "{n}");
        let sent = t
            .app
            .refer_case(
                &o,
                c.case_id,
                &ReferralInput {
                    institution_id: prv.to_string(),
                    need: "safety_shelter".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut cw = t.signed_in("caseworker").await;
        let path = format!("/cases/{}/referrals/{}", c.case_id, sent.case_referral_id);
        let r = cw
            .post_form(
                &path,
                &[("event", "decline"), ("version", "1"), ("reason", " ")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(r.body.contains("Say why the referral is declined."), "{n}");
        let r = cw
            .post_form(
                &path,
                &[("event", "deliver"), ("version", "1"), ("reason", "")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: out of order"
        );
        let r = officer
            .post_form(
                &path,
                &[("event", "accept"), ("version", "1"), ("reason", "")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: wrong side"
        );
        let d = t.app.case_detail(&o, c.case_id).await.unwrap();
        assert_eq!(d.referrals[0].r.state, "sent", "{n}: unchanged");
        assert_eq!(
            t.audit("cases.referral.decline").await.len(),
            declines0,
            "{n}"
        );
    }
}

#[tokio::test]
async fn justice_sees_the_legal_track_and_never_who_the_persons_are() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let legal0 = t.audit("cases.legal.").await.len();
        let complaints0 = t.audit("cases.legal.complaint").await.len();
        let inv0 = t.audit("cases.legal.investigation").await.len();
        let area = t.area_id("17 de Noviembre").await;
        let protex = t.institution_id("PROTEX").await;
        let o = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let c = t
            .app
            .create_case(&o, &case_input(area, &[protex], VICTIM))
            .await
            .unwrap();
        let mut j = t.signed_in("justice").await;
        assert_eq!(
            j.get(&format!("/cases/{}", c.case_id)).await.status,
            404,
            "{n}"
        );
        t.app
            .refer_case(
                &o,
                c.case_id,
                &ReferralInput {
                    institution_id: protex.to_string(),
                    need: "legal_aid".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let reads = t.audit("cases.identity.read").await.len();
        let page = j.get(&format!("/cases/{}", c.case_id)).await;
        assert_eq!(page.status, StatusCode::OK, "{n}");
        assert!(!page.body.contains(VICTIM), "{n}: no name for justice");
        assert!(
            page.body.contains("30-38"),
            "{n}: the age band the step needs"
        );
        assert!(page.body.contains("Identifying data is not shown"), "{n}");
        assert!(
            !page.body.contains("/referrals\""),
            "{n}: justice does not refer"
        );
        assert_eq!(t.audit("cases.identity.read").await.len(), reads, "{n}");

        let legal = format!("/cases/{}/legal", c.case_id);
        let r = j
            .post_form(
                &legal,
                &[
                    ("kind", "sentence"),
                    ("occurred_on", "2026-03-01"),
                    ("outcome", "conviction"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(r.body.contains("Record the trial first"), "{n}");
        assert_eq!(t.audit("cases.legal.").await.len(), legal0, "{n}");
        let r = j
            .post_form(
                &legal,
                &[
                    ("kind", "complaint"),
                    ("occurred_on", "2026-03-01"),
                    ("note", "Filed at PROTEX"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.body);
        let page = j.get(&format!("/cases/{}", c.case_id)).await;
        assert!(page.body.contains("Complaint filed"), "{n}");
        assert_eq!(
            t.audit("cases.legal.complaint").await.len(),
            complaints0 + 1,
            "{n}"
        );
        // The officer cannot record legal steps.
        let mut officer = t.signed_in("frontline_officer").await;
        let r = officer
            .post_form(
                &legal,
                &[("kind", "investigation"), ("occurred_on", "2026-03-01")],
            )
            .await;
        assert!(matches!(r.status.as_u16(), 403 | 404), "{n}: {}", r.status);
        assert_eq!(
            t.audit("cases.legal.investigation").await.len(),
            inv0,
            "{n}"
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
async fn case_pages_stay_within_the_page_budget_in_every_language() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let area = t.area_id("17 de Noviembre").await;
        let prv = t.institution_id("PRV").await;
        let o = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let c = t
            .app
            .create_case(&o, &case_input(area, &[prv], VICTIM))
            .await
            .unwrap();
        let mut officer = t.signed_in("frontline_officer").await;
        for lang in ["en", "es", "th"] {
            officer.get(&format!("/lang/{lang}?next=/")).await;
            let screened = post(
                &mut officer,
                "/cases/new",
                &form_fields(area, prv, VICTIM, "screen"),
            )
            .await;
            assert_eq!(screened.status, StatusCode::OK, "{n} {lang}");
            for (what, body) in [
                ("screened form", screened.body),
                (
                    "case page",
                    officer
                        .get(&format!("/cases/{}?need=safety_shelter", c.case_id))
                        .await
                        .body,
                ),
                ("lists", officer.get("/cases?view=mine").await.body),
            ] {
                assert!(
                    body.contains(&format!("lang=\"{lang}\"")),
                    "{n} {lang} {what}"
                );
                let size = gz_size(&body);
                assert!(
                    size <= 14 * 1024,
                    "{n} {lang} {what}: {size} bytes compressed"
                );
            }
        }
    }
}
