//! Demo data of the cartography module: the participatory mapping of barrio
//! 17 de Noviembre (Lomas de Zamora) — two workshops, fifteen features across the four
//! dimensions (one generalised workshop, one restricted brick kiln where children work),
//! each with the workshop that mapped it, when it matters and its vulnerability tags,
//! and the joint action plan with the province's ARS 5,000,000 to social care
//! institutions; thirteen actors and sixteen relationships of the barrio's network.
//! Everything goes through the use cases as the operator.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::cartography::{ActionInput, ActionUpdateInput, ExerciseInput, WorkshopInput};
use std::collections::HashMap;

/// The mapped features, inside the barrio's approximate boundary; `@W1` and `@W2`
/// stand for the first and second workshop.
const FEATURES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"category":"school","description":"Escuela primaria del barrio","workshop_id":"@W2","times":["day","weekday"]},"geometry":{"type":"Point","coordinates":[-58.4240,-34.7281]}},
{"type":"Feature","properties":{"category":"health_centre","description":"Unidad sanitaria","workshop_id":"@W1","times":["day","weekday"]},"geometry":{"type":"Point","coordinates":[-58.4214,-34.7276]}},
{"type":"Feature","properties":{"category":"community_kitchen","description":"Comedor comunitario: almuerzo y merienda","workshop_id":"@W1","times":["day","weekday","school_holidays"]},"geometry":{"type":"Point","coordinates":[-58.4251,-34.7301]}},
{"type":"Feature","properties":{"category":"church","description":"Capilla","workshop_id":"@W1","times":["weekend"]},"geometry":{"type":"Point","coordinates":[-58.4229,-34.7270]}},
{"type":"Feature","properties":{"category":"police_station","description":"Destacamento policial","workshop_id":"@W1"},"geometry":{"type":"Point","coordinates":[-58.4206,-34.7309]}},
{"type":"Feature","properties":{"category":"workshop","description":"Taller textil informal, jornadas largas de noche","sensitivity":"generalised","workshop_id":"@W1","times":["night","weekday"],"vulnerabilities":[{"crime":"FL","risk":"jornadas de noche sin pago, documentos retenidos"},{"crime":"CL","risk":"adolescentes cosiendo después de la escuela"}]},"geometry":{"type":"Point","coordinates":[-58.4222,-34.7294]}},
{"type":"Feature","properties":{"category":"brick_kiln","description":"Horno de ladrillos donde trabajan niñas y niños (CL)","sensitivity":"restricted","workshop_id":"@W1","times":["day","weekday","weekend","dry_season"],"vulnerabilities":[{"crime":"CL","risk":"niñas y niños cargando ladrillos al amanecer"},{"crime":"FL","risk":"familias endeudadas con el dueño del horno"}]},"geometry":{"type":"Point","coordinates":[-58.4256,-34.7312]}},
{"type":"Feature","properties":{"category":"dump","description":"Basural a cielo abierto; recolección de cartón por familias","workshop_id":"@W1","times":["day","school_holidays"],"vulnerabilities":[{"crime":"CL","risk":"niñas y niños juntando cartón con sus familias"}]},"geometry":{"type":"Polygon","coordinates":[[[-58.4262,-34.7285],[-58.4252,-34.7285],[-58.4252,-34.7293],[-58.4262,-34.7293],[-58.4262,-34.7285]]]}},
{"type":"Feature","properties":{"category":"market","description":"Feria de los sábados","workshop_id":"@W1","times":["day","weekend"],"vulnerabilities":[{"crime":"CL","risk":"niñas y niños vendiendo en los puestos"}]},"geometry":{"type":"Point","coordinates":[-58.4235,-34.7290]}},
{"type":"Feature","properties":{"category":"transport_stop","description":"Parada de colectivos","workshop_id":"@W2","times":["night"],"vulnerabilities":[{"crime":"HT","risk":"ofertas de trabajo a adolescentes de noche"}]},"geometry":{"type":"Point","coordinates":[-58.4201,-34.7266]}},
{"type":"Feature","properties":{"category":"transport_stop","description":"Parada de remises","workshop_id":"@W2","times":["night","weekend"]},"geometry":{"type":"Point","coordinates":[-58.4261,-34.7306]}},
{"type":"Feature","properties":{"category":"route","description":"Camino de niñas y niños a la escuela","workshop_id":"@W2","times":["day","weekday"]},"geometry":{"type":"LineString","coordinates":[[-58.4251,-34.7301],[-58.4245,-34.7290],[-58.4240,-34.7281]]}},
{"type":"Feature","properties":{"category":"stream","description":"Arroyo entubado a medias; se inunda","workshop_id":"@W2","times":["rainy_season"]},"geometry":{"type":"LineString","coordinates":[[-58.4265,-34.7315],[-58.4230,-34.7305],[-58.4198,-34.7300]]}},
{"type":"Feature","properties":{"category":"place_of_risk","description":"Descampado sin luz de noche","sensitivity":"generalised","workshop_id":"@W2","times":["night"],"vulnerabilities":[{"crime":"HT","risk":"captación de adolescentes al volver de noche"}]},"geometry":{"type":"Polygon","coordinates":[[[-58.4218,-34.7300],[-58.4208,-34.7300],[-58.4208,-34.7306],[-58.4218,-34.7306],[-58.4218,-34.7300]]]}},
{"type":"Feature","properties":{"category":"meeting_place","description":"Sociedad de fomento","workshop_id":"@W1","times":["weekday","weekend"]},"geometry":{"type":"Point","coordinates":[-58.4245,-34.7268]}}
]}"#;

