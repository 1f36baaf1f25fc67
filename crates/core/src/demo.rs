//! Demo data: the Argentina program (Buenos Aires province, Lomas de Zamora, barrio
//! 17 de Noviembre; IUPFA, DOVIC, COPRETI, PRV, DyA, Winrock International, the U.S.
//! Department of Labor), the other program countries with their capitals, and one user
//! per role named after the role. Everything is created through the ordinary use cases,
//! so the demo also exercises the audit trail. The training program's demo (curriculum,
//! courses, participants and attendance) is in [`crate::training_demo`]; Argentina's gap
//! assessment, models of practice and fact sheet are in [`crate::results_demo`]; the
//! guide's service directory and referral pathways in [`crate::guide_demo`]; the
//! mapping of barrio 17 de Noviembre and its action plan in [`crate::cartography_demo`];
//! the cases of Lomas de Zamora and their referrals in [`crate::cases_demo`].

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::auth::{AccountInput, Role};
use atlas_domain::directory::{AreaInput, InstitutionInput};
use std::collections::HashMap;

/// A demo account as printed by `atlas demo`.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub institution: String,
    /// Base32 TOTP secret for roles that require a second factor.
    pub totp_secret: Option<String>,
}

/// Approximate outline of barrio 17 de Noviembre (Lomas de Zamora), for the maps.
const BARRIO_BOUNDARY: &str = r#"{"type":"Polygon","coordinates":[[[-58.4265,-34.7262],[-58.4198,-34.7262],[-58.4198,-34.7318],[-58.4265,-34.7318],[-58.4265,-34.7262]]]}"#;

struct Area<'a>(&'a str, &'a str, &'a str, Option<&'a str>);
struct Inst<'a>(&'a str, &'a str, &'a str, &'a str, &'a str, Option<&'a str>);

const AREAS: &[Area<'static>] = &[
    Area("AR", "province", "Buenos Aires", None),
    Area(
        "AR",
        "municipality",
        "Lomas de Zamora",
        Some("Buenos Aires"),
    ),
    Area(
        "AR",
        "neighbourhood",
        "17 de Noviembre",
        Some("Lomas de Zamora"),
    ),
    Area("AR", "province", "Ciudad Autónoma de Buenos Aires", None),
    Area("LR", "province", "Montserrado", None),
    Area("LR", "municipality", "Monrovia", Some("Montserrado")),
    Area("PY", "province", "Distrito Capital", None),
    Area("PY", "municipality", "Asunción", Some("Distrito Capital")),
    Area("TH", "province", "Bangkok", None),
    Area("TH", "municipality", "Bangkok Metropolis", Some("Bangkok")),
];

const INSTITUTIONS: &[Inst<'static>] = &[
    Inst(
        "AR",
        "Instituto Universitario de la Policía Federal Argentina",
        "IUPFA",
        "education",
        "national",
        Some("Ciudad Autónoma de Buenos Aires"),
    ),
    Inst(
        "AR",
        "Dirección General de Acompañamiento, Orientación y Protección a las Víctimas",
        "DOVIC",
        "prosecution",
        "national",
        Some("Ciudad Autónoma de Buenos Aires"),
    ),
    Inst(
        "AR",
        "Comisión Provincial para la Prevención y Erradicación del Trabajo Infantil",
        "COPRETI",
        "social_protection",
        "provincial",
        Some("Buenos Aires"),
    ),
    Inst(
        "AR",
        "Programa Provincial de Rescate y Acompañamiento a Víctimas de Trata",
        "PRV",
        "social_protection",
        "provincial",
        Some("Buenos Aires"),
    ),
    Inst(
        "AR",
        "Ministerio de Trabajo de la Provincia de Buenos Aires — Inspección",
        "MTPBA",
        "labour_inspection",
        "provincial",
        Some("Buenos Aires"),
    ),
    Inst(
        "AR",
        "Procuraduría de Trata y Explotación de Personas",
        "PROTEX",
        "prosecution",
        "national",
        Some("Ciudad Autónoma de Buenos Aires"),
    ),
    Inst(
        "AR",
        "Municipalidad de Lomas de Zamora",
        "MLZ",
        "municipality",
        "municipal",
        Some("Lomas de Zamora"),
    ),
    Inst(
        "AR",
        "Desarrollo y Autogestión",
        "DyA",
        "ngo",
        "national",
        None,
    ),
    Inst(
        "AR",
        "Winrock International",
        "WI",
        "ngo",
        "international",
        None,
    ),
    Inst(
        "AR",
        "U.S. Department of Labor",
        "USDOL",
        "donor",
        "international",
        None,
    ),
    Inst(
        "LR",
        "Ministry of Labour — Labour Inspection",
        "MOL",
        "labour_inspection",
        "national",
        Some("Monrovia"),
    ),
    Inst(
        "LR",
        "Liberia National Police",
        "LNP",
        "police",
        "national",
        Some("Monrovia"),
    ),
    Inst(
        "PY",
        "Ministerio de Trabajo, Empleo y Seguridad Social",
        "MTESS",
        "labour_inspection",
        "national",
        Some("Asunción"),
    ),
    Inst(
        "TH",
        "Department of Labour Protection and Welfare",
        "DLPW",
        "labour_inspection",
        "national",
        Some("Bangkok Metropolis"),
    ),
];

