//! Demo data of the guide: the service directory of Buenos Aires province (provincial
//! and national programs, and the services of Lomas de Zamora and La Matanza) and
//! complete published referral pathways — every need — for both municipalities, with
//! Lomas de Zamora's "who to call" page public. La Matanza is added to the directory
//! through the ordinary use case when it is missing. Everything goes through the use
//! cases as the operator.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::directory::AreaInput;
use atlas_domain::guide::{Need, PathwayInput, ServiceInput, StepInput};
use std::collections::HashMap;
use uuid::Uuid;

/// (key, institution acronym or "", organisation, service, area or "", phone, hours,
/// referral method, next step, languages, intake criteria)
type ServiceSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const SERVICES: &[ServiceSpec] = &[
    (
        "l145",
        "",
        "Programa Nacional de Rescate y Acompañamiento a las Personas Damnificadas por el Delito de Trata",
        "Línea 145 — denuncias y orientación sobre trata",
        "",
        "145",
        "24 h, every day",
        "phone",
        "follow_up_call",
        "es,en,pt",
        "Anyone who suspects trafficking; anonymous reports accepted.",
    ),
    (
        "prv",
        "PRV",
        "",
        "Rescue and accompaniment of victims of trafficking",
        "Buenos Aires",
        "+54 221 429-5500",
        "24 h on call",
        "phone",
        "home_visit",
        "es",
        "People identified as possible victims of trafficking in the province.",
    ),
    (
        "prv_psy",
        "PRV",
        "",
        "Psychosocial support team",
        "Buenos Aires",
        "+54 221 429-5501",
        "Mon–Fri 8–18; on call for rescues",
        "form",
        "follow_up_call",
        "es",
        "Victims accompanied by the PRV.",
    ),
    (
        "dovic",
        "DOVIC",
        "",
        "Legal orientation and accompaniment of victims",
        "",
        "+54 11 6089-9000",
        "Mon–Fri 8–20",
        "email",
        "client_approaches",
        "es,en",
        "Victims and witnesses in federal criminal proceedings.",
    ),
    (
        "protex",
        "PROTEX",
        "",
        "Reports of trafficking and exploitation to prosecutors",
        "",
        "+54 11 6089-9074",
        "Mon–Fri 8–20",
        "email",
        "follow_up_call",
        "es",
        "Reports of trafficking or labour exploitation.",
    ),
    (
        "renaper",
        "",
        "Registro Nacional de las Personas",
        "Identity documents (DNI) for victims",
        "Buenos Aires",
        "0800 999 7362",
        "Mon–Fri 8–14",
        "form",
        "client_approaches",
        "es",
        "Victims without identity documents; the PRV requests an urgent appointment.",
    ),
    (
        "dnm",
        "",
        "Dirección Nacional de Migraciones",
        "Residence and assisted return for foreign victims",
        "",
        "+54 11 4317-0200",
        "Mon–Fri 8–14",
        "form",
        "client_approaches",
        "es,en,pt",
        "Foreign victims; humanitarian residence or voluntary return.",
    ),
    (
        "interp",
        "",
        "Red de Intérpretes Comunitarios",
        "Interpretation (Guaraní, Quechua, Chinese, Portuguese)",
        "",
        "+54 11 4342-1000",
        "On request, 24 h notice",
        "email",
        "follow_up_call",
        "gn,qu,zh,pt",
        "Services working with a victim who does not speak Spanish.",
    ),
    (
        "lz_police",
        "",
        "Comisaría de la Mujer y la Familia de Lomas de Zamora",
        "Protection and emergency response",
        "Lomas de Zamora",
        "911",
        "24 h",
        "phone",
        "home_visit",
        "es",
        "Any person at immediate risk.",
    ),
    (
        "lz_hospital",
        "",
        "Hospital Interzonal General de Agudos Luisa C. de Gandulfo",
        "Emergency and primary health care",
        "Lomas de Zamora",
        "+54 11 4239-9200",
        "24 h emergency ward",
        "none",
        "client_approaches",
        "es",
        "Anyone; free of charge.",
    ),
    (
        "lz_local",
        "MLZ",
        "",
        "Servicio Local de Promoción y Protección de Derechos del Niño",
        "Lomas de Zamora",
        "+54 11 4244-8900",
        "Mon–Fri 8–16",
        "form",
        "home_visit",
        "es",
        "Children and adolescents whose rights are threatened.",
    ),
    (
        "lz_jobs",
        "MLZ",
        "",
        "Municipal employment office",
        "Lomas de Zamora",
        "+54 11 4244-8700",
        "Mon–Fri 9–15",
        "form",
        "client_approaches",
        "es",
        "Adults of working age living in the municipality.",
    ),
    (
        "lm_police",
        "",
        "Comisaría de la Mujer y la Familia de La Matanza",
        "Protection and emergency response",
        "La Matanza",
        "911",
        "24 h",
        "phone",
        "home_visit",
        "es",
        "Any person at immediate risk.",
    ),
    (
        "lm_hospital",
        "",
        "Hospital Interzonal General de Agudos Dr. Diego Paroissien",
        "Emergency and primary health care",
        "La Matanza",
        "+54 11 4669-1000",
        "24 h emergency ward",
        "none",
        "client_approaches",
        "es",
        "Anyone; free of charge.",
    ),
    (
        "lm_local",
        "",
        "Municipalidad de La Matanza",
        "Servicio Local de Promoción y Protección de Derechos del Niño",
        "La Matanza",
        "+54 11 4651-7200",
        "Mon–Fri 8–16",
        "form",
        "home_visit",
        "es",
        "Children and adolescents whose rights are threatened.",
    ),
    (
        "lm_jobs",
        "",
        "Municipalidad de La Matanza",
        "Municipal employment office",
        "La Matanza",
        "+54 11 4651-7300",
        "Mon–Fri 9–15",
        "form",
        "client_approaches",
        "es",
        "Adults of working age living in the municipality.",
    ),
];

