//! Cases on both databases: need-to-know access for every role over the own, a
//! referred, another institution and another country; sealed identifying data; audited
//! reads; consent gating; deadlines and overdue lists with the settable clock; the
//! legal track's order; the k-anonymous export; retention erasure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_core::cases_referral::ReferralInput;
use atlas_domain::auth::Role;
use atlas_domain::cases::LegalStepInput;
use atlas_domain::clock::Clock;
use atlas_testkit::TestApp;
use atlas_testkit::cases::{case_input, referral};
use axum::http::{Method, StatusCode};

const VICTIM: &str = "Rosalía Quispe Mamani";

#[tokio::test]
async fn every_role_sees_a_case_only_from_its_own_or_a_referred_institution() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let prv = t.institution_id("PRV").await;
        let protex = t.institution_id("PROTEX").await;
        let area = t.area_id("17 de Noviembre").await;
        let a = t
            .app
            .create_case(&officer, &case_input(area, &[prv, protex], VICTIM))
            .await
            .unwrap();
        let b = t
            .app
            .create_case(&officer, &case_input(area, &[], "Otra Persona"))
            .await
            .unwrap();
        t.app
            .refer_case(&officer, a.case_id, &referral(prv, "safety_shelter"))
            .await
            .unwrap();
        t.app
            .refer_case(&officer, a.case_id, &referral(protex, "legal_aid"))
            .await
            .unwrap();

        // Through the API: demo accounts with their tokens.
        let reads_before = t.audit("cases.identity.read").await.len();
        for (user, a_status, a_name, b_status) in [
            ("frontline_officer", 200, true, 200),
            ("caseworker", 200, true, 404),
            ("justice", 200, false, 404),
            ("admin", 404, false, 404),
            ("program_staff", 404, false, 404),
            ("observer", 404, false, 404),
            ("training_coordinator", 404, false, 404),
            ("facilitator", 404, false, 404),
            ("municipal_official", 404, false, 404),
            ("mapping_facilitator", 404, false, 404),
        ] {
            let mut c = t.client();
            c.bearer = Some(t.token(user).await);
            let r = c
                .json(Method::GET, &format!("/api/v1/cases/{}", a.case_id), None)
                .await;
            assert_eq!(r.status.as_u16(), a_status, "{n} {user} case A: {}", r.body);
            assert_eq!(r.body.contains(VICTIM), a_name, "{n} {user} sees the name");
            if a_status == 200 {
                assert_eq!(r.json()["code"], a.code.as_str());
                assert!(r.json()["persons"][0]["age_band"].is_string());
            }
            let r = c
                .json(Method::GET, &format!("/api/v1/cases/{}", b.case_id), None)
                .await;
            assert_eq!(r.status.as_u16(), b_status, "{n} {user} case B");
            let l = c.json(Method::GET, "/api/v1/cases", None).await;
            if a_status == 200 {
                let codes: Vec<String> = l.json()["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["code"].as_str().unwrap().to_owned())
                    .collect();
                assert!(codes.contains(&a.code), "{n} {user} lists A");
                assert_eq!(
                    codes.contains(&b.code),
                    b_status == 200,
                    "{n} {user} lists B"
                );
            } else {
                assert_eq!(l.status, StatusCode::FORBIDDEN, "{n} {user} list");
                assert!(!l.body.contains(&a.code));
            }
        }
        // Two readers were allowed to see names of case A, one of case B.
        assert_eq!(
            t.audit("cases.identity.read").await.len() - reads_before,
            3,
            "{n}: every read of identifying data is audited"
        );
        for e in t.audit("cases.").await {
            assert!(
                !e.summary.contains("Rosal"),
                "{n}: no name in audit summaries"
            );
        }

        // Other institutions of the country and other countries, every case role.
        for (user, role, acr) in [
            ("officer_dovic", Role::FrontlineOfficer, "DOVIC"),
            ("caseworker_copreti", Role::Caseworker, "COPRETI"),
            ("justice_mlz", Role::Justice, "MLZ"),
            ("officer_th", Role::FrontlineOfficer, "DLPW"),
            ("caseworker_th", Role::Caseworker, "DLPW"),
            ("justice_lr", Role::Justice, "LNP"),
        ] {
            let x = t.actor(user, role, acr).await;
            for id in [a.case_id, b.case_id] {
                let e = t.app.case_detail(&x, id).await.unwrap_err();
                assert_eq!(e.rule(), Some(&atlas_domain::Error::NotFound), "{n} {user}");
            }
            let listed = t
                .app
                .case_list(
                    &x,
                    &atlas_core::cases::CaseQuery {
                        view: atlas_core::cases::CaseView::All,
                        status: None,
                        class: None,
                        code_prefix: None,
                        after: None,
                        limit: 50,
                    },
                )
                .await
                .unwrap();
            assert!(listed.is_empty(), "{n} {user} lists nothing");
        }
    }
}