const USERS: &[(Role, &str, &str)] = &[
    (Role::Admin, "WI", "Program Administrator"),
    (Role::ProgramStaff, "WI", "Program Officer"),
    (Role::TrainingCoordinator, "IUPFA", "Training Coordinator"),
    (Role::Facilitator, "IUPFA", "Course Facilitator"),
    (Role::FrontlineOfficer, "MTPBA", "Labour Inspector"),
    (Role::Caseworker, "PRV", "PRV Caseworker"),
    (Role::Justice, "PROTEX", "Prosecutor"),
    (Role::MunicipalOfficial, "MLZ", "Municipal Official"),
    (Role::MappingFacilitator, "COPRETI", "Mapping Facilitator"),
    (Role::Observer, "USDOL", "Donor Observer"),
];

/// Loads the demo data into an empty database; every account gets `password`.
pub async fn seed(app: &App, password: &str) -> Result<Vec<DemoAccount>> {
    let mut area_ids: HashMap<&str, String> = HashMap::new();
    for Area(country, level, name, parent) in AREAS {
        let parent_id = match parent {
            Some(p) => area_ids
                .get(p)
                .cloned()
                .context("demo area parent missing")?,
            None => String::new(),
        };
        let a = app
            .create_area(
                By::Operator,
                &AreaInput {
                    country: (*country).into(),
                    parent_id,
                    level: (*level).into(),
                    name: (*name).into(),
                    boundary: if *name == "17 de Noviembre" {
                        BARRIO_BOUNDARY.into()
                    } else {
                        String::new()
                    },
                    ..Default::default()
                },
            )
            .await?;
        area_ids.insert(name, a.area_id.to_string());
    }
    let mut inst_ids: HashMap<&str, String> = HashMap::new();
    for Inst(country, name, acronym, kind, level, area) in INSTITUTIONS {
        let i = app
            .create_institution(
                By::Operator,
                &InstitutionInput {
                    country: (*country).into(),
                    name: (*name).into(),
                    acronym: (*acronym).into(),
                    kind: (*kind).into(),
                    level: (*level).into(),
                    area_id: area
                        .and_then(|a| area_ids.get(a).cloned())
                        .unwrap_or_default(),
                    version: String::new(),
                },
            )
            .await?;
        inst_ids.insert(acronym, i.institution_id.to_string());
    }
    let mut out = Vec::new();
    let mut facilitator = None;
    for (role, inst, display) in USERS {
        let a = app
            .create_account(
                By::Operator,
                &AccountInput {
                    username: role.as_str().into(),
                    display_name: (*display).into(),
                    role: role.as_str().into(),
                    institution_id: inst_ids
                        .get(inst)
                        .cloned()
                        .context("demo institution missing")?,
                    password: password.into(),
                    ..Default::default()
                },
            )
            .await?;
        if *role == Role::Facilitator {
            facilitator = Some(a.id);
        }
        let totp_secret = if role.requires_totp() {
            use rand::RngCore;
            let mut b = [0u8; 20];
            rand::rng().fill_bytes(&mut b);
            let s = totp_rs::Secret::Raw(b.to_vec()).to_encoded().to_string();
            app.set_totp_secret(a.id, &s).await?;
            Some(s)
        } else {
            None
        };
        out.push(DemoAccount {
            username: a.username,
            role: *role,
            institution: (*inst).to_owned(),
            totp_secret,
        });
    }
    let facilitator = facilitator.context("demo facilitator missing")?;
    crate::training_demo::seed_training(app, &inst_ids, facilitator).await?;
    crate::training_material::seed_demo(app).await?;
    crate::results_demo::seed_results(app, &inst_ids).await?;
    crate::guide_demo::seed_guide(app, &inst_ids).await?;
    crate::cartography_demo::seed_cartography(app, &inst_ids).await?;
    crate::cases_demo::seed_cases(app, &inst_ids).await?;
    Ok(out)
}
