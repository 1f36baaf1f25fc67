//! Institutional adaptations: the diff after a master change, taking and leaving changes
//! one by one, presentations new in the master, reordering, bad input, who may see and
//! change an adaptation, audit; course editing and presentation editing with revisions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::training::{self as st, CourseFilter, CourseRow, PresentationRow};
use atlas_store::training_adaptation::{self as sa, AdaptationFilter, ItemView};
use atlas_testkit::{Client, TestApp};
use axum::http::StatusCode;
use std::io::Write;
use uuid::Uuid;

async fn adaptation_of(t: &TestApp, acronym: &str) -> Uuid {
    let f = AdaptationFilter {
        institution_id: Some(t.institution_id(acronym).await),
        ..Default::default()
    };
    sa::list_adaptations(&t.app.db, &f)
        .await
        .unwrap()
        .first()
        .expect("no adaptation for institution")
        .training_adaptation_id
}

async fn items(t: &TestApp, a: Uuid) -> Vec<ItemView> {
    sa::list_items(&t.app.db, a).await.unwrap()
}

async fn item(t: &TestApp, a: Uuid, p: Uuid) -> Option<ItemView> {
    items(t, a)
        .await
        .into_iter()
        .find(|i| i.training_presentation_id == p)
}

async fn presentation(t: &TestApp, id: Uuid) -> PresentationRow {
    st::get_presentation(&t.app.db, id).await.unwrap().unwrap()
}

async fn course_of(t: &TestApp, acronym: &str) -> CourseRow {
    st::list_courses(&t.app.db, &CourseFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.institution_acronym == acronym)
        .expect("no course for institution")
}

/// The presentation edit form's fields for `p` with a new title and duration.
fn pres_form(
    p: &PresentationRow,
    title: &str,
    minutes: &str,
    version: i64,
) -> Vec<(String, String)> {
    let mut v = vec![
        ("ordinal".to_owned(), p.ordinal.to_string()),
        ("title".into(), title.into()),
        ("summary".into(), p.summary.clone()),
        ("objectives".into(), p.objectives.clone()),
        ("duration_minutes".into(), minutes.into()),
        ("version".into(), version.to_string()),
    ];
    for c in p.crime_types.split(',') {
        v.push((format!("crime_types-{c}"), "1".into()));
    }
    for c in p.audiences.split(',') {
        v.push((format!("audiences-{c}"), "1".into()));
    }
    v
}

async fn post(c: &mut Client, path: &str, fields: &[(String, String)]) -> atlas_testkit::Resp {
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_form(path, &f).await
}

