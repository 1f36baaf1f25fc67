//! Demo data of results: Argentina's gap assessment, its three Differentiated Models of
//! Practice — the Enforcement Training Program (training), Social Cartography
//! (cartography) and the Local Implementation Guide (guide) — each taken through a
//! plausible lifecycle to `implemented` (the ETP was piloted twice), Argentina's results
//! framework with targets for FY2026-H1, and its published fact sheet profile. Created through the ordinary use cases as the operator,
//! with the moves dated in the past.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::directory::CountryCode;
use atlas_domain::results::{
    GapInput, IndicatorInput, ModelInput, MoveInput, NodeInput, PeriodValueInput, ProfileInput,
};
use atlas_domain::results_edit::ModelEditInput;
use std::collections::HashMap;
use time::OffsetDateTime;
use time::macros::datetime;

/// (title, description, severity, evidence source, institutions concerned)
type GapSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const GAPS: &[GapSpec] = &[
    (
        "Officials are not trained to identify and investigate CL, FL and HT",
        "Labour inspectors, police and prosecutors lack shared training on the indicators of child labour, forced labour and trafficking, so cases are missed or do not reach prosecution.",
        "high",
        "Baseline gap assessment, interviews with enforcement agencies (2022)",
        &["IUPFA", "DOVIC", "MTPBA", "PROTEX"],
    ),
    (
        "Weak coordination between enforcement and social protection",
        "Victims identified by inspectors and police are not referred consistently to social protection; each actor follows its own procedure and no one follows the case through.",
        "high",
        "Case file review and coordination workshop, Buenos Aires province (2022)",
        &["PRV", "COPRETI", "MLZ", "MTPBA"],
    ),
    (
        "Little knowledge of the territory's vulnerabilities",
        "Municipal and provincial officials lack a shared picture of the neighbourhoods where exploitation happens, its institutions and the vulnerabilities that feed it.",
        "medium",
        "Municipal consultations, Lomas de Zamora (2022)",
        &["MLZ", "COPRETI"],
    ),
];

/// (name, summary, module, gap indexes, partners, moves after `developed` as (stage, evidence, when))
type ModelSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static [usize],
    &'static [&'static str],
    &'static [(&'static str, &'static str, OffsetDateTime)],
);

const MODELS: &[ModelSpec] = &[
    (
        "Enforcement Training Program",
        "A master curriculum of 5 modules and 31 presentations on identification, investigation, referral, prosecution and sentencing, adapted and delivered by partner institutions inside their own training frameworks.",
        "training",
        &[0],
        &["IUPFA", "DOVIC", "COPRETI", "PRV"],
        &[
            (
                "piloted",
                "Pilot course with IUPFA: 2 sessions, pilot report filed.",
                datetime!(2023-04-20 15:00 UTC),
            ),
            (
                "evaluated",
                "Pre- and post-test results and participant survey of the pilot.",
                datetime!(2023-07-10 15:00 UTC),
            ),
            (
                "refined",
                "Modules 2 and 4 rewritten with prosecutors' case studies.",
                datetime!(2023-09-01 15:00 UTC),
            ),
            (
                "piloted",
                "Second pilot of the refined curriculum with DOVIC.",
                datetime!(2023-11-15 15:00 UTC),
            ),
            (
                "evaluated",
                "Evaluation of the second pilot: objectives met.",
                datetime!(2024-02-05 15:00 UTC),
            ),
            (
                "refined",
                "Final adjustments to the facilitators' guide.",
                datetime!(2024-03-01 15:00 UTC),
            ),
            (
                "implemented",
                "Courses delivered by IUPFA, DOVIC, COPRETI and PRV; IUPFA integrated the curriculum into its own programme.",
                datetime!(2024-05-20 15:00 UTC),
            ),
        ],
    ),
    (
        "Social Cartography",
        "Residents and stakeholders of a neighbourhood map its space, institutions, relationships and the vulnerabilities that feed CL, FL and HT, and agree a joint action plan with municipal and provincial officials.",
        "cartography",
        &[2, 1],
        &["MLZ", "COPRETI", "DyA"],
        &[
            (
                "piloted",
                "Mapping exercise in barrio 17 de Noviembre, Lomas de Zamora.",
                datetime!(2023-06-10 15:00 UTC),
            ),
            (
                "evaluated",
                "Participants' evaluation and review of the joint action plan.",
                datetime!(2023-10-02 15:00 UTC),
            ),
            (
                "refined",
                "Methodology guide revised with the municipality.",
                datetime!(2024-01-15 15:00 UTC),
            ),
            (
                "implemented",
                "Joint action plan adopted by the municipality, with budget allocated to social care institutions.",
                datetime!(2024-06-30 15:00 UTC),
            ),
        ],
    ),
    (
        "Local Implementation Guide",
        "Tells each municipal actor how to respond to a victim's needs: who to call, in what order and within what time, from identification to social protection.",
        "guide",
        &[1],
        &["MLZ", "PRV", "COPRETI", "MTPBA"],
        &[
            (
                "piloted",
                "Guide piloted with the municipal referral desk.",
                datetime!(2023-08-01 15:00 UTC),
            ),
            (
                "evaluated",
                "Review of referred cases during the pilot.",
                datetime!(2023-12-12 15:00 UTC),
            ),
            (
                "refined",
                "Response times and contacts updated with PRV.",
                datetime!(2024-02-20 15:00 UTC),
            ),
            (
                "implemented",
                "Guide in use by the municipality and provincial programs.",
                datetime!(2024-08-15 15:00 UTC),
            ),
        ],
    ),
];

