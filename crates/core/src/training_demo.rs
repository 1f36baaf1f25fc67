//! Demo data of the training program: a master curriculum of 5 modules and 31
//! presentations, the four institutions' adaptations of it (IUPFA and DOVIC integrated
//! into their own programmes, COPRETI piloting, PRV adapting) with two master edits made
//! after them (pending changes to take or leave), the courses that run them, the demo
//! facilitator on IUPFA's course, and participants with attendance.
//!
//! Deterministic: the figures for Argentina are exactly 72 individuals trained and 4
//! institutions targeted, 2 of them integrated (78 people enrolled, 6 who did not
//! complete — excused, absent, or joined late — one person who completed two courses and
//! counts once). The 20 people who completed IUPFA's course hold certificates (their
//! codes and signatures are random).
//! Each module has a few questions in the bank; every course's pre- and post-test use
//! the first question of each module, with scores typed in for everyone (the late joiner
//! has no post-test).

use crate::training::{AttendanceInput, Presentation};
use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::training::{
    CourseInput, EnrolInput, ModuleInput, PresentationInput, SessionInput,
};
use atlas_domain::training_adaptation::AdaptationInput;
use atlas_domain::training_tests::QuestionInput;
use std::collections::HashMap;
use uuid::Uuid;

/// (stage, title, summary, objectives, crime types, audiences, presentations)
type ModuleSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const MODULES: &[ModuleSpec] = &[
    (
        "identification",
        "Identificación de víctimas de trabajo infantil, trabajo forzoso y trata",
        "Indicadores para reconocer a las víctimas en inspecciones, controles y denuncias.",
        "Reconocer los indicadores de la OIT; distinguir trabajo infantil, trabajo forzoso y trata; actuar sin revictimizar.",
        "cl,fl,ht",
        "labour_inspector,police,social_worker",
        &[
            "Marco normativo: Ley 26.364 y Convenios 29, 138 y 182 de la OIT",
            "Indicadores de trabajo forzoso en talleres, campos y hornos",
            "Trabajo infantil peligroso: listados y excepciones",
            "Captación y traslado: cómo opera la trata",
            "La primera entrevista: escucha y protección",
            "Niñas, niños y adolescentes: abordaje especializado",
            "Casos prácticos de identificación",
        ],
    ),
    (
        "investigation",
        "Investigación de los delitos de explotación",
        "Cómo reunir y preservar la prueba para que el caso llegue a juicio.",
        "Planificar allanamientos; preservar la prueba; coordinar inspección laboral, fuerzas de seguridad y fiscalía.",
        "cl,fl,ht",
        "police,labour_inspector,prosecutor",
        &[
            "Del acta de inspección a la denuncia penal",
            "Prueba documental y financiera: seguir el dinero",
            "Allanamientos con víctimas presentes",
            "Prueba digital y redes sociales",
            "Cooperación interjurisdiccional e internacional",
            "Ejercicio: plan de investigación",
        ],
    ),
    (
        "referral",
        "Derivación y asistencia a víctimas",
        "Circuitos de derivación entre inspección, fuerzas de seguridad, fiscalía y protección social.",
        "Conocer el protocolo de derivación; activar la asistencia inmediata; registrar y dar seguimiento.",
        "cl,fl,ht",
        "social_worker,police,labour_inspector,other",
        &[
            "El protocolo de derivación paso a paso",
            "Asistencia inmediata: alojamiento, salud y documentación",
            "Programas de rescate y acompañamiento",
            "Niñez: intervención de los servicios de protección",
            "Seguimiento y reinserción laboral",
            "Mapa de actores locales",
        ],
    ),
    (
        "prosecution",
        "Persecución penal",
        "Tipos penales, estrategias de acusación y participación de la víctima en el proceso.",
        "Calificar los hechos; sostener la acusación sin depender solo del testimonio; proteger a la víctima testigo.",
        "fl,ht",
        "prosecutor,judge,police",
        &[
            "Tipos penales: trata, reducción a servidumbre y trabajo infantil",
            "La declaración de la víctima: cámara Gesell y anticipo de prueba",
            "Consentimiento y vulnerabilidad en la jurisprudencia",
            "Decomiso y recupero de activos",
            "Responsabilidad de empresas y cadenas de suministro",
            "Simulación de audiencia",
        ],
    ),
    (
        "sentencing",
        "Sentencia y reparación",
        "Determinación de la pena, reparación integral y no revictimización en la etapa final.",
        "Fundar la pena; ordenar la reparación económica; asegurar el acompañamiento posterior.",
        "cl,fl,ht",
        "judge,prosecutor,social_worker",
        &[
            "Criterios de determinación de la pena",
            "Reparación integral a las víctimas",
            "Fondos de asistencia y decomiso",
            "Comunicación de la sentencia a la víctima",
            "Análisis de sentencias argentinas",
            "Evaluación final del curso",
        ],
    ),
];

