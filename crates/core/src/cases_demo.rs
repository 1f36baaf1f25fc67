//! Demo cases in Lomas de Zamora (Argentina), identified by the demo labour inspector
//! (`frontline_officer`, MTPBA) and referred to the PRV through the guide's pathways:
//! one referral in each of the states sent, acknowledged, accepted, declined and service
//! delivered, one overdue, and a case referred to PROTEX whose legal track runs from the
//! complaint to a conviction. Everything goes through the ordinary use cases (so it is
//! sealed, audited and notified like real work); the victims' names are fictitious.
//!
//! The overdue referral is sent by a copy of the app whose clock runs four days behind,
//! so its deadline has passed when the demo starts; nothing is written around the use
//! cases.

use crate::cases_referral::ReferralInput;
use crate::{App, Result};
use anyhow::Context;
use atlas_domain::auth::{Actor, Role};
use atlas_domain::cases::{CaseInput, LegalStepInput, PersonInput, ScreeningInput};
use atlas_domain::clock::Clock;
use atlas_domain::directory::CountryCode;
use std::collections::HashMap;
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// A clock running a fixed time behind another.
struct Behind(Arc<dyn Clock>, Duration);

impl Clock for Behind {
    fn now(&self) -> OffsetDateTime {
        self.0.now() - self.1
    }
}

async fn demo_actor(app: &App, username: &str, role: Role) -> Result<Actor> {
    let a = atlas_store::auth::account_by_username(&app.db, username)
        .await?
        .context("demo account missing")?;
    Ok(Actor {
        user_id: a.account_id,
        username: a.username,
        role,
        institution_id: a.institution_id,
        country: CountryCode::parse(&a.country_code).context("demo account country")?,
    })
}

fn day(d: Date) -> String {
    d.to_string()
}

fn refer(to: &str, need: &str, order: &str) -> ReferralInput {
    ReferralInput {
        institution_id: to.to_owned(),
        need: need.to_owned(),
        pathway_order: order.to_owned(),
        ..Default::default()
    }
}