const OVERVIEW: &str = "Argentina's program strengthens the capacity of enforcement and social protection agencies to address child labour, forced labour and human trafficking. It began with an assessment that identified key gaps in enforcement and coordination and answered each with a Differentiated Model of Practice, piloted, evaluated, refined and implemented with national, provincial and municipal partners.";
const CONTACT: &str = "Program office, Buenos Aires — argentina@atlas-program.example";
const FUNDING: &str = "Funding is provided by the United States Department of Labor. This material does not necessarily reflect the views or policies of the United States Department of Labor, nor does mention of trade names, commercial products, or organizations imply endorsement by the United States Government.";

/// The profile in Spanish and Thai (the contact line is the same in every language).
const PROFILE_TEXTS: &[(&str, &str)] = &[
    (
        "overview_es",
        "El programa de Argentina fortalece la capacidad de los organismos de control y de protección social para abordar el trabajo infantil, el trabajo forzoso y la trata de personas. Comenzó con un diagnóstico que identificó brechas clave en el control y la coordinación, y respondió a cada una con un Modelo de Práctica Diferenciado, piloteado, evaluado, ajustado e implementado con socios nacionales, provinciales y municipales.",
    ),
    (
        "funding_es",
        "El financiamiento proviene del Departamento de Trabajo de los Estados Unidos. Este material no refleja necesariamente las opiniones o políticas del Departamento de Trabajo de los Estados Unidos, ni la mención de nombres comerciales, productos comerciales u organizaciones implica su aprobación por parte del Gobierno de los Estados Unidos.",
    ),
    (
        "overview_th",
        "โครงการในอาร์เจนตินาเสริมสร้างขีดความสามารถของหน่วยงานบังคับใช้กฎหมายและหน่วยงานคุ้มครองทางสังคมในการจัดการกับแรงงานเด็ก แรงงานบังคับ และการค้ามนุษย์ โครงการเริ่มจากการประเมินที่ระบุช่องว่างสำคัญด้านการบังคับใช้กฎหมายและการประสานงาน และตอบแต่ละช่องว่างด้วยรูปแบบการปฏิบัติที่แตกต่าง ซึ่งได้นำร่อง ประเมินผล ปรับปรุง และนำไปปฏิบัติร่วมกับภาคีระดับชาติ จังหวัด และเทศบาล",
    ),
    (
        "funding_th",
        "ได้รับทุนสนับสนุนจากกระทรวงแรงงานสหรัฐอเมริกา เอกสารนี้ไม่จำเป็นต้องสะท้อนความเห็นหรือนโยบายของกระทรวงแรงงานสหรัฐอเมริกา และการกล่าวถึงชื่อทางการค้า ผลิตภัณฑ์ หรือองค์กรไม่ได้หมายความว่ารัฐบาลสหรัฐอเมริการับรอง",
    ),
];