/// The question bank: per module (in the order of [`MODULES`]), single-choice questions
/// as (prompt, options, 1-based number of the correct option). Spanish, like the modules.
const QUESTIONS: [&[(&str, &[&str], usize)]; 5] = [
    &[
        (
            "¿Cuál de estos es un indicador de trabajo forzoso según la OIT?",
            &[
                "Retención de documentos de identidad",
                "Jornada de ocho horas",
                "Pago por transferencia bancaria",
            ],
            1,
        ),
        (
            "¿Qué norma argentina tipifica la trata de personas?",
            &["Ley 26.364", "Ley 20.744", "Ley 24.240", "Ley 25.326"],
            1,
        ),
        (
            "En la primera entrevista con una posible víctima, lo primero es…",
            &[
                "Tomarle declaración formal",
                "Garantizar su seguridad y escucharla sin juzgar",
                "Verificar su situación migratoria",
            ],
            2,
        ),
    ],
    &[
        (
            "¿Qué prueba ayuda a sostener un caso sin depender solo del testimonio?",
            &[
                "La prueba financiera",
                "Un rumor del barrio",
                "La opinión del inspector",
            ],
            1,
        ),
        (
            "Durante un allanamiento con víctimas presentes, corresponde…",
            &[
                "Separarlas de los presuntos explotadores y asistirlas",
                "Detener a todas las personas por igual",
                "Entrevistarlas frente a los empleadores",
            ],
            1,
        ),
        (
            "El acta de inspección laboral sirve para…",
            &[
                "Archivar el caso",
                "Fundar la denuncia penal y preservar la prueba",
                "Reemplazar la investigación fiscal",
            ],
            2,
        ),
    ],
    &[
        (
            "Al identificar a una víctima, la derivación a protección social debe ser…",
            &[
                "Inmediata, siguiendo el protocolo",
                "Al terminar el juicio",
                "Solo si la víctima lo pide por escrito",
            ],
            1,
        ),
        (
            "¿Qué servicio interviene cuando la víctima es menor de edad?",
            &[
                "El servicio de protección de derechos de niñas, niños y adolescentes",
                "La oficina de empleo",
                "El registro automotor",
            ],
            1,
        ),
        (
            "La asistencia inmediata incluye…",
            &[
                "Alojamiento, salud y documentación",
                "Solo asesoramiento legal",
                "Una multa al empleador",
            ],
            1,
        ),
    ],
    &[
        (
            "¿Qué permite la cámara Gesell en el proceso penal?",
            &[
                "Evitar la revictimización al tomar la declaración",
                "Acelerar la sentencia",
                "Reemplazar la prueba documental",
            ],
            1,
        ),
        (
            "El consentimiento de la víctima a la explotación…",
            &[
                "No excluye el delito de trata",
                "Extingue la acción penal",
                "Reduce la pena a la mitad",
            ],
            1,
        ),
        (
            "El decomiso de bienes busca…",
            &[
                "Recuperar las ganancias del delito",
                "Pagar los honorarios de la defensa",
                "Cerrar la investigación",
            ],
            1,
        ),
    ],
    &[
        (
            "La reparación integral a las víctimas comprende…",
            &[
                "Solo la pena de prisión",
                "El daño material y moral y el acompañamiento posterior",
                "Una disculpa pública del juzgado",
            ],
            2,
        ),
        (
            "¿A quién debe comunicarse la sentencia?",
            &[
                "Solo al imputado",
                "También a la víctima, de forma comprensible",
                "Únicamente a la prensa",
            ],
            2,
        ),
        (
            "Los fondos de asistencia a víctimas se nutren, entre otros, de…",
            &[
                "Los bienes decomisados",
                "Los salarios de los inspectores",
                "Las multas de tránsito",
            ],
            1,
        ),
    ],
];