/// Program staff edit presentation `p` through the curriculum form; returns the new
/// version.
async fn edit_master(t: &TestApp, staff: &mut Client, p: Uuid, title: &str, minutes: &str) -> i64 {
    let cur = presentation(t, p).await;
    let r = post(
        staff,
        &format!("/training/curriculum/presentations/{p}"),
        &pres_form(&cur, title, minutes, cur.version),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    cur.version + 1
}

async fn decide(
    c: &mut Client,
    a: Uuid,
    p: Uuid,
    decision: &str,
    master: i64,
) -> atlas_testkit::Resp {
    let v = master.to_string();
    c.post_form(
        &format!("/training/adaptations/{a}/changes/{p}"),
        &[("decision", decision), ("master_version", &v)],
    )
    .await
}

#[tokio::test]
async fn a_master_change_shows_old_and_new_values_and_is_taken_or_left_one_by_one() {
    for t in TestApp::all_with_demo().await {
        let a = adaptation_of(&t, "IUPFA").await;
        let first = items(&t, a).await[0].clone();
        let p = first.training_presentation_id;
        let old_title = presentation(&t, p).await.title;
        let mut staff = t.signed_in("program_staff").await;
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord.get(&format!("/training/adaptations/{a}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("Marco normativo actualizado"),
            "nothing pending for it yet"
        );

        // 1. A change: shown with old and new values, then taken.
        let v2 = edit_master(&t, &mut staff, p, "Marco normativo actualizado", "60").await;
        let page = coord.get(&format!("/training/adaptations/{a}")).await;
        assert!(
            page.body.contains("Marco normativo actualizado"),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!("<del>{old_title}</del>")));
        assert!(page.body.contains("<del>45</del>") && page.body.contains("<ins>60</ins>"));
        assert!(
            page.body
                .contains(&format!("/training/adaptations/{a}/changes/{p}"))
        );
        assert!(
            page.body.contains(&format!(
                "<strong>1. {old_title}</strong> <span class=\"muted\">· 45 min · v1"
            )),
            "the list shows the version the adaptation teaches"
        );
        let r = decide(&mut coord, a, p, "take", v2).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let it = item(&t, a, p).await.unwrap();
        assert_eq!((it.presentation_version, it.left_version), (v2, None));
        let page = coord.get(&format!("/training/adaptations/{a}")).await;
        assert!(
            page.body.contains(
                "<strong>1. Marco normativo actualizado</strong> <span class=\"muted\">· 60 min · v2"
            ),
            "taken: the item is at the new version"
        );
        let page = coord.get(&format!("/training/adaptations/{a}")).await;
        assert!(
            !page.body.contains(&format!("<del>{old_title}</del>")),
            "no longer pending"
        );
        assert!(!page.body.contains(&format!("/changes/{p}\"")));

        // 2. A second change, left: the item stays at the version taken.
        let v3 = edit_master(&t, &mut staff, p, "Marco normativo, tercera edición", "60").await;
        let page = coord.get(&format!("/training/adaptations/{a}")).await;
        assert!(
            page.body
                .contains("<ins>Marco normativo, tercera edición</ins>")
        );
        assert!(page.body.contains("<del>Marco normativo actualizado</del>"));
        let r = decide(&mut coord, a, p, "leave", v3).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let it = item(&t, a, p).await.unwrap();
        assert_eq!((it.presentation_version, it.left_version), (v2, Some(v3)));
        let page = coord.get(&format!("/training/adaptations/{a}")).await;
        assert!(
            !page
                .body
                .contains("<ins>Marco normativo, tercera edición</ins>")
        );
        // Deciding again on the same version: nothing pending.
        let r = decide(&mut coord, a, p, "take", v3).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(item(&t, a, p).await.unwrap().presentation_version, v2);

        // 3. A later change shows again, compared with the version taken.
        let v4 = edit_master(&t, &mut staff, p, "Marco normativo, cuarta edición", "90").await;
        let page = coord.get(&format!("/training/adaptations/{a}")).await;
        assert!(
            page.body
                .contains("<ins>Marco normativo, cuarta edición</ins>")
        );
        assert!(page.body.contains("<del>Marco normativo actualizado</del>"));
        assert!(page.body.contains("<del>60</del>") && page.body.contains("<ins>90</ins>"));
        // A decision on a version the page did not show is stale: 409, nothing written.
        let r = decide(&mut coord, a, p, "take", v3).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(item(&t, a, p).await.unwrap().presentation_version, v2);
        let r = decide(&mut coord, a, p, "take", v4).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(item(&t, a, p).await.unwrap().presentation_version, v4);

        // Audited with ids only; the coordinator is the actor.
        let takes = t.audit("training.adaptation.change.take").await;
        let leaves = t.audit("training.adaptation.change.leave").await;
        assert_eq!((takes.len(), leaves.len()), (2, 1));
        assert_eq!(takes[0].actor_username, "training_coordinator");
        assert_eq!(takes[0].entity_id, a.to_string());
        assert!(takes[0].summary.contains(&p.to_string()));
        assert!(!takes[0].summary.contains("Marco"));
        let updates = t.audit("training.presentation.update").await;
        assert_eq!(
            updates
                .iter()
                .filter(|e| e.actor_username == "program_staff")
                .count(),
            3
        );
    }
}

#[tokio::test]
async fn the_demo_shows_a_pending_master_change_on_iupfa_and_prv_adaptations() {
    for t in TestApp::all_with_demo().await {
        for acr in ["IUPFA", "PRV"] {
            let a = sa::get_adaptation(&t.app.db, adaptation_of(&t, acr).await)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(a.pending, 1, "{acr}");
        }
        let a = sa::get_adaptation(&t.app.db, adaptation_of(&t, "COPRETI").await)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.pending, 0);
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord
            .get(&format!(
                "/training/adaptations/{}",
                adaptation_of(&t, "IUPFA").await
            ))
            .await;
        assert!(
            page.body
                .contains("<ins>Captación y traslado: cómo opera la trata, también en línea</ins>")
        );
        // Every demo institution has an adaptation, and its course runs it.
        for acr in ["IUPFA", "DOVIC", "COPRETI", "PRV"] {
            let c = course_of(&t, acr).await;
            let a = sa::get_adaptation(&t.app.db, adaptation_of(&t, acr).await)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(c.training_adaptation_id, Some(a.training_adaptation_id));
            assert_eq!(
                c.stage, a.stage,
                "{acr}: course and adaptation at one stage"
            );
        }
    }
}