/// The models' names and summaries in Spanish and Thai, in the order of [`MODELS`].
const MODEL_TEXTS: &[[&str; 4]] = &[
    [
        "Programa de Capacitación para la Aplicación de la Ley",
        "Un currículo maestro de 5 módulos y 31 presentaciones sobre identificación, investigación, derivación, persecución penal y condena, adaptado y dictado por instituciones socias dentro de sus propios marcos de formación.",
        "โครงการฝึกอบรมการบังคับใช้กฎหมาย",
        "หลักสูตรแม่บท 5 โมดูลและ 31 บทนำเสนอ ว่าด้วยการคัดแยก การสืบสวน การส่งต่อ การฟ้องร้อง และการพิพากษา ซึ่งสถาบันภาคีปรับใช้และจัดอบรมภายในกรอบการฝึกอบรมของตนเอง",
    ],
    [
        "Cartografía Social",
        "Vecinos y actores de un barrio mapean su espacio, sus instituciones, sus relaciones y las vulnerabilidades que alimentan el TI, el TF y la trata, y acuerdan un plan de acción conjunto con funcionarios municipales y provinciales.",
        "แผนที่ทางสังคม",
        "ผู้อยู่อาศัยและผู้มีส่วนได้ส่วนเสียของชุมชนร่วมกันทำแผนที่พื้นที่ สถาบัน ความสัมพันธ์ และความเปราะบางที่นำไปสู่แรงงานเด็ก แรงงานบังคับ และการค้ามนุษย์ และตกลงแผนปฏิบัติการร่วมกับเจ้าหน้าที่เทศบาลและจังหวัด",
    ],
    [
        "Guía de Implementación Local",
        "Indica a cada actor municipal cómo responder a las necesidades de una víctima: a quién llamar, en qué orden y en qué plazo, desde la identificación hasta la protección social.",
        "คู่มือการดำเนินงานระดับท้องถิ่น",
        "บอกผู้ปฏิบัติงานระดับเทศบาลแต่ละรายว่าจะตอบสนองความต้องการของผู้เสียหายอย่างไร ต้องโทรหาใคร ตามลำดับใด และภายในเวลาเท่าใด ตั้งแต่การคัดแยกจนถึงการคุ้มครองทางสังคม",
    ],
];