/// A demo course: institution, title, framework, stage, virtual, sessions, and the
/// participants' occupations and institutions (alternating).
struct CourseSpec {
    inst: &'static str,
    title: &'static str,
    framework: Option<&'static str>,
    stage: &'static str,
    is_virtual: bool,
    sessions: [&'static str; 3],
    occupations: [&'static str; 2],
    institutions: [&'static str; 2],
    /// New participants enrolled.
    people: usize,
}

const COURSES: [CourseSpec; 4] = [
    CourseSpec {
        inst: "IUPFA",
        title: "Trata y explotación laboral para cadetes",
        framework: Some("Tecnicatura Universitaria en Seguridad Ciudadana"),
        stage: "integrated",
        is_virtual: false,
        sessions: ["2026-02-09", "2026-02-16", "2026-02-23"],
        occupations: ["police", "police"],
        institutions: ["IUPFA", "IUPFA"],
        people: 22,
    },
    CourseSpec {
        inst: "DOVIC",
        title: "Acompañamiento a víctimas en el proceso penal",
        framework: Some("Programa de Formación Continua del Ministerio Público Fiscal"),
        stage: "integrated",
        is_virtual: false,
        sessions: ["2026-02-10", "2026-02-17", "2026-02-24"],
        occupations: ["prosecutor", "social_worker"],
        institutions: ["DOVIC", "PROTEX"],
        people: 19,
    },
    CourseSpec {
        inst: "COPRETI",
        title: "Detección de trabajo infantil en la inspección",
        framework: None,
        stage: "piloting",
        is_virtual: false,
        sessions: ["2026-02-11", "2026-02-18", "2026-02-25"],
        occupations: ["labour_inspector", "social_worker"],
        institutions: ["MTPBA", "COPRETI"],
        people: 16,
    },
    CourseSpec {
        inst: "PRV",
        title: "Derivación y asistencia a víctimas de trata",
        framework: None,
        stage: "adapting",
        is_virtual: true,
        sessions: ["2026-02-12", "2026-02-19", "2026-02-26"],
        occupations: ["social_worker", "other"],
        institutions: ["PRV", "MLZ"],
        people: 21,
    },
];

const FIRST_F: [&str; 10] = [
    "María",
    "Lucía",
    "Sofía",
    "Valentina",
    "Camila",
    "Julieta",
    "Florencia",
    "Carolina",
    "Paula",
    "Gabriela",
];
const FIRST_M: [&str; 10] = [
    "Juan", "Martín", "Diego", "Pablo", "Santiago", "Matías", "Nicolás", "Federico", "Lucas",
    "Gustavo",
];
const SURNAMES: [&str; 13] = [
    "González",
    "Rodríguez",
    "Fernández",
    "López",
    "Martínez",
    "Pérez",
    "Gómez",
    "Sánchez",
    "Romero",
    "Díaz",
    "Álvarez",
    "Torres",
    "Ruiz",
];
const AGE_BANDS: [&str; 5] = ["18_24", "25_34", "35_44", "45_54", "55_plus"];

/// A demo adaptation: institution, title, framework, stage, notes, and the master
/// presentations it uses as (module index, presentation index, local note), in its order.
struct AdaptationSpec {
    inst: &'static str,
    title: &'static str,
    framework: Option<&'static str>,
    stage: &'static str,
    notes: &'static str,
    items: &'static [(usize, usize, Option<&'static str>)],
}

const ADAPTATIONS: [AdaptationSpec; 4] = [
    AdaptationSpec {
        inst: "IUPFA",
        title: "Trata y explotación laboral en la formación policial",
        framework: Some("Tecnicatura Universitaria en Seguridad Ciudadana"),
        stage: "integrated",
        notes: "Materia cuatrimestral de tercer año; la dictan docentes del Instituto formados como facilitadores.",
        items: &[
            (0, 0, None),
            (
                0,
                3,
                Some("Con el caso de la causa «Tarija» que usa la cátedra."),
            ),
            (0, 1, None),
            (
                0,
                4,
                Some("Práctica en parejas con actores del taller de teatro."),
            ),
            (1, 0, None),
            (
                1,
                2,
                Some("Incluye protocolo de la Policía Federal para allanamientos."),
            ),
            (1, 1, None),
            (1, 3, None),
            (2, 0, None),
            (3, 0, None),
            (0, 6, Some("Evaluación parcial.")),
        ],
    },
    AdaptationSpec {
        inst: "DOVIC",
        title: "Acompañamiento a víctimas: formación continua",
        framework: Some("Programa de Formación Continua del Ministerio Público Fiscal"),
        stage: "integrated",
        notes: "Curso obligatorio para el personal nuevo de la Dirección.",
        items: &[
            (2, 0, None),
            (2, 1, Some("Con la red de alojamiento de la DOVIC.")),
            (0, 4, None),
            (0, 5, None),
            (3, 1, Some("Visita a la sala de cámara Gesell.")),
            (3, 2, None),
            (2, 2, None),
            (4, 1, None),
            (4, 3, None),
        ],
    },
    AdaptationSpec {
        inst: "COPRETI",
        title: "Trabajo infantil en la inspección laboral",
        framework: Some("Capacitación anual de inspectores del Ministerio de Trabajo bonaerense"),
        stage: "piloting",
        notes: "Piloto en dos delegaciones regionales antes de sumarlo a la capacitación anual.",
        items: &[
            (
                0,
                2,
                Some("Con el listado provincial de trabajo peligroso."),
            ),
            (0, 0, None),
            (0, 5, None),
            (1, 0, None),
            (2, 3, Some("Circuito con los servicios locales de niñez.")),
            (2, 0, None),
            (0, 6, None),
        ],
    },
    AdaptationSpec {
        inst: "PRV",
        title: "Derivación y asistencia a víctimas de trata",
        framework: None,
        stage: "adapting",
        notes: "Versión virtual para equipos municipales; en revisión con el área legal.",
        items: &[
            (2, 0, None),
            (2, 1, None),
            (2, 2, Some("Presentación a cargo del equipo del Programa.")),
            (2, 5, Some("Mapa de actores de Lomas de Zamora.")),
            (2, 4, None),
            (0, 4, None),
            (4, 1, None),
        ],
    },
];

/// Master edits made after the adaptations: (module index, presentation index, new
/// title, new summary, new duration). The first is in IUPFA's adaptation only, the
/// second in PRV's only.
const MASTER_EDITS: &[(usize, usize, &str, &str, i64)] = &[
    (
        0,
        3,
        "Captación y traslado: cómo opera la trata, también en línea",
        "Captación presencial y por redes sociales, traslado y control de las víctimas: exposición, casos recientes y material de consulta.",
        60,
    ),
    (
        2,
        5,
        "Mapa de actores locales y circuitos de derivación",
        "Cómo relevar a los actores locales de protección y salud, y cómo se conectan en el circuito de derivación: exposición y ejercicio sobre el propio municipio.",
        60,
    ),
];

/// Creates the four adaptations; returns their ids by institution acronym.
async fn seed_adaptations(
    app: &App,
    inst_ids: &HashMap<&str, String>,
    presentations: &[Vec<Presentation>],
) -> Result<HashMap<&'static str, Uuid>> {
    let mut out = HashMap::new();
    for spec in &ADAPTATIONS {
        let mut ids = Vec::new();
        for (m, k, _) in spec.items {
            let p = presentations
                .get(*m)
                .and_then(|v| v.get(*k))
                .context("demo adaptation names a missing presentation")?;
            ids.push(p.training_presentation_id);
        }
        let a = app
            .create_adaptation(
                By::Operator,
                &AdaptationInput {
                    institution_id: id_of(inst_ids, spec.inst)?.clone(),
                    title: spec.title.into(),
                    framework: spec.framework.unwrap_or_default().into(),
                    stage: spec.stage.into(),
                    notes: spec.notes.into(),
                    presentations: ids.iter().map(Uuid::to_string).collect(),
                    version: String::new(),
                },
            )
            .await?;
        for ((_, _, note), pid) in spec.items.iter().zip(&ids) {
            if let Some(n) = note {
                app.set_adaptation_note(By::Operator, a.training_adaptation_id, *pid, n)
                    .await?;
            }
        }
        out.insert(spec.inst, a.training_adaptation_id);
    }
    Ok(out)
}