/// Seeds the demo cases; `inst` maps acronyms to institution ids.
pub async fn seed_cases(app: &App, inst: &HashMap<&str, String>) -> Result<()> {
    let officer = demo_actor(app, "frontline_officer", Role::FrontlineOfficer).await?;
    let caseworker = demo_actor(app, "caseworker", Role::Caseworker).await?;
    let justice = demo_actor(app, "justice", Role::Justice).await?;
    let prv = inst.get("PRV").cloned().context("demo PRV missing")?;
    let protex = inst.get("PROTEX").cloned().context("demo PROTEX missing")?;
    let areas = atlas_store::directory::list_areas(
        &app.db,
        &atlas_store::directory::ListFilter {
            country: Some("AR".into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await?;
    let area = |name: &str| -> Result<String> {
        Ok(areas
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.area_id.to_string())
            .context("demo area missing")?)
    };
    let barrio = area("17 de Noviembre")?;
    let lomas = area("Lomas de Zamora")?;
    let today = app.now().date();
    let ago = |days: i64| day(today - Duration::days(days));
    let answer = |a: &Actor, id: Uuid, ev: &'static str, reason: &'static str, v: i64| {
        let a = a.clone();
        async move {
            app.answer_referral(&a, id, ev, reason, &v.to_string())
                .await
        }
    };

    // 1. Forced labour in a textile workshop; PRV support delivered; PROTEX to sentence.
    let textile = app
        .create_case(
            &officer,
            &CaseInput {
                screening: ScreeningInput {
                    indicators:
                        "deception,retention_of_documents,withholding_of_wages,excessive_overtime"
                            .into(),
                    age: "27".into(),
                    weekly_hours: "84".into(),
                    ..Default::default()
                },
                classification: "fl".into(),
                identified_on: ago(400),
                area_id: barrio.clone(),
                sector: "C".into(),
                means_of_control: "withholds_documents,debt_bondage,excessive_working_hours".into(),
                victim: PersonInput {
                    age_band: "27-29".into(),
                    sex: "female".into(),
                    nationality: "BO".into(),
                    languages: "es,qu".into(),
                    needs: "psychosocial,legal_aid".into(),
                    name: "Marisol Demo Quispe".into(),
                    document_number: "BO-9001.001".into(),
                    contact: "+54 11 5555 0001".into(),
                    consent_services: "on".into(),
                    consent_statistics: "on".into(),
                    consent_share: format!("{prv},{protex}"),
                    ..Default::default()
                },
                perpetrators: "employer".into(),
                ..Default::default()
            },
        )
        .await?;
    let r = app
        .refer_case(&officer, textile.case_id, &refer(&prv, "psychosocial", "1"))
        .await?;
    let r = answer(
        &caseworker,
        r.case_referral_id,
        "acknowledge",
        "",
        r.version,
    )
    .await?;
    let r = answer(&caseworker, r.case_referral_id, "accept", "", r.version).await?;
    answer(&caseworker, r.case_referral_id, "deliver", "", r.version).await?;
    let r = app
        .refer_case(&officer, textile.case_id, &refer(&protex, "legal_aid", ""))
        .await?;
    answer(&justice, r.case_referral_id, "accept", "", r.version).await?;
    for (kind, days, outcome, penalty, note) in [
        (
            "complaint",
            390,
            "",
            "",
            "Complaint filed by the labour inspectorate.",
        ),
        ("investigation", 380, "", "", ""),
        (
            "charges",
            300,
            "",
            "",
            "Workshop owner charged under Law 26.842.",
        ),
        ("trial", 90, "", "", ""),
        (
            "sentence",
            30,
            "conviction",
            "48",
            "Four years; the workshop was closed.",
        ),
    ] {
        app.add_legal_step(
            &justice,
            textile.case_id,
            &LegalStepInput {
                kind: kind.into(),
                occurred_on: ago(days),
                outcome: outcome.into(),
                penalty_months: penalty.into(),
                note: note.into(),
            },
        )
        .await?;
    }

    // 2. Child labour in a vegetable farm: a 13-year-old; PRV acknowledged.
    let farm = app
        .create_case(
            &officer,
            &CaseInput {
                screening: ScreeningInput {
                    age: "13".into(),
                    hazardous: "on".into(),
                    weekly_hours: "40".into(),
                    ..Default::default()
                },
                classification: "cl".into(),
                identified_on: ago(20),
                area_id: lomas.clone(),
                sector: "A".into(),
                means_of_control: "excessive_working_hours".into(),
                victim: PersonInput {
                    age_band: "9-17".into(),
                    sex: "male".into(),
                    nationality: "PY".into(),
                    languages: "es,gn".into(),
                    needs: "safety_shelter,education".into(),
                    name: "Tomás Demo Benítez".into(),
                    best_interest_note:
                        "Out of school; handles pesticides; parents work on the same farm.".into(),
                    ..Default::default()
                },
                perpetrators: "employer".into(),
                ..Default::default()
            },
        )
        .await?;
    let r = app
        .refer_case(&officer, farm.case_id, &refer(&prv, "safety_shelter", "2"))
        .await?;
    answer(
        &caseworker,
        r.case_referral_id,
        "acknowledge",
        "",
        r.version,
    )
    .await?;

    // 3. Domestic work: forced labour; PRV declined (not in its remit), sent back.
    let domestic = app
        .create_case(
            &officer,
            &CaseInput {
                screening: ScreeningInput {
                    indicators: "isolation,retention_of_documents,withholding_of_wages".into(),
                    age: "44".into(),
                    ..Default::default()
                },
                classification: "fl".into(),
                identified_on: ago(12),
                area_id: lomas.clone(),
                sector: "T".into(),
                means_of_control: "withholds_documents,restricts_movement".into(),
                victim: PersonInput {
                    age_band: "39-47".into(),
                    sex: "female".into(),
                    nationality: "PE".into(),
                    needs: "documents,livelihood".into(),
                    name: "Rosa Demo Huamán".into(),
                    consent_services: "on".into(),
                    consent_share: prv.clone(),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await?;
    let r = app
        .refer_case(&officer, domestic.case_id, &refer(&prv, "documents", ""))
        .await?;
    answer(
        &caseworker,
        r.case_referral_id,
        "decline",
        "No sign of trafficking; the municipality's documents office can help.",
        r.version,
    )
    .await?;

    // 4. Trafficking for sexual exploitation, referred four days ago: overdue.
    let mut past = app.clone();
    past.clock = Arc::new(Behind(app.clock.clone(), Duration::days(4)));
    let venue = past
        .create_case(
            &officer,
            &CaseInput {
                screening: ScreeningInput {
                    age: "22".into(),
                    acts: "recruitment,transportation".into(),
                    means: "deception".into(),
                    purposes: "sexual_exploitation".into(),
                    ..Default::default()
                },
                classification: "ht".into(),
                identified_on: ago(5),
                area_id: barrio.clone(),
                sector: "I".into(),
                exploitation_types: "sexual_exploitation".into(),
                means_of_control: "false_promises,threats".into(),
                victim: PersonInput {
                    age_band: "21-23".into(),
                    sex: "female".into(),
                    nationality: "DO".into(),
                    needs: "safety_shelter,health,migration".into(),
                    name: "Yanelis Demo Pérez".into(),
                    consent_services: "on".into(),
                    consent_statistics: "on".into(),
                    consent_share: prv.clone(),
                    ..Default::default()
                },
                perpetrators: "perpetrator".into(),
                ..Default::default()
            },
        )
        .await?;
    past.refer_case(&officer, venue.case_id, &refer(&prv, "safety_shelter", "2"))
        .await?;

    // 5. A new referral, sent today: waiting for the PRV's answer.
    let brick = app
        .create_case(
            &officer,
            &CaseInput {
                screening: ScreeningInput {
                    indicators: "debt_bondage".into(),
                    age: "35".into(),
                    ..Default::default()
                },
                classification: "fl".into(),
                identified_on: ago(1),
                area_id: lomas,
                sector: "C".into(),
                means_of_control: "debt_bondage".into(),
                victim: PersonInput {
                    age_band: "30-38".into(),
                    sex: "male".into(),
                    nationality: "BO".into(),
                    needs: "health".into(),
                    name: "Juan Demo Mamani".into(),
                    consent_services: "on".into(),
                    consent_share: prv.clone(),
                    ..Default::default()
                },
                perpetrators: "employer".into(),
                ..Default::default()
            },
        )
        .await?;
    app.refer_case(&officer, brick.case_id, &refer(&prv, "health", "2"))
        .await?;
    Ok(())
}