#[tokio::test]
async fn identifying_data_is_sealed_in_the_database() {
    for t in TestApp::all_with_demo().await {
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let area = t.area_id("17 de Noviembre").await;
        let c = t
            .app
            .create_case(&officer, &case_input(area, &[], VICTIM))
            .await
            .unwrap();
        let sealed = t
            .text(&format!(
                "select name_sealed from case_person where role = 'victim' and case_id in (select case_id from case_record where code = '{}')",
                c.code
            ))
            .await
            .unwrap();
        assert!(sealed.starts_with("v1:"), "{}", t.name());
        let n = t
            .count("case_person where name_sealed like '%Rosal%' or document_sealed like '%4471%' or contact_sealed like '%5555%' or address_sealed like '%Falsa%' or languages like '%Rosal%'")
            .await;
        assert_eq!(n, 0);
        if let Some(url) = t.sqlite_url() {
            let path = url.trim_start_matches("sqlite://");
            for f in [path.to_owned(), format!("{path}-wal")] {
                if let Ok(bytes) = std::fs::read(&f) {
                    let hay = String::from_utf8_lossy(&bytes);
                    assert!(!hay.contains("Rosal"), "victim's name in {f}");
                    assert!(!hay.contains("Calle Falsa"), "address in {f}");
                }
            }
        }
        // Search before create finds the case by document number and by the same name
        // written differently, without the name being stored in clear.
        let found = t
            .app
            .search_before_create(&officer, "quispe mamani rosalia", "")
            .await
            .unwrap();
        assert_eq!(found, vec![(c.case_id, c.code.clone())]);
        let by_doc = t
            .app
            .search_before_create(&officer, "", "bo4471220")
            .await
            .unwrap();
        assert_eq!(by_doc.len(), 1);
        let other = t
            .actor("officer_dovic", Role::FrontlineOfficer, "DOVIC")
            .await;
        assert!(
            t.app
                .search_before_create(&other, VICTIM, "")
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn referrals_need_consent_or_an_override_with_a_reason() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let caseworker = t.actor("caseworker", Role::Caseworker, "PRV").await;
        let prv = t.institution_id("PRV").await;
        let dovic = t.institution_id("DOVIC").await;
        let mtpba = t.institution_id("MTPBA").await;
        let area = t.area_id("17 de Noviembre").await;
        let c = t
            .app
            .create_case(&officer, &case_input(area, &[prv], VICTIM))
            .await
            .unwrap();
        let before = t.count("case_referral").await;
        let key = |e: atlas_core::Error, field: &str| match e.rule() {
            Some(atlas_domain::Error::Invalid(f)) => f.get(field),
            _ => None,
        };
        let e = t
            .app
            .refer_case(&officer, c.case_id, &referral(dovic, "health"))
            .await
            .unwrap_err();
        assert_eq!(key(e, "institution_id"), Some("referral-no-consent"), "{n}");
        let e = t
            .app
            .refer_case(&officer, c.case_id, &referral(mtpba, "health"))
            .await
            .unwrap_err();
        assert_eq!(
            key(e, "institution_id"),
            Some("referral-own-institution"),
            "{n}"
        );
        assert_eq!(
            t.count("case_referral").await,
            before,
            "{n}: nothing written"
        );
        // Before any referral the caseworker cannot even see the case.
        let e = t
            .app
            .refer_case(&caseworker, c.case_id, &referral(dovic, "health"))
            .await
            .unwrap_err();
        assert_eq!(e.rule(), Some(&atlas_domain::Error::NotFound));
        t.app
            .refer_case(&officer, c.case_id, &referral(prv, "safety_shelter"))
            .await
            .unwrap();
        let e = t
            .app
            .refer_case(&caseworker, c.case_id, &referral(dovic, "health"))
            .await
            .unwrap_err();
        assert_eq!(
            key(e, "override_reason"),
            Some("referral-override-reason-required"),
            "{n}"
        );
        let r = t
            .app
            .refer_case(
                &caseworker,
                c.case_id,
                &ReferralInput {
                    override_reason: "Life at risk; DOVIC must take her statement today".into(),
                    ..referral(dovic, "health")
                },
            )
            .await
            .unwrap();
        assert_eq!(r.consent_basis, "override");
        let ev = t.audit("cases.referral.send").await;
        assert!(ev.last().unwrap().summary.contains("basis=override"));
        assert!(!ev.last().unwrap().summary.contains("Life at risk"));
    }
}

#[tokio::test]
async fn deadlines_run_out_and_overdue_referrals_are_listed_for_receiver_and_supervisor() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let caseworker = t.actor("caseworker", Role::Caseworker, "PRV").await;
        let supervisor = t.actor("program_staff", Role::ProgramStaff, "WI").await;
        let prv = t.institution_id("PRV").await;
        let area = t.area_id("17 de Noviembre").await;
        // The demo's own referrals to the PRV (one already overdue) are the baseline.
        let awaiting0 = t.app.awaiting_action(&caseworker, 50).await.unwrap().len();
        let has =
            |v: &[atlas_core::cases::ReferralView], code: &str| v.iter().any(|x| x.code == code);
        let stats0 = t
            .app
            .case_statistics(&supervisor, Some("AR"))
            .await
            .unwrap();
        let (made0, done0) = atlas_store::cases::referral_counts(
            &t.app.db,
            "AR",
            t.clock.now() - time::Duration::days(5),
            t.clock.now() + time::Duration::seconds(1),
        )
        .await
        .unwrap();
        let stages0 = atlas_store::cases::cases_by_stage(&t.app.db, "AR")
            .await
            .unwrap();
        let c = t
            .app
            .create_case(&officer, &case_input(area, &[prv], VICTIM))
            .await
            .unwrap();
        let r = t
            .app
            .refer_case(&officer, c.case_id, &referral(prv, "safety_shelter"))
            .await
            .unwrap();
        assert_eq!(
            r.due_at,
            t.clock.now() + time::Duration::hours(72),
            "{n}: default deadline"
        );
        let notes = t.app.case_notifications(&caseworker).await.unwrap();
        assert!(
            notes
                .iter()
                .any(|x| x.kind == "referral_received" && x.code == c.code)
        );
        assert_eq!(
            t.app.awaiting_action(&caseworker, 50).await.unwrap().len(),
            awaiting0 + 1
        );
        assert!(!has(
            &t.app.overdue_to_me(&caseworker).await.unwrap(),
            &c.code
        ));
        t.clock.advance(time::Duration::hours(73));
        assert!(
            has(&t.app.overdue_to_me(&caseworker).await.unwrap(), &c.code),
            "{n}"
        );
        let sup = t.app.overdue_for_supervisor(&supervisor).await.unwrap();
        assert!(has(&sup, &c.code));
        assert!(t.app.overdue_for_supervisor(&officer).await.is_err());
        // Out of order, wrong side, decline without a reason, stale version.
        let bad = |e: atlas_core::Error| match e.rule() {
            Some(atlas_domain::Error::Invalid(f)) => f.0.first().map(|x| x.key),
            Some(atlas_domain::Error::Stale) => Some("stale"),
            _ => None,
        };
        let id = r.case_referral_id;
        assert_eq!(
            bad(t
                .app
                .answer_referral(&caseworker, id, "deliver", "", "1")
                .await
                .unwrap_err()),
            Some("referral-out-of-order")
        );
        assert_eq!(
            bad(t
                .app
                .answer_referral(&officer, id, "accept", "", "1")
                .await
                .unwrap_err()),
            Some("referral-wrong-side")
        );
        assert_eq!(
            bad(t
                .app
                .answer_referral(&caseworker, id, "decline", " ", "1")
                .await
                .unwrap_err()),
            Some("referral-decline-reason-required")
        );
        let r2 = t
            .app
            .answer_referral(&caseworker, id, "acknowledge", "", "1")
            .await
            .unwrap();
        assert_eq!(
            bad(t
                .app
                .answer_referral(&caseworker, id, "accept", "", "1")
                .await
                .unwrap_err()),
            Some("stale")
        );
        let r3 = t
            .app
            .answer_referral(&caseworker, id, "accept", "", &r2.version.to_string())
            .await
            .unwrap();
        assert_eq!(r3.answer_minutes, Some(73 * 60));
        assert!(
            !has(&t.app.overdue_to_me(&caseworker).await.unwrap(), &c.code),
            "{n}: answered"
        );
        let r4 = t
            .app
            .answer_referral(&caseworker, id, "deliver", "", &r3.version.to_string())
            .await
            .unwrap();
        t.app
            .answer_referral(&officer, id, "close", "", &r4.version.to_string())
            .await
            .unwrap();
        let other = t
            .actor("caseworker_copreti", Role::Caseworker, "COPRETI")
            .await;
        assert_eq!(
            t.app
                .answer_referral(&other, id, "close", "", "5")
                .await
                .unwrap_err()
                .rule(),
            Some(&atlas_domain::Error::NotFound)
        );
        let stats = t
            .app
            .case_statistics(&supervisor, Some("AR"))
            .await
            .unwrap();
        let closed0 = stats0
            .referrals_by_state
            .get("closed")
            .copied()
            .unwrap_or(0);
        assert_eq!(stats.referrals_by_state.get("closed"), Some(&(closed0 + 1)));
        let answered0 = stats0.referrals_answered as f64;
        let mean0 = stats0.mean_hours_to_answer.unwrap_or(0.0);
        assert_eq!(
            stats.mean_hours_to_answer,
            Some((mean0 * answered0 + 73.0) / (answered0 + 1.0))
        );
        let (made, done) = atlas_store::cases::referral_counts(
            &t.app.db,
            "AR",
            t.clock.now() - time::Duration::days(30),
            t.clock.now(),
        )
        .await
        .unwrap();
        assert_eq!((made, done), (made0 + 1, done0 + 1));
        let stages = atlas_store::cases::cases_by_stage(&t.app.db, "AR")
            .await
            .unwrap();
        let assisted0 = stages0
            .iter()
            .find(|(s, _)| s == "assisted")
            .map(|(_, n)| *n)
            .unwrap_or(0);
        assert_eq!(
            stages
                .iter()
                .find(|(s, _)| s == "assisted")
                .map(|(_, n)| *n),
            Some(assisted0 + 1)
        );
    }
}