fn id_of<'a>(m: &'a HashMap<&str, String>, k: &str) -> Result<&'a String> {
    Ok(m.get(k)
        .with_context(|| format!("demo institution {k} missing"))?)
}

/// Loads the training demo; `inst_ids` maps acronyms to institution ids and
/// `facilitator` is the demo facilitator's account (at IUPFA).
pub async fn seed_training(
    app: &App,
    inst_ids: &HashMap<&str, String>,
    facilitator: Uuid,
) -> Result<()> {
    let mut presentations: Vec<Vec<Presentation>> = Vec::new();
    let mut questions: Vec<Vec<String>> = Vec::new();
    for (n, (stage, title, summary, objectives, crimes, audiences, pres)) in
        MODULES.iter().enumerate()
    {
        let m = app
            .create_module(
                By::Operator,
                &ModuleInput {
                    ordinal: (n + 1).to_string(),
                    title: (*title).into(),
                    summary: (*summary).into(),
                    objectives: (*objectives).into(),
                    stage: (*stage).into(),
                    crime_types: (*crimes).into(),
                    audiences: (*audiences).into(),
                    duration_minutes: (pres.len() * 45).to_string(),
                    language: "es".into(),
                    version: String::new(),
                },
            )
            .await?;
        let mut ids = Vec::new();
        for (k, t) in pres.iter().enumerate() {
            let p = app
                .create_presentation(
                    By::Operator,
                    &PresentationInput {
                        training_module_id: m.training_module_id.to_string(),
                        ordinal: (k + 1).to_string(),
                        title: (*t).into(),
                        summary: format!(
                            "{t}: exposición, discusión de casos y material de consulta."
                        ),
                        duration_minutes: "45".into(),
                        objectives: format!(
                            "Al terminar, cada participante aplica «{t}» a un caso de su función."
                        ),
                        crime_types: (*crimes).into(),
                        audiences: (*audiences).into(),
                        version: String::new(),
                    },
                )
                .await?;
            ids.push(p);
        }
        presentations.push(ids);
        let mut mine = Vec::new();
        for (prompt, options, correct) in QUESTIONS.get(n).copied().unwrap_or_default() {
            let q = app
                .create_question(
                    By::Operator,
                    m.training_module_id,
                    &QuestionInput {
                        prompt: (*prompt).into(),
                        options: options.iter().map(|o| (*o).to_owned()).collect(),
                        correct: correct.to_string(),
                        version: String::new(),
                    },
                )
                .await?;
            mine.push(q.training_question_id.to_string());
        }
        questions.push(mine);
    }
    let adaptations = seed_adaptations(app, inst_ids, &presentations).await?;
    // The master moves on after the adaptations were made: IUPFA and PRV each see one
    // pending change on their adaptation pages.
    for (module, k, title, summary, minutes) in MASTER_EDITS {
        let p = &presentations[*module][*k];
        app.update_presentation(
            By::Operator,
            p.training_presentation_id,
            &PresentationInput {
                ordinal: p.ordinal.to_string(),
                title: (*title).into(),
                summary: (*summary).into(),
                duration_minutes: minutes.to_string(),
                objectives: p.objectives.clone(),
                crime_types: p.crime_types.clone(),
                audiences: p.audiences.clone(),
                version: p.version.to_string(),
                ..Default::default()
            },
        )
        .await?;
    }
    // Every course tests the first question of each module before and after.
    let test: Vec<String> = questions
        .iter()
        .filter_map(|q| q.first().cloned())
        .collect();
    let mut scored = Vec::new();
    let mut person = 0usize;
    let mut shared: Option<EnrolInput> = None;
    let mut iupfa_course = None;
    for (ci, spec) in COURSES.iter().enumerate() {
        let course = app
            .create_course(
                By::Operator,
                &CourseInput {
                    institution_id: id_of(inst_ids, spec.inst)?.clone(),
                    title: spec.title.into(),
                    framework: spec.framework.unwrap_or_default().into(),
                    stage: spec.stage.into(),
                    area_id: String::new(),
                    is_virtual: if spec.is_virtual { "1" } else { "0" }.into(),
                    capacity: "30".into(),
                    training_adaptation_id: adaptations
                        .get(spec.inst)
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                    ..Default::default()
                },
            )
            .await?;
        let cid = course.training_course_id;
        if spec.inst == "IUPFA" {
            iupfa_course = Some(cid);
            app.add_facilitator(By::Operator, cid, &facilitator.to_string(), true)
                .await?;
        }
        let mut sessions = Vec::new();
        for d in spec.sessions {
            let s = app
                .add_session(
                    By::Operator,
                    cid,
                    &SessionInput {
                        held_on: d.into(),
                        place: if spec.is_virtual {
                            "Aula virtual".into()
                        } else {
                            format!("Sede {}", spec.inst)
                        },
                    },
                )
                .await?;
            sessions.push(s.training_session_id);
        }
        // Everyone enrols a week before the first session except the last person, who
        // joins after it (so they cannot complete, and may not be marked absent there).
        let mut people = Vec::new();
        for k in 0..spec.people {
            let female = person.is_multiple_of(2);
            let first = if female {
                FIRST_F[person % 10]
            } else {
                FIRST_M[(person / 2) % 10]
            };
            let input = EnrolInput {
                full_name: format!(
                    "{first} {} {}",
                    SURNAMES[person % 13],
                    SURNAMES[(person * 5 + 3) % 13]
                ),
                sex: if female { "female" } else { "male" }.into(),
                age_band: AGE_BANDS[person % 5].into(),
                occupation: spec.occupations[k % 2].into(),
                institution_id: id_of(inst_ids, spec.institutions[k % 2])?.clone(),
                national_id: format!("30{:06}", 100 + person),
                contact: String::new(),
                enrolled_on: if k + 1 == spec.people {
                    "2026-02-13".into()
                } else {
                    "2026-02-02".into()
                },
            };
            person += 1;
            if ci == 0 && k == 0 {
                shared = Some(input.clone());
            }
            people.push(app.enrol(By::Operator, cid, &input).await?);
        }
        // PRV's course also trains the first IUPFA cadet (found by national id).
        if spec.inst == "PRV"
            && let Some(s) = &shared
        {
            let p = app
                .enrol(
                    By::Operator,
                    cid,
                    &EnrolInput {
                        enrolled_on: "2026-02-05".into(),
                        ..s.clone()
                    },
                )
                .await?;
            people.insert(0, p);
        }
        let n = people.len();
        for (si, sid) in sessions.iter().enumerate() {
            let mut marks = Vec::new();
            for (k, p) in people.iter().enumerate() {
                let status = if k + 1 == n {
                    // Joined after the first session: no mark there.
                    if si == 0 { continue } else { "present" }
                } else if k + 2 == n && ci == 0 && si == 1 {
                    "excused"
                } else if k + 2 == n && ci == 0 {
                    "present"
                } else if k + 2 == n && ci == 1 && si == 2 {
                    "absent"
                } else if k % 7 == 3 && si == 2 {
                    "late"
                } else {
                    "present"
                };
                marks.push((p.to_string(), status.to_owned()));
            }
            app.take_attendance(
                By::Operator,
                *sid,
                &AttendanceInput {
                    training_course_id: cid.to_string(),
                    marks,
                },
            )
            .await?;
        }
        scored.push((cid, people));
    }
    // Pre- and post-test scores typed in from paper (so the figures show a knowledge
    // gain); the last person of each course, who joined late, took no post-test.
    // Thresholds stay at their defaults (all sessions, no post-test minimum), so the
    // certificates and the 72 trained are as before.
    for (cid, people) in &scored {
        app.set_tests(By::Operator, *cid, &test, &test).await?;
        let mut rows = Vec::new();
        for (k, p) in people.iter().enumerate() {
            let pre = 35 + (k * 7) % 30;
            rows.push((p.to_string(), "pre".to_owned(), pre.to_string()));
            if k + 1 < people.len() {
                let post = (pre + 15 + (k * 5) % 25).min(100);
                rows.push((p.to_string(), "post".to_owned(), post.to_string()));
            }
        }
        app.enter_scores(By::Operator, *cid, &rows).await?;
    }
    // Certificates for everyone who completed IUPFA's course (20 of 22).
    if let Some(cid) = iupfa_course {
        app.issue_certificates(By::Operator, cid).await?;
    }
    Ok(())
}
