//! The results framework's sources over the cartography and case modules, on both
//! databases, against hand-counted fixtures: cases by the stage they reached in the
//! period they were identified in, referrals made and completed by the day they were
//! sent, mapping exercises by their start, the budget of top-level actions that are not
//! cancelled in the plans' main currency, and "not yet recorded" for a country whose
//! modules hold nothing. Counts are taken as differences so the demo's own records do
//! not change what is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_core::cases_referral::ReferralInput;
use atlas_core::results_dashboard::Dashboard;
use atlas_core::results_sources::ModuleFigures;
use atlas_domain::auth::Role;
use atlas_domain::cartography::{ActionInput, ExerciseInput};
use atlas_domain::cases::{CaseInput, LegalStepInput, PersonInput, ScreeningInput};
use atlas_domain::directory::CountryCode;
use atlas_domain::results::Period;
use atlas_testkit::TestApp;
use axum::http::Method;
use uuid::Uuid;

fn case(area: Uuid, share: &[Uuid], on: &str) -> CaseInput {
    CaseInput {
        screening: ScreeningInput {
            indicators: "deception,withholding_of_wages".into(),
            age: "31".into(),
            ..Default::default()
        },
        classification: "fl".into(),
        identified_on: on.into(),
        area_id: area.to_string(),
        sector: "C".into(),
        exploitation_types: "forced_labour".into(),
        means_of_control: "withholds_documents".into(),
        victim: PersonInput {
            age_band: "30-38".into(),
            sex: "male".into(),
            nationality: "PY".into(),
            languages: "es,gn".into(),
            needs: "safety_shelter".into(),
            name: format!("Persona {on}"),
            consent_services: "on".into(),
            consent_statistics: "on".into(),
            consent_share: share
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(","),
            ..Default::default()
        },
        perpetrators: "employer".into(),
        ..Default::default()
    }
}

fn refer(to: Uuid, need: &str) -> ReferralInput {
    ReferralInput {
        institution_id: to.to_string(),
        need: need.into(),
        ..Default::default()
    }
}

fn delta(after: Option<i64>, before: Option<i64>) -> i64 {
    after.unwrap_or(0) - before.unwrap_or(0)
}

async fn exercise(t: &TestApp, starts_on: &str) -> Uuid {
    t.app
        .create_exercise(
            By::Operator,
            &ExerciseInput {
                area_id: t.area_id("17 de Noviembre").await.to_string(),
                name: format!("Mapeo {starts_on}"),
                purpose: "Riesgos de trabajo infantil".into(),
                starts_on: starts_on.into(),
                ends_on: String::new(),
            },
        )
        .await
        .unwrap()
        .exercise_id
}