/// (need, steps as (service key — `@` is replaced by the municipality's prefix —,
/// hours, what to bring or say, consent required))
type PathwaySpec = (Need, &'static [(&'static str, i64, &'static str, bool)]);

const PATHWAYS: &[PathwaySpec] = &[
    (
        Need::SafetyShelter,
        &[
            (
                "@_police",
                1,
                "Say where the person is and whether the exploiter is nearby. Do not confront anyone.",
                false,
            ),
            (
                "prv",
                4,
                "Give the police report number; the PRV arranges a safe shelter.",
                true,
            ),
            (
                "l145",
                24,
                "Report the case so it is registered nationally.",
                false,
            ),
        ],
    ),
    (
        Need::Health,
        &[
            (
                "@_hospital",
                2,
                "Bring any documents the person has; none are required for care.",
                true,
            ),
            (
                "prv",
                24,
                "Tell the PRV which hospital is treating the person.",
                true,
            ),
        ],
    ),
    (
        Need::Psychosocial,
        &[(
            "prv_psy",
            48,
            "Send the referral form with the person's consent; do not interview her about the facts.",
            true,
        )],
    ),
    (
        Need::LegalAid,
        &[
            (
                "dovic",
                72,
                "Write to DOVIC with the case reference; the person may ask for a lawyer.",
                true,
            ),
            (
                "protex",
                72,
                "Send the report of the facts; no personal data beyond what the prosecutor needs.",
                true,
            ),
        ],
    ),
    (
        Need::Documents,
        &[
            (
                "prv",
                24,
                "Ask the PRV to request an urgent appointment.",
                true,
            ),
            (
                "renaper",
                168,
                "Bring the PRV's letter and any old document or birth record.",
                true,
            ),
        ],
    ),
    (
        Need::Migration,
        &[
            (
                "prv",
                24,
                "Tell the PRV the person's nationality and whether she wishes to stay or return.",
                true,
            ),
            (
                "dnm",
                168,
                "Bring the PRV's letter; the residence is free for victims.",
                true,
            ),
        ],
    ),
    (
        Need::Education,
        &[(
            "@_local",
            24,
            "For every child: give the school the child attended, if known.",
            false,
        )],
    ),
    (
        Need::Livelihood,
        &[(
            "@_jobs",
            168,
            "Bring the PRV's referral; training courses are free.",
            true,
        )],
    ),
    (
        Need::Interpretation,
        &[(
            "interp",
            24,
            "Say which language and whether the interpreter must attend in person.",
            false,
        )],
    ),
];

/// Seeds the guide's directory and pathways. `inst` maps acronyms to institution ids.
pub async fn seed_guide(app: &App, inst: &HashMap<&str, String>) -> Result<()> {
    let areas = atlas_store::directory::list_areas(
        &app.db,
        &atlas_store::directory::ListFilter {
            country: Some("AR".into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await?;
    let find = |name: &str| areas.iter().find(|a| a.name == name).map(|a| a.area_id);
    let province = find("Buenos Aires").context("demo province missing")?;
    let lomas = find("Lomas de Zamora").context("demo municipality missing")?;
    let matanza = match find("La Matanza") {
        Some(id) => id,
        None => {
            app.create_area(
                By::Operator,
                &AreaInput {
                    country: "AR".into(),
                    parent_id: province.to_string(),
                    level: "municipality".into(),
                    name: "La Matanza".into(),
                    ..Default::default()
                },
            )
            .await?
            .area_id
        }
    };
    let area_named = |name: &str| match name {
        "Buenos Aires" => Some(province),
        "Lomas de Zamora" => Some(lomas),
        "La Matanza" => Some(matanza),
        _ => None,
    };
    let mut ids: HashMap<&str, Uuid> = HashMap::new();
    for (key, acronym, org, name, area, phone, hours, method, next, langs, intake) in SERVICES {
        let s = app
            .create_guide_service(
                By::Operator,
                &ServiceInput {
                    country: "AR".into(),
                    institution_id: if acronym.is_empty() {
                        String::new()
                    } else {
                        inst.get(acronym)
                            .cloned()
                            .context("demo institution missing")?
                    },
                    organization: (*org).into(),
                    name: (*name).into(),
                    area_id: area_named(area).map(|a| a.to_string()).unwrap_or_default(),
                    phone: (*phone).into(),
                    hours: (*hours).into(),
                    referral_method: (*method).into(),
                    next_step: (*next).into(),
                    languages: (*langs).into(),
                    intake_criteria: (*intake).into(),
                    cost: "Free".into(),
                    ..Default::default()
                },
            )
            .await?;
        ids.insert(key, s.guide_service_id);
    }
    for (area, prefix) in [(lomas, "lz"), (matanza, "lm")] {
        for (need, steps) in PATHWAYS {
            let mut rows = Vec::new();
            for (n, (key, hours, bring, consent)) in steps.iter().enumerate() {
                let key = key.replace('@', prefix);
                let id = ids.get(key.as_str()).context("demo service missing")?;
                rows.push(StepInput {
                    order: (n + 1).to_string(),
                    service_id: id.to_string(),
                    max_response_hours: hours.to_string(),
                    bring: (*bring).into(),
                    consent_required: if *consent { "1".into() } else { String::new() },
                });
            }
            app.save_pathway(
                By::Operator,
                area,
                *need,
                &PathwayInput {
                    status: "published".into(),
                    steps: rows,
                    version: String::new(),
                },
            )
            .await?;
        }
    }
    app.set_guide_public(By::Operator, lomas, true).await?;
    seed_guide_documents(app, inst, province).await?;
    Ok(())
}

/// (title, issuing body, date, kind, scope, steps, superseded by the protocol at index)
type ProtocolSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<usize>,
);

/// The demo inventory: detection and assistance are governed by two protocols in force
/// (overlaps), follow-up by none (a gap); Law 26.364 is superseded by Law 26.842.
const PROTOCOLS: &[ProtocolSpec] = &[
    (
        "Ley 26.842 — Prevención y sanción de la trata de personas y asistencia a sus víctimas",
        "Congreso de la Nación",
        "2012-12-19",
        "law",
        "national",
        "detection,assistance,legal_process,social_inclusion",
        None,
    ),
    (
        "Ley 26.364 — Prevención y sanción de la trata de personas y asistencia a sus víctimas",
        "Congreso de la Nación",
        "2008-04-29",
        "law",
        "national",
        "detection,assistance,legal_process",
        Some(0),
    ),
    (
        "Protocolo de actuación del Programa de Rescate y Acompañamiento (PRV)",
        "Ministerio de Mujeres y Diversidad de la Provincia de Buenos Aires",
        "2019-06-10",
        "protocol",
        "provincial",
        "first_contact,immediate_protection,assistance",
        None,
    ),
    (
        "Protocolo de detección de trabajo forzoso en inspecciones laborales",
        "Ministerio de Trabajo de la Provincia de Buenos Aires",
        "2021-03-15",
        "internal_policy",
        "provincial",
        "detection",
        None,
    ),
];

const GUIDE_V1: &[(&str, &str)] = &[
    (
        "Propósito y alcance",
        "Esta guía ordena los protocolos vigentes y explica cómo el PRV los aplica y, sobre todo, \
         **cómo coordinan los actores municipales** para responder a las necesidades de las víctimas.",
    ),
    (
        "Detección y primer contacto",
        "1. Ante una sospecha, llame a la Línea 145 (24 h).\n\
         2. Anote la hora y el lugar del primer contacto.\n\
         3. Avise al PRV de inmediato.",
    ),
    (
        "Protección inmediata",
        "- El PRV coordina el alojamiento seguro.\n\
         - La policía acompaña solo si la persona está en riesgo.",
    ),
    (
        "Asistencia y seguimiento",
        "La asistencia sigue las rutas de derivación del municipio. \
         Ver la hoja [A quién llamar](https://www.argentina.gob.ar/trata).",
    ),
];

async fn demo_actor(app: &App, username: &str) -> Result<atlas_domain::auth::Actor> {
    let a = atlas_store::auth::account_by_username(&app.db, username)
        .await?
        .context("demo account missing")?;
    Ok(atlas_domain::auth::Actor {
        user_id: a.account_id,
        username: a.username,
        role: atlas_domain::auth::Role::parse(&a.role).context("demo role")?,
        institution_id: a.institution_id,
        country: atlas_domain::directory::CountryCode::parse(&a.country_code)
            .context("demo country")?,
    })
}

fn sections(v: &[(&str, &str)]) -> Vec<atlas_domain::guide_docs::SectionInput> {
    v.iter()
        .map(|(h, b)| atlas_domain::guide_docs::SectionInput {
            heading: (*h).into(),
            body: (*b).into(),
        })
        .collect()
}

/// The protocol inventory and a draft PRV guide for Buenos Aires province with a closed
/// review round (every comment resolved, one consultation meeting) and an open one.
async fn seed_guide_documents(
    app: &App,
    inst: &HashMap<&str, String>,
    province: Uuid,
) -> Result<()> {
    use atlas_domain::guide_docs::{
        CommentInput, GuideInput, MeetingInput, ProtocolInput, RoundInput,
    };
    let mut protocol_ids: Vec<Uuid> = Vec::new();
    for (title, body, date, kind, scope, steps, superseded) in PROTOCOLS {
        let p = app
            .create_protocol(
                By::Operator,
                &ProtocolInput {
                    country: "AR".into(),
                    title: (*title).into(),
                    issuing_body: (*body).into(),
                    issued_on: (*date).into(),
                    kind: (*kind).into(),
                    scope: (*scope).into(),
                    status: if superseded.is_some() {
                        "superseded".into()
                    } else {
                        "in_force".into()
                    },
                    superseded_by: superseded
                        .and_then(|i| protocol_ids.get(i))
                        .map(|u| u.to_string())
                        .unwrap_or_default(),
                    steps: (*steps).into(),
                    ..Default::default()
                },
            )
            .await?;
        protocol_ids.push(p.guide_protocol_id);
    }
    let author = demo_actor(app, "caseworker").await?;
    let prosecutor = demo_actor(app, "justice").await?;
    let municipal = demo_actor(app, "municipal_official").await?;
    let prv = inst.get("PRV").context("demo institution missing")?;
    let mlz = inst.get("MLZ").context("demo institution missing")?;
    let doc = app
        .create_guide_document(
            By::User(&author),
            &GuideInput {
                institution_id: prv.clone(),
                area_id: province.to_string(),
                title: "Guía Local de Implementación — Provincia de Buenos Aires".into(),
                language: "es".into(),
            },
        )
        .await?;
    let id = doc.guide_document_id;
    let by = By::User(&author);
    app.move_guide(by, id, "drafting", "", "1").await?;
    app.save_guide_text(by, id, &sections(GUIDE_V1), "Primer borrador", "2")
        .await?;
    app.move_guide(by, id, "in_review", "", "3").await?;
    let deadline = (app.now().date() + time::Duration::days(21)).to_string();
    let first = app
        .open_review_round(
            by,
            id,
            &RoundInput {
                deadline: deadline.clone(),
                users: vec![prosecutor.user_id.to_string()],
                institutions: vec![mlz.clone()],
            },
        )
        .await?;
    let c1 = app
        .comment_on_round(
            By::User(&prosecutor),
            first.guide_review_round_id,
            &CommentInput {
                section: "2".into(),
                quote: "Anote la hora y el lugar del primer contacto.".into(),
                body: "Agregar que se informe también a la fiscalía (PROTEX).".into(),
            },
        )
        .await?;
    let c2 = app
        .comment_on_round(
            By::User(&municipal),
            first.guide_review_round_id,
            &CommentInput {
                section: "3".into(),
                quote: String::new(),
                body: "Que el municipio también pueda ofrecer alojamiento.".into(),
            },
        )
        .await?;
    app.resolve_review_comment(by, c1.guide_review_comment_id, "accepted", "", "1")
        .await?;
    app.resolve_review_comment(
        by,
        c2.guide_review_comment_id,
        "declined",
        "El alojamiento lo coordina el PRV según el protocolo provincial.",
        "1",
    )
    .await?;
    app.add_guide_meeting(
        by,
        first.guide_review_round_id,
        &MeetingInput {
            held_on: app.now().date().to_string(),
            institutions: vec![prv.clone(), mlz.clone()],
            minutes: "Se revisaron las secciones de detección y protección.".into(),
            decisions: "Informar a la fiscalía desde el primer contacto.".into(),
        },
    )
    .await?;
    app.close_review_round(by, first.guide_review_round_id)
        .await?;
    app.move_guide(by, id, "refinement", "", "4").await?;
    let mut v2 = GUIDE_V1.to_vec();
    v2[1].1 = "1. Ante una sospecha, llame a la Línea 145 (24 h).\n\
               2. Anote la hora y el lugar del primer contacto e informe a la fiscalía (PROTEX).\n\
               3. Avise al PRV de inmediato.";
    app.save_guide_text(
        by,
        id,
        &sections(&v2),
        "Comentarios de la primera ronda",
        "5",
    )
    .await?;
    app.move_guide(by, id, "in_review", "Segunda ronda con los municipios", "6")
        .await?;
    let second = app
        .open_review_round(
            by,
            id,
            &RoundInput {
                deadline,
                users: vec![prosecutor.user_id.to_string()],
                institutions: vec![mlz.clone()],
            },
        )
        .await?;
    app.comment_on_round(
        By::User(&municipal),
        second.guide_review_round_id,
        &CommentInput {
            section: "4".into(),
            quote: String::new(),
            body: "Sumar el teléfono de la guardia del hospital local.".into(),
        },
    )
    .await?;
    Ok(())
}
