//! Case inputs shared by the tests of the cases module: a forced-labour case of an adult
//! Bolivian woman identified in Argentina, with identifying data to be sealed.

use atlas_core::cases_referral::ReferralInput;
use atlas_domain::cases::{CaseInput, PersonInput, ScreeningInput};
use uuid::Uuid;

/// A complete case in `area` whose victim, named `name`, consents to services, to
/// statistics and to sharing with the institutions `share`.
pub fn case_input(area: Uuid, share: &[Uuid], name: &str) -> CaseInput {
    CaseInput {
        screening: ScreeningInput {
            indicators: "deception,withholding_of_wages,retention_of_documents".into(),
            age: "27".into(),
            ..Default::default()
        },
        classification: "fl".into(),
        identified_on: "2026-03-01".into(),
        area_id: area.to_string(),
        sector: "C".into(),
        exploitation_types: "forced_labour".into(),
        means_of_control: "withholds_documents,debt_bondage".into(),
        victim: PersonInput {
            age_band: "27-29".into(),
            sex: "female".into(),
            nationality: "BO".into(),
            languages: "es,qu".into(),
            needs: "safety_shelter,legal_aid".into(),
            name: name.into(),
            document_number: "BO-4471.220".into(),
            contact: "+54 11 5555 0101".into(),
            address: "Calle Falsa 123, Lomas de Zamora".into(),
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

/// A referral to institution `to` for `need`.
pub fn referral(to: Uuid, need: &str) -> ReferralInput {
    ReferralInput {
        institution_id: to.to_string(),
        need: need.into(),
        ..Default::default()
    }
}