#[tokio::test]
async fn the_legal_track_needs_each_step_before_the_next() {
    for t in TestApp::all_with_demo().await {
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let justice = t.actor("justice", Role::Justice, "PROTEX").await;
        let protex = t.institution_id("PROTEX").await;
        let area = t.area_id("17 de Noviembre").await;
        let c = t
            .app
            .create_case(&officer, &case_input(area, &[protex], VICTIM))
            .await
            .unwrap();
        let program = t.actor("program_staff", Role::ProgramStaff, "WI").await;
        let steps0 = t.count("case_legal_step").await;
        let convictions0 = t
            .app
            .case_statistics(&program, None)
            .await
            .unwrap()
            .sentences
            .get("conviction")
            .copied()
            .unwrap_or(0);
        let legal0 = t.audit("cases.legal.").await.len();
        let step = |kind: &str, on: &str| LegalStepInput {
            kind: kind.into(),
            occurred_on: on.into(),
            ..Default::default()
        };
        assert_eq!(
            t.app
                .add_legal_step(&justice, c.case_id, &step("complaint", "2026-03-01"))
                .await
                .unwrap_err()
                .rule(),
            Some(&atlas_domain::Error::NotFound),
            "not referred yet"
        );
        t.app
            .refer_case(&officer, c.case_id, &referral(protex, "legal_aid"))
            .await
            .unwrap();
        let sentence = LegalStepInput {
            outcome: "conviction".into(),
            penalty_months: "96".into(),
            ..step("sentence", "2026-03-02")
        };
        let e = t
            .app
            .add_legal_step(&justice, c.case_id, &sentence)
            .await
            .unwrap_err();
        assert!(
            matches!(e.rule(), Some(atlas_domain::Error::Invalid(f)) if f.get("kind") == Some("legal-needs-trial"))
        );
        assert_eq!(t.count("case_legal_step").await, steps0);
        for (k, d) in [
            ("complaint", "2026-03-01"),
            ("investigation", "2026-03-01"),
            ("charges", "2026-03-02"),
            ("trial", "2026-03-02"),
        ] {
            t.app
                .add_legal_step(&justice, c.case_id, &step(k, d))
                .await
                .unwrap();
        }
        t.app
            .add_legal_step(&justice, c.case_id, &sentence)
            .await
            .unwrap();
        assert!(
            t.app
                .add_legal_step(&officer, c.case_id, &step("appeal", "2026-03-02"))
                .await
                .is_err()
        );
        let d = t.app.case_detail(&justice, c.case_id).await.unwrap();
        assert_eq!(d.legal.len(), 5);
        assert!(
            d.persons.iter().all(|p| p.identity.is_none()),
            "justice sees no identity"
        );
        let s = t.app.case_statistics(&program, None).await.unwrap();
        assert_eq!(s.sentences.get("conviction"), Some(&(convictions0 + 1)));
        assert_eq!(t.audit("cases.legal.").await.len(), legal0 + 5);
    }
}

