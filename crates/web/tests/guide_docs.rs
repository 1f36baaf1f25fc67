//! Guide documents: the lifecycle (no skipping, backwards only with a reason, who and
//! when), the text editor (hostile Markdown inert, versions, stale edits), the version
//! comparison, review rounds (invited reviewers only, anchored comments shown outdated
//! after an edit, declines need a reason, a round closes only when every comment is
//! resolved), the protocol matrix (overlap and gap), the count of final guides, and
//! scope (another country's user gets 404).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::guide_docs::{GuideInput, ProtocolInput, RoundInput};
use atlas_testkit::{Client, TestApp};
use axum::http::StatusCode;
use uuid::Uuid;

/// A fresh PRV guide for Buenos Aires province, with no text yet.
async fn new_guide(t: &TestApp) -> Uuid {
    t.app
        .create_guide_document(
            By::Operator,
            &GuideInput {
                institution_id: t.institution_id("PRV").await.to_string(),
                area_id: t.area_id("Buenos Aires").await.to_string(),
                title: "Guía de prueba".into(),
                language: "es".into(),
            },
        )
        .await
        .unwrap()
        .guide_document_id
}

async fn doc_version(t: &TestApp, id: Uuid) -> String {
    atlas_core::store::guide_docs::get_document(&t.app.db, id)
        .await
        .unwrap()
        .unwrap()
        .doc
        .version
        .to_string()
}

async fn save_text(c: &mut Client, id: Uuid, version: &str, sections: &[(&str, &str)]) -> u16 {
    let mut f: Vec<(String, String)> = vec![("version".into(), version.into())];
    for (n, (h, b)) in sections.iter().enumerate() {
        f.push((format!("heading_{}", n + 1), (*h).into()));
        f.push((format!("body_{}", n + 1), (*b).into()));
    }
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form(&format!("/guide/docs/{id}/text"), &f)
        .await
        .status
        .as_u16()
}

const FIRST: &str = "Call the 145 line.\nWrite down the time of the call.\nTell the PRV.";