/// Seeds the exercise of barrio 17 de Noviembre.
pub async fn seed_cartography(app: &App, inst: &HashMap<&str, String>) -> Result<()> {
    let areas = atlas_store::directory::list_areas(
        &app.db,
        &atlas_store::directory::ListFilter {
            country: Some("AR".into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await?;
    let barrio = areas
        .iter()
        .find(|a| a.name == "17 de Noviembre")
        .context("demo barrio missing")?;
    let by = By::Operator;
    let ex = app
        .create_exercise(
            by,
            &ExerciseInput {
                area_id: barrio.area_id.to_string(),
                name: "Mapeo participativo 17 de Noviembre".into(),
                purpose: "Poner en el mapa el espacio geográfico, social, económico y cultural del barrio y sus dinámicas, y los riesgos de trabajo infantil, trabajo forzoso y trata, con COPRETI y DyA.".into(),
                starts_on: "2026-03-01".into(),
                ends_on: "2026-06-30".into(),
            },
        )
        .await?;
    let id = ex.exercise_id;
    let mut workshops = Vec::new();
    for (held_on, place, counts) in [
        (
            "2026-03-14",
            "Sociedad de fomento 17 de Noviembre",
            ["18", "9", "3", "2", "1", "2"],
        ),
        (
            "2026-04-11",
            "Escuela primaria del barrio",
            ["12", "14", "5", "1", "3", "0"],
        ),
    ] {
        let [residents, youth, teachers, health_workers, officials, other] =
            counts.map(String::from);
        let w = app
            .add_workshop(
                by,
                id,
                &WorkshopInput {
                    held_on: held_on.into(),
                    place: place.into(),
                    residents,
                    youth,
                    teachers,
                    health_workers,
                    officials,
                    other,
                    consent_noted: "1".into(),
                },
            )
            .await?;
        workshops.push(w.workshop_id.to_string());
    }
    let [w1, w2] = [0, 1].map(|n| workshops.get(n).cloned().unwrap_or_default());
    let features = FEATURES.replace("@W1", &w1).replace("@W2", &w2);
    app.import_features(by, id, crate::cartography::ImportFormat::GeoJson, &features)
        .await?;
    let features = atlas_store::cartography::list_features(&app.db, id).await?;
    let feature = |cat: &str| {
        features
            .iter()
            .find(|f| f.category == cat)
            .map(|f| f.feature_id.to_string())
            .unwrap_or_default()
    };
    let inst_id = |a: &str| inst.get(a).cloned().context("demo institution missing");
    let action = |title: &str,
                  finding: &str,
                  feature_id: String,
                  parent_id: String,
                  institution_id: String,
                  level: &str,
                  budget: &str,
                  status: &str,
                  progress: &str| ActionInput {
        title: title.into(),
        finding: finding.into(),
        feature_id,
        parent_id,
        institution_id,
        level: level.into(),
        budget: budget.into(),
        currency: "ARS".into(),
        status: status.into(),
        progress: progress.into(),
        starts_on: "2026-05-01".into(),
        due_on: "2026-12-31".into(),
    };
    let care = app
        .add_action(
            by,
            id,
            &action(
                "Fortalecer las instituciones de cuidado del barrio",
                "Niñas y niños sin espacio de cuidado mientras sus familias trabajan en hornos, talleres y en el basural.",
                String::new(),
                String::new(),
                inst_id("COPRETI")?,
                "provincial",
                "5000000",
                "in_progress",
                "",
            ),
        )
        .await?;
    app.add_action(
        by,
        id,
        &action(
            "Ampliar el horario del comedor comunitario como espacio de cuidado",
            "El comedor cierra a las 14 h.",
            feature("community_kitchen"),
            care.action_id.to_string(),
            inst_id("MLZ")?,
            "municipal",
            "1500000",
            "done",
            "",
        ),
    )
    .await?;
    let centre = app
        .add_action(
            by,
            id,
            &action(
                "Abrir un centro de día para niñas y niños",
                "No hay centro de día en el barrio.",
                String::new(),
                care.action_id.to_string(),
                inst_id("COPRETI")?,
                "provincial",
                "3500000",
                "in_progress",
                "20",
            ),
        )
        .await?;
    app.update_action(
        by,
        centre.action_id,
        &ActionUpdateInput {
            status: "in_progress".into(),
            progress: "40".into(),
            note: "Local cedido por la sociedad de fomento; equipo en selección.".into(),
        },
    )
    .await?;
    app.add_action(
        by,
        id,
        &action(
            "Iluminar el descampado y sumar recorridos de prevención",
            "Descampado sin luz donde se reportan captaciones de adolescentes.",
            feature("place_of_risk"),
            String::new(),
            inst_id("MLZ")?,
            "municipal",
            // Not budgeted yet: the municipality commits it in next year's budget, so
            // the plan's committed total is the province's 5 million to social care.
            "",
            "planned",
            "",
        ),
    )
    .await?;
    app.add_action(
        by,
        id,
        &action(
            "Inspeccionar los hornos de ladrillo con la provincia",
            "Trabajo infantil en hornos de ladrillo.",
            feature("brick_kiln"),
            String::new(),
            inst_id("MTPBA")?,
            "provincial",
            "",
            "planned",
            "",
        ),
    )
    .await?;
    seed_network(app, id, inst).await?;
    Ok(())
}

/// The actors of the barrio and how they relate, as the workshops drew them: the
/// institutions of the directory that work there, the comedor, the school, the health
/// centre, the parish, the sociedad de fomento, the brick-kiln owners, the roles of
/// recruiter and transporter — and the Saturday market's stallholders, whom nobody
/// named a relationship with.
async fn seed_network(app: &App, exercise: uuid::Uuid, inst: &HashMap<&str, String>) -> Result<()> {
    use atlas_domain::carto_network::{ActorInput, RelationshipInput};
    let by = By::Operator;
    let actors: [(&str, &str, &str, &str); 13] = [
        ("institution", "COPRETI", "social", ""),
        ("institution", "MLZ", "social", ""),
        ("institution", "MTPBA", "economic", ""),
        ("institution", "DyA", "social", ""),
        (
            "community_organisation",
            "Comedor comunitario",
            "social",
            "Almuerzo y merienda para 120 chicos.",
        ),
        (
            "community_organisation",
            "Escuela primaria del barrio",
            "social",
            "",
        ),
        ("community_organisation", "Unidad sanitaria", "social", ""),
        (
            "community_organisation",
            "Capilla y Cáritas parroquial",
            "cultural",
            "",
        ),
        (
            "community_organisation",
            "Sociedad de fomento",
            "cultural",
            "",
        ),
        (
            "informal_group",
            "Dueños de hornos de ladrillo",
            "economic",
            "Contratan familias enteras por tanda.",
        ),
        (
            "role",
            "Reclutador",
            "economic",
            "Ofrece trabajo en hornos y talleres a familias recién llegadas.",
        ),
        (
            "role",
            "Transportista (remís)",
            "geographic",
            "Lleva a los trabajadores de madrugada.",
        ),
        ("informal_group", "Puesteros de la feria", "economic", ""),
    ];
    let mut ids = HashMap::new();
    for (kind, name, dimension, note) in actors {
        let (institution_id, label) = if kind == "institution" {
            (
                inst.get(name)
                    .cloned()
                    .context("demo institution missing")?,
                String::new(),
            )
        } else {
            (String::new(), name.to_owned())
        };
        let a = app
            .add_actor(
                by,
                exercise,
                &ActorInput {
                    kind: kind.into(),
                    institution_id,
                    label,
                    dimension: dimension.into(),
                    note: note.into(),
                },
            )
            .await?;
        ids.insert(name, a.actor_id);
    }
    let rels: [(&str, &str, &str, &str, &str); 16] = [
        ("COPRETI", "DyA", "cooperation", "3", "mutual"),
        ("COPRETI", "MLZ", "cooperation", "2", "mutual"),
        ("DyA", "Comedor comunitario", "cooperation", "3", "mutual"),
        ("MLZ", "Comedor comunitario", "funding", "2", "directed"),
        (
            "Escuela primaria del barrio",
            "COPRETI",
            "referral",
            "2",
            "directed",
        ),
        ("Unidad sanitaria", "COPRETI", "referral", "1", "directed"),
        ("COPRETI", "MTPBA", "referral", "2", "directed"),
        (
            "Escuela primaria del barrio",
            "Comedor comunitario",
            "cooperation",
            "2",
            "mutual",
        ),
        (
            "Capilla y Cáritas parroquial",
            "Comedor comunitario",
            "cooperation",
            "2",
            "mutual",
        ),
        ("Sociedad de fomento", "DyA", "information", "2", "mutual"),
        (
            "Escuela primaria del barrio",
            "Unidad sanitaria",
            "information",
            "1",
            "mutual",
        ),
        (
            "Sociedad de fomento",
            "Capilla y Cáritas parroquial",
            "information",
            "1",
            "mutual",
        ),
        (
            "Reclutador",
            "Dueños de hornos de ladrillo",
            "dependency",
            "3",
            "directed",
        ),
        (
            "Reclutador",
            "Transportista (remís)",
            "cooperation",
            "2",
            "mutual",
        ),
        (
            "Dueños de hornos de ladrillo",
            "Sociedad de fomento",
            "conflict",
            "2",
            "mutual",
        ),
        (
            "MTPBA",
            "Dueños de hornos de ladrillo",
            "conflict",
            "1",
            "directed",
        ),
    ];
    for (from, to, kind, strength, direction) in rels {
        let id = |n: &str| {
            ids.get(n)
                .map(|u: &uuid::Uuid| u.to_string())
                .context("demo actor missing")
        };
        app.add_relationship(
            by,
            exercise,
            &RelationshipInput {
                from_id: id(from)?,
                to_id: id(to)?,
                kind: kind.into(),
                strength: strength.into(),
                direction: direction.into(),
                note: String::new(),
            },
        )
        .await?;
    }
    Ok(())
}