#[tokio::test]
async fn a_presentation_new_in_the_master_shows_as_new_and_can_be_taken_or_left() {
    for t in TestApp::all_with_demo().await {
        let iupfa = adaptation_of(&t, "IUPFA").await;
        let prv = adaptation_of(&t, "PRV").await;
        let module = st::list_modules(&t.app.db).await.unwrap()[2].training_module_id;
        // Program staff add it through the curriculum form.
        let mut staff = t.signed_in("program_staff").await;
        let form = staff
            .get(&format!(
                "/training/curriculum/modules/{module}/presentations/new"
            ))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body
                .contains("name=\"ordinal\" type=\"number\" value=\"7\"")
        );
        let fields = [
            ("ordinal", "7"),
            ("title", "Derivación de víctimas extranjeras"),
            (
                "summary",
                "Consulados, regularización migratoria y retorno asistido.",
            ),
            ("objectives", "Activar la asistencia consular."),
            ("crime_types-fl", "1"),
            ("crime_types-ht", "1"),
            ("audiences-social_worker", "1"),
            ("duration_minutes", "45"),
        ];
        let r = staff
            .post_form(
                &format!("/training/curriculum/modules/{module}/presentations"),
                &fields[..7],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no duration");
        assert!(
            r.body.contains("e-duration_minutes")
                && r.body.contains("Derivación de víctimas extranjeras")
        );
        let r = staff
            .post_form(
                &format!("/training/curriculum/modules/{module}/presentations"),
                &fields,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let p = st::list_presentations(&t.app.db)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.title == "Derivación de víctimas extranjeras")
            .unwrap();
        assert_eq!(
            (p.version, p.crime_types.as_str(), p.audiences.as_str()),
            (1, "fl,ht", "social_worker")
        );
        assert_eq!(
            st::list_revisions(
                &t.app.db,
                "training_presentation",
                p.training_presentation_id
            )
            .await
            .unwrap()
            .len(),
            1,
            "version 1 is in the history"
        );
        let p = p.training_presentation_id;
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord.get(&format!("/training/adaptations/{iupfa}")).await;
        assert!(page.body.contains("New in the master"), "{}", page.body);
        assert!(page.body.contains("Derivación de víctimas extranjeras"));
        let n = items(&t, iupfa).await.len();
        let r = decide(&mut coord, iupfa, p, "take", 1).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let all = items(&t, iupfa).await;
        assert_eq!(all.len(), n + 1);
        assert_eq!(
            all.last().unwrap().training_presentation_id,
            p,
            "added at the end"
        );
        assert_eq!(all.last().unwrap().presentation_version, 1);
        let page = coord.get(&format!("/training/adaptations/{iupfa}")).await;
        assert!(!page.body.contains("New in the master"));
        // PRV leaves it: no longer offered, not added.
        let mut other = t.signed_in("coord_prv").await;
        assert!(
            other
                .get(&format!("/training/adaptations/{prv}"))
                .await
                .body
                .contains("Derivación de víctimas extranjeras")
        );
        let r = decide(&mut other, prv, p, "leave", 1).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(item(&t, prv, p).await.is_none());
        let page = other.get(&format!("/training/adaptations/{prv}")).await;
        assert!(!page.body.contains("New in the master"));
        assert_eq!(t.audit("training.adaptation.new.take").await.len(), 1);
        assert_eq!(t.audit("training.adaptation.new.leave").await.len(), 1);
        // A presentation removed from the adaptation is not offered as new again.
        let r = coord
            .post_form(
                &format!("/training/adaptations/{iupfa}/items/{p}/remove"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = coord.get(&format!("/training/adaptations/{iupfa}")).await;
        assert!(!page.body.contains("New in the master"));
    }
}

#[tokio::test]
async fn a_coordinator_reorders_annotates_removes_and_adds_presentations() {
    for t in TestApp::all_with_demo().await {
        let a = adaptation_of(&t, "COPRETI").await;
        let before: Vec<Uuid> = items(&t, a)
            .await
            .iter()
            .map(|i| i.training_presentation_id)
            .collect();
        let mut staff = t.signed_in("program_staff").await;
        let (p0, p1) = (before[0], before[1]);
        let r = staff
            .post_form(
                &format!("/training/adaptations/{a}/items/{p0}/move"),
                &[("direction", "down")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let now: Vec<Uuid> = items(&t, a)
            .await
            .iter()
            .map(|i| i.training_presentation_id)
            .collect();
        assert_eq!(&now[..2], &[p1, p0]);
        assert_eq!(&now[2..], &before[2..]);
        // Up from the top changes nothing; an unknown direction is a field error.
        let r = staff
            .post_form(
                &format!("/training/adaptations/{a}/items/{p1}/move"),
                &[("direction", "up")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = staff
            .post_form(
                &format!("/training/adaptations/{a}/items/{p1}/move"),
                &[("direction", "sideways")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(t.audit("training.adaptation.item.move").await.len(), 1);
        // Local note.
        let r = staff
            .post_form(
                &format!("/training/adaptations/{a}/items/{p0}/note"),
                &[("local_note", "Con el acta modelo de la delegación La Plata")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            item(&t, a, p0).await.unwrap().local_note.as_deref(),
            Some("Con el acta modelo de la delegación La Plata")
        );
        let page = staff.get(&format!("/training/adaptations/{a}")).await;
        assert!(
            page.body
                .contains("Con el acta modelo de la delegación La Plata")
        );
        // Remove, then add back at the end.
        let r = staff
            .post_form(&format!("/training/adaptations/{a}/items/{p1}/remove"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let after = items(&t, a).await;
        assert_eq!(after.len(), before.len() - 1);
        assert_eq!(
            after.iter().map(|i| i.ordinal).collect::<Vec<_>>(),
            (1..=after.len() as i64).collect::<Vec<_>>(),
            "the order stays 1..n"
        );
        let pid = p1.to_string();
        let r = staff
            .post_form(
                &format!("/training/adaptations/{a}/items"),
                &[("training_presentation_id", &pid)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            items(&t, a).await.last().unwrap().training_presentation_id,
            p1
        );
        // Adding it twice is a field error.
        let r = staff
            .post_form(
                &format!("/training/adaptations/{a}/items"),
                &[("training_presentation_id", &pid)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("already in the adaptation"));
        for action in ["item.note", "item.remove", "item.add"] {
            assert_eq!(
                t.audit(&format!("training.adaptation.{action}"))
                    .await
                    .iter()
                    .filter(|e| e.actor_username == "program_staff")
                    .count(),
                1,
                "{action}"
            );
        }
        // Editing the adaptation itself: stage to integrated, stale version refused.
        let r = staff
            .post_form(
                &format!("/training/adaptations/{a}"),
                &[
                    ("title", "Trabajo infantil en la inspección laboral"),
                    ("framework", "Capacitación anual de inspectores"),
                    ("stage", "integrated"),
                    ("notes", ""),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = staff
            .post_form(
                &format!("/training/adaptations/{a}"),
                &[
                    ("title", "Mi título"),
                    ("stage", "piloting"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("Mi título") && r.body.contains("name=\"version\" value=\"2\""));
        let row = sa::get_adaptation(&t.app.db, a).await.unwrap().unwrap();
        assert_eq!((row.stage.as_str(), row.version), ("integrated", 2));
        assert_eq!(t.audit("training.adaptation.update").await.len(), 1);
    }
}

#[tokio::test]
async fn a_new_adaptation_is_made_and_bad_input_names_the_field_and_writes_nothing() {
    for t in TestApp::all_with_demo().await {
        let mut coord = t.signed_in("training_coordinator").await;
        let iupfa = t.institution_id("IUPFA").await.to_string();
        let pres = st::list_presentations(&t.app.db).await.unwrap();
        let (a, b) = (
            pres[0].training_presentation_id.to_string(),
            pres[5].training_presentation_id.to_string(),
        );
        assert_eq!(
            coord.get("/training/adaptations/new").await.status,
            StatusCode::OK
        );
        let adaptations = t.count("training_adaptation").await;
        let events = t.audit("training.adaptation").await.len();
        let pa = format!("p-{a}");
        let bad_stage = coord
            .post_form(
                "/training/adaptations",
                &[
                    ("institution_id", &iupfa),
                    ("title", "Curso de verano"),
                    ("stage", "someday"),
                    (&pa, "1"),
                ],
            )
            .await;
        assert_eq!(bad_stage.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_stage.body.contains("e-stage"), "{}", bad_stage.body);
        assert!(bad_stage.body.contains("Curso de verano"), "input kept");
        let ghost = format!("p-{}", Uuid::now_v7());
        let r = coord
            .post_form(
                "/training/adaptations",
                &[
                    ("institution_id", &iupfa),
                    ("title", "Curso de verano"),
                    ("stage", "adapting"),
                    (&ghost, "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("e-presentations"), "{}", r.body);
        let r = coord
            .post_form(
                "/training/adaptations",
                &[
                    ("institution_id", &iupfa),
                    ("title", "Nada"),
                    ("stage", "adapting"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Choose at least one presentation"));
        // Another institution than the coordinator's.
        let prv = t.institution_id("PRV").await.to_string();
        let r = coord
            .post_form(
                "/training/adaptations",
                &[
                    ("institution_id", &prv),
                    ("title", "Ajena"),
                    ("stage", "adapting"),
                    (&pa, "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("e-institution_id"));
        let a_id = Uuid::parse_str(&a).unwrap();
        let existing = adaptation_of(&t, "IUPFA").await;
        let r = coord
            .post_form(
                &format!("/training/adaptations/{existing}/items"),
                &[("training_presentation_id", &Uuid::now_v7().to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = coord
            .post_form(
                &format!(
                    "/training/adaptations/{existing}/items/{}/note",
                    items(&t, existing).await[0].training_presentation_id
                ),
                &[("local_note", &"x".repeat(1001))],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            t.count("training_adaptation").await,
            adaptations,
            "nothing written"
        );
        assert_eq!(t.audit("training.adaptation").await.len(), events);
        // A good one: the presentations in master order, every master one known.
        let pb = format!("p-{b}");
        let r = coord
            .post_form(
                "/training/adaptations",
                &[
                    ("institution_id", &iupfa),
                    ("title", "Curso de verano"),
                    ("framework", ""),
                    ("stage", "adapting"),
                    ("notes", "Para la sede Rosario"),
                    (&pb, "1"),
                    (&pa, "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id: Uuid = r
            .location()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let its = items(&t, id).await;
        assert_eq!(its.len(), 2);
        assert_eq!(its[0].training_presentation_id, a_id);
        let row = sa::get_adaptation(&t.app.db, id).await.unwrap().unwrap();
        assert_eq!((row.pending, row.items), (0, 2));
        let ev = t.audit("training.adaptation.create").await;
        assert_eq!(ev.last().unwrap().actor_username, "training_coordinator");
        assert!(!ev.last().unwrap().summary.contains("Rosario"));
    }
}

#[tokio::test]
async fn another_institutions_coordinator_gets_404_and_facilitators_and_observers_cannot_change() {
    for t in TestApp::all_with_demo().await {
        let a = adaptation_of(&t, "IUPFA").await;
        let p = items(&t, a).await[0].training_presentation_id;
        let paths = [
            (
                format!("/training/adaptations/{a}"),
                vec![("title", "x"), ("stage", "adapting"), ("version", "1")],
            ),
            (
                format!("/training/adaptations/{a}/items"),
                vec![("training_presentation_id", "")],
            ),
            (
                format!("/training/adaptations/{a}/items/{p}/move"),
                vec![("direction", "down")],
            ),
            (
                format!("/training/adaptations/{a}/items/{p}/remove"),
                vec![],
            ),
            (
                format!("/training/adaptations/{a}/items/{p}/note"),
                vec![("local_note", "x")],
            ),
            (
                format!("/training/adaptations/{a}/changes/{p}"),
                vec![("decision", "take"), ("master_version", "1")],
            ),
        ];
        let events = t.audit("training.adaptation").await.len();
        let before = items(&t, a).await;
        let mut other = t.signed_in("coord_prv").await;
        assert_eq!(
            other
                .get(&format!("/training/adaptations/{a}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other
                .get(&format!("/training/adaptations/{a}/edit"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let list = other.get("/training/adaptations").await;
        assert!(
            list.body.contains("Derivación y asistencia")
                && !list.body.contains("formación policial")
        );
        let mut fac = t.signed_in("facilitator").await;
        let page = fac.get(&format!("/training/adaptations/{a}")).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "a facilitator reads their institution's"
        );
        assert!(!page.body.contains("/changes/"), "but is offered no change");
        assert_eq!(
            fac.get(&format!("/training/adaptations/{a}/edit"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            fac.get("/training/adaptations/new").await.status,
            StatusCode::FORBIDDEN
        );
        let mut obs = t.signed_in("observer").await;
        assert_eq!(
            obs.get("/training/adaptations").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            obs.get(&format!("/training/adaptations/{a}")).await.status,
            StatusCode::NOT_FOUND
        );
        for c in [&mut other, &mut fac, &mut obs] {
            for (path, fields) in &paths {
                let r = c.post_form(path, fields).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            }
            let iupfa = t.institution_id("IUPFA").await.to_string();
            let pa = format!("p-{p}");
            let r = c
                .post_form(
                    "/training/adaptations",
                    &[
                        ("institution_id", &iupfa),
                        ("title", "x"),
                        ("stage", "adapting"),
                        (&pa, "1"),
                    ],
                )
                .await;
            assert!(
                r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                r.status
            );
        }
        assert_eq!(
            t.audit("training.adaptation").await.len(),
            events,
            "nothing changed"
        );
        let after = items(&t, a).await;
        assert_eq!(
            after
                .iter()
                .map(|i| (i.training_presentation_id, i.ordinal, i.local_note.clone()))
                .collect::<Vec<_>>(),
            before
                .iter()
                .map(|i| (i.training_presentation_id, i.ordinal, i.local_note.clone()))
                .collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn a_coordinator_edits_a_course_with_stale_edits_refused() {
    for t in TestApp::all_with_demo().await {
        let c = course_of(&t, "COPRETI").await;
        let id = c.training_course_id;
        let adaptation = adaptation_of(&t, "COPRETI").await.to_string();
        let prv_adaptation = adaptation_of(&t, "PRV").await.to_string();
        let mut coord = t.signed_in("program_staff").await;
        let form = coord.get(&format!("/training/courses/{id}/edit")).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body
                .contains("Trabajo infantil en la inspección laboral"),
            "its adaptation is offered"
        );
        assert!(
            !form.body.contains(&prv_adaptation),
            "not another institution's"
        );
        let fields = |stage: &'static str,
                      att: &'static str,
                      post: &'static str,
                      adapt: String,
                      v: &'static str| {
            vec![
                (
                    "title".to_owned(),
                    "Detección de trabajo infantil en la inspección".to_owned(),
                ),
                (
                    "framework".into(),
                    "Capacitación anual de inspectores".into(),
                ),
                ("stage".into(), stage.into()),
                ("area_id".into(), String::new()),
                ("capacity".into(), "25".into()),
                ("attendance_min_percent".into(), att.into()),
                ("post_test_min_percent".into(), post.into()),
                ("training_adaptation_id".into(), adapt),
                ("version".into(), v.into()),
            ]
        };
        let updates = t.audit("training.course.update").await.len();
        // Bad input: each field named, nothing written.
        for (f, field) in [
            (
                fields("integrated", "101", "", adaptation.clone(), "1"),
                "e-attendance_min_percent",
            ),
            (
                fields("integrated", "80", "abc", adaptation.clone(), "1"),
                "e-post_test_min_percent",
            ),
            (
                fields("finished", "80", "", adaptation.clone(), "1"),
                "e-stage",
            ),
            (
                fields("integrated", "80", "", prv_adaptation.clone(), "1"),
                "e-training_adaptation_id",
            ),
        ] {
            let r = post(&mut coord, &format!("/training/courses/{id}"), &f).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            assert!(r.body.contains(field), "{field}: {}", r.body);
        }
        assert_eq!(t.audit("training.course.update").await.len(), updates);
        assert_eq!(
            st::get_course(&t.app.db, id)
                .await
                .unwrap()
                .unwrap()
                .version,
            1
        );
        // Moving it to integrated, with thresholds.
        let r = post(
            &mut coord,
            &format!("/training/courses/{id}"),
            &fields("integrated", "80", "70", adaptation.clone(), "1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let now = st::get_course(&t.app.db, id).await.unwrap().unwrap();
        assert_eq!(
            (
                now.stage.as_str(),
                now.attendance_min_percent,
                now.post_test_min_percent,
                now.capacity,
                now.version
            ),
            ("integrated", 80, Some(70), 25, 2)
        );
        // A stale edit: 409, the user's text kept and the current version offered.
        let mut f = fields("piloting", "90", "", adaptation.clone(), "1");
        f[0].1 = "Mi título del curso".into();
        let r = post(&mut coord, &format!("/training/courses/{id}"), &f).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("Mi título del curso"));
        assert!(r.body.contains("name=\"version\" value=\"2\""));
        assert_eq!(
            st::get_course(&t.app.db, id).await.unwrap().unwrap().stage,
            "integrated"
        );
        let ev = t.audit("training.course.update").await;
        assert_eq!(ev.len(), updates + 1);
        assert!(ev.last().unwrap().summary.contains("stage=integrated"));
        // The figures follow: COPRETI now counts among institutions integrated.
        let mut c = t.client();
        c.bearer = Some(t.token("observer").await);
        let f = c
            .json(
                axum::http::Method::GET,
                "/api/v1/training/figures?country=AR",
                None,
            )
            .await
            .json();
        assert_eq!(f["institutions_integrated"], 3);
        assert_eq!(f["individuals_trained"], 72);
        // The coordinator of the course's institution may edit it; another's may not.
        let mut own = t.signed_in("training_coordinator").await;
        let iupfa = course_of(&t, "IUPFA").await;
        let r = post(
            &mut own,
            &format!("/training/courses/{}", iupfa.training_course_id),
            &fields("integrated", "100", "", String::new(), "1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            st::get_course(&t.app.db, iupfa.training_course_id)
                .await
                .unwrap()
                .unwrap()
                .training_adaptation_id,
            None,
            "the adaptation can be unset"
        );
        let mut other = t.signed_in("coord_prv").await;
        assert_eq!(
            other
                .get(&format!("/training/courses/{id}/edit"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = post(
            &mut other,
            &format!("/training/courses/{id}"),
            &fields("adapting", "100", "", String::new(), "2"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let mut fac = t.signed_in("facilitator").await;
        let r = post(
            &mut fac,
            &format!("/training/courses/{}", iupfa.training_course_id),
            &fields("adapting", "100", "", String::new(), "2"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A new course names its adaptation; another institution's is refused.
        let inst = t.institution_id("PRV").await.to_string();
        let mut prv = t.signed_in("coord_prv").await;
        let courses = t.count("training_course").await;
        let r = prv
            .post_form(
                "/training/courses",
                &[
                    ("institution_id", &inst),
                    ("title", "Segunda cohorte"),
                    ("stage", "adapting"),
                    ("capacity", "20"),
                    ("training_adaptation_id", &adaptation),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("e-training_adaptation_id"));
        assert_eq!(t.count("training_course").await, courses);
        let r = prv
            .post_form(
                "/training/courses",
                &[
                    ("institution_id", &inst),
                    ("title", "Segunda cohorte"),
                    ("stage", "adapting"),
                    ("capacity", "20"),
                    ("training_adaptation_id", &prv_adaptation),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
}

#[tokio::test]
async fn program_staff_edit_a_presentation_with_revisions_kept_and_stale_edits_refused() {
    for t in TestApp::all_with_demo().await {
        // Module 1's second presentation: not edited by the demo, at version 1.
        let p = st::list_presentations(&t.app.db).await.unwrap()[1].clone();
        assert_eq!(p.version, 1);
        let id = p.training_presentation_id;
        let mut staff = t.signed_in("program_staff").await;
        let form = staff
            .get(&format!("/training/curriculum/presentations/{id}/edit"))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body
                .contains(&format!("name=\"version\" value=\"{}\"", p.version))
        );
        let cur = st::get_presentation(&t.app.db, id).await.unwrap().unwrap();
        let mut f = pres_form(&cur, "Título nuevo", "50", cur.version);
        f.retain(|(k, _)| !k.starts_with("audiences"));
        f.push(("audiences-judge".into(), "1".into()));
        for (k, v) in f.iter_mut() {
            if k == "objectives" {
                *v = "Objetivos nuevos".into();
            }
        }
        let r = post(
            &mut staff,
            &format!("/training/curriculum/presentations/{id}"),
            &f,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let now = presentation(&t, id).await;
        assert_eq!(
            (
                now.title.as_str(),
                now.duration_minutes,
                now.audiences.as_str(),
                now.objectives.as_str(),
                now.version
            ),
            (
                "Título nuevo",
                50,
                "judge",
                "Objetivos nuevos",
                cur.version + 1
            )
        );
        assert_eq!(now.training_module_id, cur.training_module_id);
        // Stale: 409, the user's text kept, the current version offered.
        let r = post(
            &mut staff,
            &format!("/training/curriculum/presentations/{id}"),
            &pres_form(&cur, "Mi versión", "50", cur.version),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("Mi versión"));
        assert!(
            r.body
                .contains(&format!("name=\"version\" value=\"{}\"", cur.version + 1))
        );
        assert_eq!(presentation(&t, id).await.title, "Título nuevo");
        // History: one revision per version, each snapshot as saved.
        let revs = st::list_revisions(&t.app.db, "training_presentation", id)
            .await
            .unwrap();
        assert_eq!(
            revs.iter().map(|r| r.version).collect::<Vec<_>>(),
            vec![now.version, now.version - 1]
        );
        let snap = st::revision_snapshot(&t.app.db, "training_presentation", id, now.version)
            .await
            .unwrap()
            .unwrap();
        assert!(snap.contains("Título nuevo"));
        let page = staff
            .get(&format!("/training/curriculum/presentations/{id}/edit"))
            .await;
        assert!(
            page.body.contains("<tr><td>2</td><td>Program Officer</td>"),
            "the history names who saved each version: {}",
            page.body
        );
        let ev = t.audit("training.presentation.update").await;
        assert_eq!(ev.last().unwrap().entity_id, id.to_string());
        assert_eq!(ev.last().unwrap().actor_username, "program_staff");
        // Bad input: one message per field, nothing written.
        let mut bad = pres_form(&now, "", "abc", now.version);
        bad.retain(|(k, _)| !k.starts_with("crime_types"));
        let r = post(
            &mut staff,
            &format!("/training/curriculum/presentations/{id}"),
            &bad,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        for e in ["e-title", "e-duration_minutes", "e-crime_types"] {
            assert!(r.body.contains(e), "{e}");
        }
        assert_eq!(presentation(&t, id).await.version, now.version);
        // The curriculum links each presentation to its form for editors only.
        assert!(
            staff
                .get("/training/curriculum")
                .await
                .body
                .contains(&format!("/training/curriculum/presentations/{id}/edit"))
        );
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord.get("/training/curriculum").await.body;
        assert!(page.contains(&format!("/training/curriculum/presentations/{id}\"")));
        assert!(!page.contains("/edit\""), "no edit links for a coordinator");
        assert_eq!(
            coord
                .get(&format!("/training/curriculum/presentations/{id}/edit"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = post(
            &mut coord,
            &format!("/training/curriculum/presentations/{id}"),
            &pres_form(&now, "x", "50", now.version),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn adaptation_and_editing_pages_render_in_every_language_within_budget() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("admin").await;
        let a = adaptation_of(&t, "IUPFA").await;
        let course = course_of(&t, "IUPFA").await.training_course_id;
        let p = st::list_presentations(&t.app.db).await.unwrap()[0].training_presentation_id;
        let module = st::list_modules(&t.app.db).await.unwrap()[0].training_module_id;
        let pages = [
            "/training".to_owned(),
            "/training/adaptations".into(),
            "/training/adaptations/new".into(),
            format!("/training/adaptations/{a}"),
            format!("/training/adaptations/{a}/edit"),
            format!("/training/courses/{course}/edit"),
            format!("/training/curriculum/presentations/{p}/edit"),
            format!("/training/curriculum/modules/{module}/presentations/new"),
        ];
        for lang in ["en", "es", "th"] {
            c.get(&format!("/lang/{lang}")).await;
            for path in &pages {
                let r = c.get(path).await;
                assert_eq!(r.status, StatusCode::OK, "{lang} {path}");
                assert!(
                    !r.body.contains("Unknown localization key"),
                    "{lang} {path}: {}",
                    r.body
                );
                for form in r.body.split("<form").skip(1) {
                    let head = &form[..form.find('>').unwrap()];
                    if head.contains("method=\"post\"") {
                        // Multipart forms (the material upload) carry it in the action.
                        assert!(
                            form.contains("name=\"csrf\"") || head.contains("?csrf="),
                            "{path}: a POST form without CSRF token"
                        );
                    }
                }
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gz.write_all(r.body.as_bytes()).unwrap();
                let size = gz.finish().unwrap().len();
                assert!(size <= 14 * 1024, "{path} is {size} bytes compressed");
            }
        }
    }
}