#[tokio::test]
async fn the_export_is_k_anonymous_and_reports_suppression() {
    for t in TestApp::all_with_demo().await {
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let observer = t.actor("observer", Role::Observer, "USDOL").await;
        let area = t.area_id("17 de Noviembre").await;
        // The demo's cases are few and all different: every one of them is suppressed.
        let x0 = t.app.case_export(&observer, None).await.unwrap();
        assert!(x0.rows.is_empty());
        let s0 = t.app.case_statistics(&observer, Some("AR")).await.unwrap();
        for i in 0..12 {
            t.app
                .create_case(&officer, &case_input(area, &[], &format!("Persona {i}")))
                .await
                .unwrap();
        }
        for (i, sex) in ["male", "male", "other"].iter().enumerate() {
            let mut inp = case_input(area, &[], &format!("Otra {i}"));
            inp.victim.sex = (*sex).into();
            t.app.create_case(&officer, &inp).await.unwrap();
        }
        let mut no_consent = case_input(area, &[], "Sin Consentimiento");
        no_consent.victim.consent_statistics = String::new();
        t.app.create_case(&officer, &no_consent).await.unwrap();
        let x = t.app.case_export(&observer, None).await.unwrap();
        assert_eq!(x.k, 11);
        assert_eq!(x.rows.len(), 12);
        assert_eq!(x.suppressed, x0.suppressed + 3);
        let mut counts = std::collections::HashMap::new();
        for r in &x.rows {
            assert_eq!(r.len(), x.header.len());
            *counts.entry(r.clone()).or_insert(0usize) += 1;
        }
        assert!(
            counts.values().all(|c| *c >= 11),
            "every combination shared by ≥ k rows"
        );
        let ev = t.audit("cases.export").await;
        assert_eq!(
            ev.last().unwrap().summary,
            format!("rows=12;suppressed={};k=11", x0.suppressed + 3)
        );
        assert!(t.app.case_export(&officer, None).await.is_err());
        let s = t.app.case_statistics(&observer, Some("AR")).await.unwrap();
        let base =
            |m: &std::collections::BTreeMap<String, i64>, k: &str| m.get(k).copied().unwrap_or(0);
        assert_eq!(s.victims, s0.victims + 16);
        assert_eq!(
            s.by_sex.get("female"),
            Some(&(base(&s0.by_sex, "female") + 13))
        );
        assert_eq!(
            s.by_province.get("Buenos Aires"),
            Some(&(base(&s0.by_province, "Buenos Aires") + 16))
        );
    }
}