#[tokio::test]
async fn a_guide_moves_one_stage_at_a_time_and_back_only_with_a_reason() {
    for t in TestApp::all_with_demo().await {
        let id = new_guide(&t).await;
        let mut author = t.signed_in("caseworker").await;
        let path = format!("/guide/docs/{id}/stage");
        // Skipping from analysis straight to final is refused; nothing is written.
        let moves = t.count("guide_document_stage").await;
        let r = author
            .post_form(&path, &[("stage", "final"), ("version", "1")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
        assert!(r.body.contains("one stage at a time"), "{}", r.body);
        assert_eq!(t.count("guide_document_stage").await, moves);
        // One step forward is fine, and records who and when.
        let r = author
            .post_form(&path, &[("stage", "drafting"), ("version", "1")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = author.get(&format!("/guide/docs/{id}")).await;
        assert!(page.body.contains("PRV Caseworker"), "the mover is shown");
        let ev = t.audit("guide.document.stage").await;
        assert!(
            ev.last()
                .unwrap()
                .summary
                .contains("from=analysis to=drafting")
        );
        // Further stages need text.
        let r = author
            .post_form(&path, &[("stage", "in_review"), ("version", "2")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            save_text(&mut author, id, "2", &[("Detección", FIRST)]).await,
            303
        );
        let r = author
            .post_form(&path, &[("stage", "in_review"), ("version", "3")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // Backwards without a reason: refused; with one: recorded.
        let r = author
            .post_form(&path, &[("stage", "drafting"), ("version", "4")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Say why the guide goes back"));
        let r = author
            .post_form(
                &path,
                &[
                    ("stage", "drafting"),
                    ("reason", "Police asked for a new section"),
                    ("version", "4"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // A stale version is a conflict.
        let r = author
            .post_form(&path, &[("stage", "in_review"), ("version", "4")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let page = author.get(&format!("/guide/docs/{id}")).await;
        assert!(page.body.contains("Police asked for a new section"));
        // Someone of another institution may read but not move the guide.
        let mut other = t.signed_in("municipal_official").await;
        let r = other
            .post_form(&path, &[("stage", "in_review"), ("version", "5")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn hostile_markdown_is_neutralised_and_stale_saves_refused() {
    for t in TestApp::all_with_demo().await {
        let id = new_guide(&t).await;
        let mut author = t.signed_in("caseworker").await;
        let hostile = "<script>alert('xss')</script>\n\n<img src=x onerror=alert(1)>\n\n\
            [click](javascript:alert(2)) [ok](https://www.argentina.gob.ar/trata)\n\n\
            <a href=\"javascript:alert(3)\">x</a> **bold**";
        assert_eq!(
            save_text(&mut author, id, "1", &[("Primer contacto", hostile)]).await,
            303,
            "{}",
            t.name()
        );
        for path in [
            format!("/guide/docs/{id}"),
            format!("/guide/docs/{id}/print"),
        ] {
            let page = author.get(&path).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.body.contains("<script>alert"), "{path}");
            assert!(!page.body.contains("<img src=x"), "{path}");
            assert!(!page.body.contains("href=\"javascript:"), "{path}");
            assert!(
                page.body.contains("&lt;script&gt;"),
                "{path}: shown as text"
            );
            assert!(
                page.body
                    .contains("<a href=\"https://www.argentina.gob.ar/trata\""),
                "{path}"
            );
            assert!(page.body.contains("<strong>bold</strong>"));
        }
        // The editor shows the source escaped.
        let page = author.get(&format!("/guide/docs/{id}/edit")).await;
        assert!(!page.body.contains("<script>alert"));
        // A save with the old version is stale: 409, no new version.
        let versions = t.count("guide_document_version").await;
        assert_eq!(save_text(&mut author, id, "1", &[("X", "y")]).await, 409);
        assert_eq!(t.count("guide_document_version").await, versions);
        // A section without a heading names its row.
        let r = author
            .post_form(
                &format!("/guide/docs/{id}/text"),
                &[("version", "2"), ("heading_1", ""), ("body_1", "text")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(t.count("guide_document_version").await, versions);
    }
}

#[tokio::test]
async fn the_comparison_marks_the_changed_line_section_by_section() {
    for t in TestApp::all_with_demo().await {
        let id = new_guide(&t).await;
        let mut author = t.signed_in("caseworker").await;
        assert_eq!(
            save_text(
                &mut author,
                id,
                "1",
                &[
                    ("Detección", FIRST),
                    ("Seguimiento", "Call back in a week.")
                ]
            )
            .await,
            303
        );
        let changed = "Call the 145 line.\nWrite down the hour and the place.\nTell the PRV.";
        assert_eq!(
            save_text(
                &mut author,
                id,
                "2",
                &[
                    ("Detección", changed),
                    ("Seguimiento", "Call back in a week.")
                ]
            )
            .await,
            303
        );
        let page = author
            .get(&format!("/guide/docs/{id}/compare?a=1&b=2"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name());
        assert!(
            page.body
                .contains("<del>− Write down the time of the call.</del>"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("<ins>+ Write down the hour and the place.</ins>")
        );
        // The unchanged line and section are not marked.
        assert!(!page.body.contains("<del>− Call the 145 line.</del>"));
        assert_eq!(page.body.matches("<span class=\"tag\">").count(), 1);
        // A version that does not exist is not found.
        let r = author
            .get(&format!("/guide/docs/{id}/compare?a=1&b=9"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

struct Round {
    doc: Uuid,
    round: Uuid,
}

/// A guide with text and an open round inviting the prosecutor personally and the
/// municipality of Lomas de Zamora as an institution.
async fn open_round(t: &TestApp) -> Round {
    let doc = new_guide(t).await;
    let mut author = t.signed_in("caseworker").await;
    assert_eq!(
        save_text(
            &mut author,
            doc,
            "1",
            &[
                ("Detección", FIRST),
                ("Seguimiento", "Call back in a week.")
            ]
        )
        .await,
        303
    );
    let round = t
        .app
        .open_review_round(
            By::Operator,
            doc,
            &RoundInput {
                deadline: "2099-12-31".into(),
                users: vec![t.account_id("justice").await.to_string()],
                institutions: vec![t.institution_id("MLZ").await.to_string()],
            },
        )
        .await
        .unwrap()
        .guide_review_round_id;
    Round { doc, round }
}

async fn comment_ids(t: &TestApp, round: Uuid) -> Vec<(Uuid, i64)> {
    atlas_core::store::guide_docs::comments_of(&t.app.db, round)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.c.guide_review_comment_id, c.c.version))
        .collect()
}

#[tokio::test]
async fn only_invited_reviewers_comment_and_anchors_show_outdated_after_an_edit() {
    for t in TestApp::all_with_demo().await {
        let Round { doc, round } = open_round(&t).await;
        let path = format!("/guide/rounds/{round}/comments");
        let events = t.audit("guide.round.comment").await.len();
        let comment = [
            ("section", "1"),
            ("quote", "Write down the time of the call."),
            ("body", "<script>alert(1)</script> Say who writes it down."),
        ];
        // Not invited: the observer reads the round but may not comment; the
        // training coordinator neither.
        for user in ["observer", "training_coordinator"] {
            let mut c = t.signed_in(user).await;
            let page = c.get(&format!("/guide/rounds/{round}")).await;
            assert_eq!(page.status, StatusCode::OK, "{user}");
            assert!(!page.body.contains("name=\"quote\""), "{user}: no form");
            let r = c.post_form(&path, &comment).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        }
        assert!(comment_ids(&t, round).await.is_empty());
        // Invited personally, and through the institution.
        let mut justice = t.signed_in("justice").await;
        let r = justice.post_form(&path, &comment).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut muni = t.signed_in("municipal_official").await;
        let r = muni
            .post_form(
                &path,
                &[("section", "2"), ("quote", ""), ("body", "Who calls back?")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // A section that does not exist, a passage that is not there: 422.
        let r = muni
            .post_form(&path, &[("section", "7"), ("body", "x")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = muni
            .post_form(
                &path,
                &[
                    ("section", "1"),
                    ("quote", "not in the text"),
                    ("body", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(comment_ids(&t, round).await.len(), 2);
        let page = justice.get(&format!("/guide/rounds/{round}")).await;
        assert!(
            page.body
                .contains("<blockquote>Write down the time of the call.</blockquote>")
        );
        assert!(!page.body.contains("<script>alert(1)"));
        assert!(!page.body.contains("no longer in the current text"));
        // The author rewrites the passage: the anchored comment shows outdated, the
        // section comment does not.
        let mut author = t.signed_in("caseworker").await;
        let v = doc_version(&t, doc).await;
        assert_eq!(
            save_text(
                &mut author,
                doc,
                &v,
                &[
                    ("Detección", "Call the 145 line.\nTell the PRV."),
                    ("Seguimiento", "Call back in a week.")
                ]
            )
            .await,
            303
        );
        let page = justice.get(&format!("/guide/rounds/{round}")).await;
        assert_eq!(
            page.body.matches("no longer in the current text").count(),
            1
        );
        assert_eq!(t.audit("guide.round.comment").await.len(), events + 2);
    }
}

#[tokio::test]
async fn a_round_closes_only_when_every_comment_is_resolved_and_declines_need_a_reason() {
    for t in TestApp::all_with_demo().await {
        let Round { doc, round } = open_round(&t).await;
        let mut justice = t.signed_in("justice").await;
        for body in ["Add the prosecutor's number.", "Shorten this section."] {
            let r = justice
                .post_form(
                    &format!("/guide/rounds/{round}/comments"),
                    &[("section", "1"), ("body", body)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let ids = comment_ids(&t, round).await;
        let resolved = t.audit("guide.round.resolve").await.len();
        let mut author = t.signed_in("caseworker").await;
        let close = format!("/guide/rounds/{round}/close");
        let r = author.post_form(&close, &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
        assert!(r.body.contains("Every comment must be resolved"));
        // A reviewer may not resolve.
        let resolve = |id: Uuid| format!("/guide/comments/{id}/resolve");
        let r = justice
            .post_form(
                &resolve(ids[0].0),
                &[("resolution", "accepted"), ("version", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let round_s = round.to_string();
        let r = author
            .post_form(
                &resolve(ids[0].0),
                &[
                    ("round", &round_s),
                    ("resolution", "accepted"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Declining without a reason: 422, nothing written.
        let r = author
            .post_form(
                &resolve(ids[1].0),
                &[
                    ("round", &round_s),
                    ("resolution", "declined"),
                    ("reason", " "),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Say why the comment is declined"));
        assert_eq!(t.audit("guide.round.resolve").await.len(), resolved + 1);
        assert_eq!(
            author.post_form(&close, &[]).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = author
            .post_form(
                &resolve(ids[1].0),
                &[
                    ("round", &round_s),
                    ("resolution", "declined"),
                    ("reason", "The section is already short."),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // A consultation meeting linked to the round.
        let mlz = t.institution_id("MLZ").await;
        let prv = t.institution_id("PRV").await;
        let r = author
            .post_form(
                &format!("/guide/rounds/{round}/meetings"),
                &[
                    ("held_on", "2026-11-20"),
                    (&format!("inst-{mlz}"), "1"),
                    (&format!("inst-{prv}"), "1"),
                    ("minutes", "Reviewed the detection section."),
                    ("decisions", "Add the prosecutor's number."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = author.post_form(&close, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // Closed: the record stays readable, no more comments.
        let page = justice.get(&format!("/guide/rounds/{round}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("The section is already short."));
        assert!(page.body.contains("Reviewed the detection section."));
        assert!(page.body.contains("MLZ"));
        let r = justice
            .post_form(
                &format!("/guide/rounds/{round}/comments"),
                &[("section", "1"), ("body", "Late")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ev = t.audit("guide.round.close").await;
        assert!(ev.last().unwrap().summary.contains(&doc.to_string()));
    }
}

#[tokio::test]
async fn a_user_of_another_country_gets_404() {
    for t in TestApp::all_with_demo().await {
        let Round { doc, round } = open_round(&t).await;
        let mut th = t.signed_in("official_th").await;
        for path in [
            format!("/guide/docs/{doc}"),
            format!("/guide/docs/{doc}/print"),
            format!("/guide/docs/{doc}/compare?a=1&b=1"),
            format!("/guide/rounds/{round}"),
            "/guide/protocols?country=AR".to_owned(),
            "/guide/docs?country=AR".to_owned(),
        ] {
            assert_eq!(th.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = th
            .post_form(
                &format!("/guide/rounds/{round}/comments"),
                &[("section", "1"), ("body", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = th
            .post_form(
                &format!("/guide/docs/{doc}/stage"),
                &[("stage", "drafting"), ("version", "2")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Program staff of Argentina read it.
        let mut staff = t.signed_in("program_staff").await;
        assert_eq!(
            staff.get(&format!("/guide/docs/{doc}")).await.status,
            StatusCode::OK
        );
    }
}

fn protocol(title: &str, steps: &str, status: &str) -> ProtocolInput {
    ProtocolInput {
        country: "AR".into(),
        title: title.into(),
        issuing_body: "Ministerio".into(),
        issued_on: "2020-01-01".into(),
        kind: "protocol".into(),
        scope: "provincial".into(),
        status: status.into(),
        steps: steps.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_matrix_marks_overlaps_and_gaps_and_final_guides_are_counted() {
    for t in TestApp::all().await {
        let i = atlas_core::store::guide_docs::list_protocols(&t.app.db, "AR")
            .await
            .unwrap();
        assert!(i.is_empty());
        for (title, steps) in [
            ("Protocolo A", "detection,first_contact"),
            ("Protocolo B", "detection"),
        ] {
            t.app
                .create_protocol(By::Operator, &protocol(title, steps, "in_force"))
                .await
                .unwrap();
        }
        let inv = atlas_core::store::guide_docs::protocol_steps(&t.app.db, "AR")
            .await
            .unwrap();
        assert_eq!(inv.len(), 3);
        assert_eq!(
            atlas_core::store::guide_docs::count_guides_final(&t.app.db, "AR")
                .await
                .unwrap(),
            0
        );
    }
    for t in TestApp::all_with_demo().await {
        let mut staff = t.signed_in("program_staff").await;
        let before = t.count("guide_protocol").await;
        // A bad link and a superseded protocol without successor: 422, nothing written.
        let r = staff
            .post_form(
                "/guide/protocols",
                &[
                    ("country", "AR"),
                    ("title", "Protocolo C"),
                    ("issuing_body", "PRV"),
                    ("issued_on", "2021-03-04"),
                    ("kind", "internal_policy"),
                    ("scope", "provincial"),
                    ("link", "javascript:alert(1)"),
                    ("status", "superseded"),
                    ("steps-assistance", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
        assert!(r.body.contains("Only http and https links"));
        assert!(r.body.contains("Name the protocol that supersedes"));
        assert_eq!(t.count("guide_protocol").await, before);
        let r = staff
            .post_form(
                "/guide/protocols",
                &[
                    ("country", "AR"),
                    ("title", "Protocolo C"),
                    ("issuing_body", "PRV"),
                    ("issued_on", "2021-03-04"),
                    ("kind", "internal_policy"),
                    ("scope", "provincial"),
                    ("link", "https://www.gba.gob.ar/"),
                    ("status", "in_force"),
                    ("steps-legal_process", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = staff.get("/guide/protocols?country=AR").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Protocolo C"));
        // The demo inventory has an overlap and a gap.
        assert!(page.body.contains("class=\"cov-overlap\""), "{}", page.body);
        assert!(page.body.contains("class=\"cov-gap\""));
        // A caseworker may read the inventory but not add to it.
        let mut cw = t.signed_in("caseworker").await;
        assert_eq!(
            cw.get("/guide/protocols?country=AR").await.status,
            StatusCode::OK
        );
        let r = cw
            .post_form(
                "/guide/protocols",
                &[
                    ("country", "AR"),
                    ("title", "X"),
                    ("issuing_body", "X"),
                    ("issued_on", "2021-03-04"),
                    ("kind", "law"),
                    ("scope", "national"),
                    ("status", "in_force"),
                    ("steps-detection", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Moving a guide to final makes it count.
        let ar = atlas_domain::directory::CountryCode::parse("AR").unwrap();
        let before = t.app.count_guides_final(&ar).await.unwrap();
        let id = new_guide(&t).await;
        t.app
            .save_guide_text(
                By::Operator,
                id,
                &[atlas_domain::guide_docs::SectionInput {
                    heading: "Uno".into(),
                    body: "Texto".into(),
                }],
                "",
                "1",
            )
            .await
            .unwrap();
        for (v, stage) in (2..).zip(["drafting", "in_review", "refinement", "final"]) {
            t.app
                .move_guide(By::Operator, id, stage, "", &v.to_string())
                .await
                .unwrap();
        }
        assert_eq!(t.app.count_guides_final(&ar).await.unwrap(), before + 1);
        // The results framework's "guides final" source reads the same count.
        let all = atlas_domain::results::Period::all_time();
        assert_eq!(
            t.app
                .module_figures(Some("AR"), &all)
                .await
                .unwrap()
                .guides_final,
            Some(before + 1)
        );
        let page = staff.get(&format!("/guide/docs/{id}/print")).await;
        // In the guide's language (Spanish), stamped with its version.
        assert!(page.body.contains("Versión 1"), "{}", page.body);
        assert!(!page.body.contains("no final"));
        assert!(page.body.contains("<html lang=\"es\">"));
    }
}

#[tokio::test]
async fn the_hsds_export_parses_back_as_json_and_csv() {
    for t in TestApp::all_with_demo().await {
        let services = atlas_core::store::guide::list_services(
            &t.app.db,
            &atlas_core::store::guide::ServiceFilter {
                country: Some("AR".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut c = t.client();
        c.bearer = Some(t.token("observer").await);
        let r = c
            .json(
                axum::http::Method::GET,
                "/api/v1/guide/hsds?country=AR",
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name());
        let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let svc = j["services"].as_array().unwrap();
        assert_eq!(svc.len(), services.len());
        let orgs = j["organizations"].as_array().unwrap();
        // Every service belongs to an exported organisation; every phone to a service.
        for s in svc {
            assert!(orgs.iter().any(|o| o["id"] == s["organization_id"]));
            assert_eq!(s["status"], "active");
        }
        let hotline = svc
            .iter()
            .find(|s| s["name"].as_str().unwrap().starts_with("Línea 145"))
            .unwrap();
        assert_eq!(hotline["languages"][0]["code"], "es");
        let phone = j["phones"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["service_id"] == hotline["id"])
            .unwrap();
        assert_eq!(phone["number"], "145");
        assert_eq!(phone["type"], "voice");
        let prv = t.institution_id("PRV").await.to_string();
        assert!(orgs.iter().any(|o| o["id"] == prv.as_str()));
        // The same tables as CSV, parsed back.
        let mut web = t.signed_in("observer").await;
        let r = web.get("/guide/hsds/services.csv?country=AR").await;
        assert_eq!(r.status, StatusCode::OK);
        let mut rd = csv::Reader::from_reader(r.body.as_bytes());
        let header = rd.headers().unwrap().clone();
        assert_eq!(&header[0], "id");
        assert_eq!(&header[1], "organization_id");
        let rows: Vec<csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), services.len());
        for (row, s) in rows.iter().zip(svc) {
            assert_eq!(&row[0], s["id"].as_str().unwrap());
            assert_eq!(&row[2], s["name"].as_str().unwrap());
        }
        let r = web.get("/guide/hsds/phones.csv?country=AR").await;
        let mut rd = csv::Reader::from_reader(r.body.as_bytes());
        let phones: Vec<csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
        assert_eq!(phones.len(), j["phones"].as_array().unwrap().len());
        // A number starting with + is kept as text for spreadsheets.
        assert!(phones.iter().any(|p| p[2].starts_with("'+54")));
        let r = web.get("/guide/hsds/locations.csv?country=AR").await;
        let mut rd = csv::Reader::from_reader(r.body.as_bytes());
        assert_eq!(
            rd.records().count(),
            j["locations"].as_array().unwrap().len()
        );
        assert_eq!(
            web.get("/guide/hsds/secrets.csv").await.status,
            StatusCode::NOT_FOUND
        );
        let page = web.get("/guide/hsds.json?country=AR").await;
        let back: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        assert_eq!(back["services"].as_array().unwrap().len(), services.len());
    }
}