/// Adds the Spanish and Thai text of the demo model `id` (at `version`).
async fn translate_model(
    app: &App,
    id: uuid::Uuid,
    version: i64,
    gaps: &str,
    partners: &str,
) -> Result<()> {
    let m = app
        .model_for_edit_by(By::Operator, id)
        .await
        .context("demo model")?;
    let Some(t) = MODELS
        .iter()
        .position(|x| x.0 == m.model.name)
        .and_then(|i| MODEL_TEXTS.get(i))
    else {
        return Ok(());
    };
    let translated = [
        ("name_es", t[0]),
        ("summary_es", t[1]),
        ("name_th", t[2]),
        ("summary_th", t[3]),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    app.update_model(
        By::Operator,
        id,
        &ModelEditInput {
            name: m.model.name.clone(),
            summary: m.model.summary.clone(),
            text_lang: m.model.text_lang.clone(),
            gap_ids: gaps.to_owned(),
            partner_ids: partners.to_owned(),
            version: version.to_string(),
            translated,
        },
    )
    .await?;
    Ok(())
}

fn ids(inst: &HashMap<&str, String>, acronyms: &[&str]) -> Result<String> {
    let mut v = Vec::new();
    for a in acronyms {
        v.push(inst.get(a).cloned().context("demo institution missing")?);
    }
    Ok(v.join(","))
}

/// Seeds Argentina's results; `inst` maps acronyms to institution ids.
pub async fn seed_results(app: &App, inst: &HashMap<&str, String>) -> Result<()> {
    let mut gap_ids = Vec::new();
    for (title, description, severity, evidence, concerned) in GAPS {
        let g = app
            .create_gap(
                By::Operator,
                &GapInput {
                    country: "AR".into(),
                    title: (*title).into(),
                    description: (*description).into(),
                    severity: (*severity).into(),
                    evidence_source: (*evidence).into(),
                    institution_ids: ids(inst, concerned)?,
                    version: String::new(),
                },
            )
            .await?;
        gap_ids.push(g.gap_id.to_string());
    }
    for (name, summary, module, gaps, partners, moves) in MODELS {
        let gap_list = gaps
            .iter()
            .filter_map(|i| gap_ids.get(*i).cloned())
            .collect::<Vec<_>>()
            .join(",");
        let partner_list = ids(inst, partners)?;
        let m = app
            .create_model_at(
                By::Operator,
                &ModelInput {
                    country: "AR".into(),
                    name: (*name).into(),
                    summary: (*summary).into(),
                    module: (*module).into(),
                    gap_ids: gap_list.clone(),
                    text_lang: "en".into(),
                    partner_ids: partner_list.clone(),
                    evidence: "Model designed with partners in answer to the gap assessment."
                        .into(),
                },
                datetime!(2022-11-15 15:00 UTC),
            )
            .await?;
        let mut version = m.version;
        for (stage, evidence, at) in *moves {
            let moved = app
                .move_model_at(
                    By::Operator,
                    m.model_id,
                    &MoveInput {
                        stage: (*stage).into(),
                        evidence: (*evidence).into(),
                        version: version.to_string(),
                    },
                    None,
                    *at,
                )
                .await?;
            version = moved.version;
        }
        translate_model(app, m.model_id, version, &gap_list, &partner_list).await?;
    }
    seed_framework(app).await?;
    let ar = CountryCode::parse("AR").context("AR is a program country")?;
    app.save_profile(
        By::Operator,
        &ar,
        &ProfileInput {
            overview: OVERVIEW.into(),
            contact: CONTACT.into(),
            funding: FUNDING.into(),
            text_lang: "en".into(),
            translated: PROFILE_TEXTS
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            published: "1".into(),
            version: String::new(),
        },
    )
    .await?;
    Ok(())
}

/// (title, definition, unit, source, baseline, target for FY2026-H1)
type IndicatorSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const OUTCOME_INDICATORS: &[IndicatorSpec] = &[
    (
        "Differentiated Models of Practice in implementation",
        "Models implemented or institutionalised at the end of the period.",
        "number",
        "models_in_implementation",
        "0",
        "3",
    ),
    (
        "Trained officials who applied the identification protocol",
        "Percent of trained officials surveyed who applied the protocol in a real case during the period.",
        "percent",
        "manual",
        "",
        "50",
    ),
];

const OUTPUT_INDICATORS: &[IndicatorSpec] = &[
    (
        "Individuals trained",
        "Distinct people who completed an ETP course whose last session falls in the period.",
        "number",
        "individuals_trained",
        "0",
        "60",
    ),
    (
        "Institutions targeted",
        "Institutions with at least one ETP course held in the period.",
        "number",
        "institutions_targeted",
        "0",
        "4",
    ),
];

/// Argentina's results framework: one objective, one outcome, one output, indicators
/// computed from the training and models data plus one manual indicator, with targets
/// for FY2026-H1 (October 2025–March 2026, when the demo courses ran) and one manual
/// value.
async fn seed_framework(app: &App) -> Result<()> {
    let node = |parent: String, level: &str, code: &str, title: &str| NodeInput {
        country: "AR".into(),
        parent_id: parent,
        level: level.into(),
        code: code.into(),
        title: title.into(),
    };
    let obj = app
        .create_node(
            By::Operator,
            &node(
                String::new(),
                "objective",
                "1",
                "Enforcement and coordination against CL, FL and HT strengthened",
            ),
        )
        .await?;
    let outcome = app
        .create_node(
            By::Operator,
            &node(
                obj.result_node_id.to_string(),
                "outcome",
                "1.1",
                "Institutions apply models of practice that answer the gaps",
            ),
        )
        .await?;
    let output = app
        .create_node(
            By::Operator,
            &node(
                outcome.result_node_id.to_string(),
                "output",
                "1.1.1",
                "Enforcement officials trained by their own institutions",
            ),
        )
        .await?;
    for (node_id, specs) in [
        (outcome.result_node_id, OUTCOME_INDICATORS),
        (output.result_node_id, OUTPUT_INDICATORS),
    ] {
        for (title, definition, unit, source, baseline, target) in specs {
            let i = app
                .create_indicator(
                    By::Operator,
                    &IndicatorInput {
                        result_node_id: node_id.to_string(),
                        title: (*title).into(),
                        definition: (*definition).into(),
                        unit: (*unit).into(),
                        direction: "increase".into(),
                        source: (*source).into(),
                        baseline: (*baseline).into(),
                        // People trained are reported by sex, age, role, institution
                        // and province, as donors ask.
                        disaggregations: if *source == "individuals_trained" {
                            "sex,age_band,role,institution,province".into()
                        } else {
                            String::new()
                        },
                    },
                )
                .await?;
            let period = |value: &str, evidence: &str| PeriodValueInput {
                period: "FY2026-H1".into(),
                value: value.into(),
                evidence: evidence.into(),
            };
            app.set_target(By::Operator, i.indicator_id, &period(target, ""))
                .await?;
            if *source == "manual" {
                app.add_value(
                    By::Operator,
                    i.indicator_id,
                    &period("64", "Follow-up survey of trained officials, March 2026."),
                )
                .await?;
            }
        }
    }
    Ok(())
}