#[tokio::test]
async fn closed_cases_lose_their_identifying_data_after_the_retention_period() {
    for t in TestApp::all_with_demo().await {
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let area = t.area_id("17 de Noviembre").await;
        let program = t.actor("program_staff", Role::ProgramStaff, "WI").await;
        let victims0 = t.app.case_statistics(&program, None).await.unwrap().victims;
        let closed = t
            .app
            .create_case(&officer, &case_input(area, &[], VICTIM))
            .await
            .unwrap();
        let open = t
            .app
            .create_case(&officer, &case_input(area, &[], "Sigue Abierto"))
            .await
            .unwrap();
        t.app
            .close_case(&officer, closed.case_id, "1")
            .await
            .unwrap();
        assert_eq!(
            t.app.erase_expired_identities(By::Operator).await.unwrap(),
            0
        );
        t.clock.advance(time::Duration::days(5 * 365 + 1));
        assert!(
            t.app
                .erase_expired_identities(By::User(&officer))
                .await
                .is_err()
        );
        // The daily job does the erasure the command does.
        t.app.schedule_periodic_jobs().await.unwrap();
        assert!(t.app.run_due_jobs().await.unwrap() >= 2);
        assert_eq!(
            t.app.erase_expired_identities(By::Operator).await.unwrap(),
            0,
            "the job erased it already"
        );
        let d = t.app.case_detail(&officer, closed.case_id).await.unwrap();
        assert!(d.persons.iter().all(|p| p.identity.is_none()));
        assert_eq!(d.persons[0].age_band, "27-29", "statistics columns remain");
        let still = t.app.case_detail(&officer, open.case_id).await.unwrap();
        assert!(still.persons[0].identity.is_some());
        assert_eq!(
            t.count(&format!("case_person where case_id in (select case_id from case_record where code = '{}') and name_sealed is not null", closed.code)).await,
            0
        );
        assert_eq!(t.audit("cases.identity.erase").await.len(), 1);
        assert_eq!(
            t.app.case_statistics(&program, None).await.unwrap().victims,
            victims0 + 2
        );
    }
}