async fn action(
    t: &TestApp,
    exercise: Uuid,
    parent: Option<Uuid>,
    major: &str,
    currency: &str,
    status: &str,
) -> Uuid {
    t.app
        .add_action(
            By::Operator,
            exercise,
            &ActionInput {
                title: format!("Acción {status}"),
                finding: "Hallazgo del taller".into(),
                parent_id: parent.map(|p| p.to_string()).unwrap_or_default(),
                institution_id: t.institution_id("MLZ").await.to_string(),
                level: "municipal".into(),
                budget: major.into(),
                currency: currency.into(),
                status: status.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .action_id
}

#[tokio::test]
async fn case_and_referral_sources_count_what_was_identified_and_sent_in_the_period() {
    let h1 = Period::parse("FY2026-H1").unwrap(); // 2025-10-01 – 2026-03-31
    let h2 = Period::parse("FY2025-H2").unwrap(); // 2025-04-01 – 2025-09-30
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let before_h1 = t.app.module_figures(Some("AR"), &h1).await.unwrap();
        let before_h2 = t.app.module_figures(Some("AR"), &h2).await.unwrap();
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let caseworker = t.actor("caseworker", Role::Caseworker, "PRV").await;
        let justice = t.actor("justice", Role::Justice, "PROTEX").await;
        let prv = t.institution_id("PRV").await;
        let protex = t.institution_id("PROTEX").await;
        let area = t.area_id("17 de Noviembre").await;

        // A: referred to PRV, accepted and delivered (referred, assisted, completed).
        let a = t
            .app
            .create_case(&officer, &case(area, &[prv], "2026-03-01"))
            .await
            .unwrap();
        let r = t
            .app
            .refer_case(&officer, a.case_id, &refer(prv, "safety_shelter"))
            .await
            .unwrap();
        let mut version = r.version;
        for step in ["acknowledge", "accept", "deliver"] {
            version = t
                .app
                .answer_referral(
                    &caseworker,
                    r.case_referral_id,
                    step,
                    "",
                    &version.to_string(),
                )
                .await
                .unwrap()
                .version;
        }
        // B: referred to PROTEX, never answered, prosecuted to a sentence.
        let b = t
            .app
            .create_case(&officer, &case(area, &[protex], "2025-12-15"))
            .await
            .unwrap();
        t.app
            .refer_case(&officer, b.case_id, &refer(protex, "legal_aid"))
            .await
            .unwrap();
        for (kind, on) in [
            ("complaint", "2026-01-05"),
            ("investigation", "2026-01-20"),
            ("charges", "2026-02-10"),
            ("trial", "2026-02-20"),
        ] {
            t.app
                .add_legal_step(
                    &justice,
                    b.case_id,
                    &LegalStepInput {
                        kind: kind.into(),
                        occurred_on: on.into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
        }
        t.app
            .add_legal_step(
                &justice,
                b.case_id,
                &LegalStepInput {
                    kind: "sentence".into(),
                    occurred_on: "2026-02-27".into(),
                    outcome: "conviction".into(),
                    penalty_months: "72".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // C: identified today (the clock stands at 2 March 2026), never referred.
        t.app
            .create_case(&officer, &case(area, &[], "2026-03-02"))
            .await
            .unwrap();
        // D: identified the day before the period began; its referral is sent now
        // (2 March 2026), so the referral counts in H1 and the case in H2.
        let d = t
            .app
            .create_case(&officer, &case(area, &[prv], "2025-09-30"))
            .await
            .unwrap();
        t.app
            .refer_case(&officer, d.case_id, &refer(prv, "health"))
            .await
            .unwrap();

        let after_h1 = t.app.module_figures(Some("AR"), &h1).await.unwrap();
        let after_h2 = t.app.module_figures(Some("AR"), &h2).await.unwrap();
        let got = |a: &ModuleFigures, b: &ModuleFigures| {
            [
                delta(a.cases_identified, b.cases_identified),
                delta(a.cases_referred, b.cases_referred),
                delta(a.cases_assisted, b.cases_assisted),
                delta(a.cases_prosecuted, b.cases_prosecuted),
                delta(a.cases_sentenced, b.cases_sentenced),
                delta(a.referrals_made, b.referrals_made),
                delta(a.referrals_completed, b.referrals_completed),
            ]
        };
        assert_eq!(got(&after_h1, &before_h1), [3, 2, 1, 1, 1, 3, 1], "{n} H1");
        assert_eq!(got(&after_h2, &before_h2), [1, 1, 0, 0, 0, 0, 0], "{n} H2");
        assert!(after_h1.cases_identified.is_some(), "{n}: recorded now");

        // The whole program counts Argentina's cases too.
        let program = t.app.module_figures(None, &h1).await.unwrap();
        assert!(program.cases_identified >= after_h1.cases_identified, "{n}");

        // The key results (all time) and the dashboard read the same figures.
        let mut c = t.client();
        c.bearer = Some(t.token("observer").await);
        let k = c
            .json(Method::GET, "/api/v1/results/key?country=AR", None)
            .await
            .json();
        let all = t
            .app
            .module_figures(Some("AR"), &Period::all_time())
            .await
            .unwrap();
        assert_eq!(k["cases_identified"].as_i64(), all.cases_identified, "{n}");
        assert_eq!(k["referrals_made"].as_i64(), all.referrals_made, "{n}");
        assert_eq!(
            k["sources"]["cases_identified"]["status"], "recorded",
            "{n}"
        );
        let observer = t.actor("observer", Role::Observer, "DYA").await;
        let Dashboard::Country(dash) = t
            .app
            .dashboard(&observer, Some(&CountryCode::parse("AR").unwrap()), h1)
            .await
            .unwrap()
        else {
            panic!("{n}: a country dashboard")
        };
        assert_eq!(dash.key.modules, after_h1, "{n}");
        // Counts only: no case code and no name reaches the dashboard page.
        let mut page = t.signed_in("observer").await;
        let body = page
            .get("/results/dashboard?country=AR&period=FY2026-H1")
            .await
            .body;
        assert!(
            !body.contains(&a.code) && !body.contains("Persona 2026"),
            "{n}"
        );
    }
}

#[tokio::test]
async fn cartography_sources_count_exercises_by_start_and_top_level_budgets() {
    let h1 = Period::parse("FY2026-H1").unwrap();
    let earlier = Period::parse("2025-12").unwrap();
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let before = t.app.module_figures(Some("AR"), &h1).await.unwrap();
        let before_dec = t.app.module_figures(Some("AR"), &earlier).await.unwrap();
        let budget_before = t.app.budget_committed("AR").await.unwrap();
        let ex = exercise(&t, "2026-01-10").await;
        let parent = action(&t, ex, None, "5000000", "ARS", "in_progress").await;
        action(&t, ex, Some(parent), "1000000", "ARS", "done").await;
        action(&t, ex, None, "200000", "ARS", "cancelled").await;
        action(&t, ex, None, "10000.00", "USD", "done").await;

        let after = t.app.module_figures(Some("AR"), &h1).await.unwrap();
        let after_dec = t.app.module_figures(Some("AR"), &earlier).await.unwrap();
        assert_eq!(
            delta(after.mapping_exercises, before.mapping_exercises),
            1,
            "{n}"
        );
        assert_eq!(
            delta(after_dec.mapping_exercises, before_dec.mapping_exercises),
            0,
            "{n}: started after December"
        );
        assert_eq!(delta(after.actions_done, before.actions_done), 2, "{n}");
        // The nested action's budget is inside its parent's; the cancelled one and the
        // dollars are not in the pesos.
        let budget = t.app.budget_committed("AR").await.unwrap().unwrap();
        assert_eq!(budget.currency, "ARS", "{n}");
        let was = budget_before
            .filter(|b| b.currency == "ARS")
            .map_or(0, |b| b.amount);
        assert_eq!(budget.amount - was, 5_000_000, "{n}");
        assert_eq!(
            delta(after.budget_committed, before.budget_committed),
            5_000_000,
            "{n}"
        );

        let mut c = t.client();
        c.bearer = Some(t.token("observer").await);
        let k = c
            .json(Method::GET, "/api/v1/results/key?country=AR", None)
            .await
            .json();
        assert_eq!(k["budget_allocated"]["currency"], "ARS", "{n}");
        assert_eq!(
            k["budget_allocated"]["amount"].as_i64(),
            Some(budget.amount)
        );
        assert_eq!(
            k["sources"]["mapping_exercises"]["status"], "recorded",
            "{n}"
        );
        // The fact sheet says it in words, with the language's thousands separator.
        let mut page = t.signed_in("program_staff").await;
        let es = page.get("/reports/factsheet?country=AR&lang=es").await.body;
        assert!(es.contains(&grouped_es(budget.amount)), "{n}: {es}");

        // The dashboard links the cartography figures to the exercises they count.
        let mut obs = t.signed_in("observer").await;
        let dash = obs
            .get("/results/dashboard?country=AR&period=FY2026-H1")
            .await
            .body;
        assert!(dash.contains("<a href=\"/cartography\">"), "{n}: {dash}");

        // A country whose modules hold nothing reads "not yet recorded".
        let py = c
            .json(Method::GET, "/api/v1/results/key?country=PY", None)
            .await
            .json();
        for f in [
            "mapping_exercises",
            "budget_allocated",
            "actions_done",
            "guides_final",
            "cases_identified",
            "referrals_made",
        ] {
            assert!(py[f].is_null(), "{n} PY {f}");
            assert_eq!(py["sources"][f]["status"], "not_yet_recorded", "{n} PY {f}");
        }
    }
}

fn grouped_es(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}