#[tokio::test]
async fn referrals_follow_the_guides_pathway_of_the_case_area_with_its_deadline() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let prv = t.institution_id("PRV").await;
        // The barrio has no pathway of its own: it inherits Lomas de Zamora's.
        let area = t.area_id("17 de Noviembre").await;
        let c = t
            .app
            .create_case(&officer, &case_input(area, &[prv], VICTIM))
            .await
            .unwrap();
        let steps = t
            .app
            .referral_suggestions(
                &officer,
                c.case_id,
                atlas_domain::cases::Need::SafetyShelter,
            )
            .await
            .unwrap();
        assert!(steps.len() >= 2, "{n}: {steps:?}");
        assert!(steps.windows(2).all(|w| w[0].order < w[1].order));
        let step = steps
            .iter()
            .find(|s| s.institution_id == Some(prv))
            .expect("the PRV is a step of the shelter pathway");
        assert_eq!(step.max_response_hours, 4);
        let r = t
            .app
            .refer_case(
                &officer,
                c.case_id,
                &ReferralInput {
                    pathway_order: step.order.to_string(),
                    ..referral(prv, "safety_shelter")
                },
            )
            .await
            .unwrap();
        assert_eq!(
            r.due_at,
            t.clock.now() + time::Duration::hours(4),
            "{n}: the pathway step's maximum response time"
        );
        assert_eq!(r.pathway_order, Some(step.order));
        // The same pathway answers the guide's API for the barrio.
        let mut api = t.client();
        api.bearer = Some(t.token("frontline_officer").await);
        let j = api
            .json(
                axum::http::Method::GET,
                &format!("/api/v1/guide/pathways?area={area}&need=safety_shelter"),
                None,
            )
            .await
            .json();
        assert_eq!(
            j["steps"].as_array().unwrap().len(),
            steps.len(),
            "{n}: {j}"
        );
    }
}
