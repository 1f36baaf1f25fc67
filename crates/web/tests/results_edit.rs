//! Results editing through the router: models edited with their translations (stale and
//! bad edits writing nothing), the fact sheet in the language asked for, evidence files
//! on lifecycle moves (checked by content, downloaded byte for byte by readers only), and
//! versioned edits of framework nodes and indicators — each on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::results as st;
use atlas_testkit::{Client, TestApp};
use axum::http::StatusCode;
use uuid::Uuid;

async fn model_named(t: &TestApp, name: &str) -> st::ModelRow {
    st::list_models(&t.app.db, "AR")
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .expect("no such model")
}

/// The model edit form's fields for `m` as it stands, with `extra` added or replacing.
async fn model_form(
    t: &TestApp,
    m: &st::ModelRow,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("name".into(), m.name.clone()),
        ("summary".into(), m.summary.clone()),
        ("text_lang".into(), m.text_lang.clone()),
        ("version".into(), m.version.to_string()),
    ];
    for (g, _) in st::model_gaps(&t.app.db, m.model_id).await.unwrap() {
        f.push((format!("gap_ids-{g}"), "1".into()));
    }
    for p in st::model_partners(&t.app.db, "AR").await.unwrap() {
        if p.owner_id == m.model_id {
            f.push((format!("partner_ids-{}", p.institution_id), "1".into()));
        }
    }
    for (k, v) in extra {
        f.retain(|(x, _)| x != k);
        f.push(((*k).to_owned(), (*v).to_owned()));
    }
    f
}

async fn post(c: &mut Client, path: &str, f: &[(String, String)]) -> atlas_testkit::Resp {
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form(path, &fields).await
}

#[tokio::test]
async fn a_model_is_edited_with_its_translations_and_a_stale_or_bad_edit_writes_nothing() {
    for t in TestApp::all_with_demo().await {
        let m = model_named(&t, "Social Cartography").await;
        let path = format!("/results/models/{}", m.model_id);
        let mut staff = t.signed_in("program_staff").await;
        let page = staff.get(&format!("{path}/edit")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name());
        assert!(page.body.contains("Cartografía Social"), "demo translation");
        assert!(page.body.contains("name=\"summary_th\""));

        // A translation in the text's own language, and a summary too long: 422 naming
        // both fields, the user's input kept, nothing written.
        let events = t.audit("results.model.update").await.len();
        let long = "x".repeat(4001);
        let bad = model_form(
            &t,
            &m,
            &[
                ("name_en", "Mapping"),
                ("summary_es", long.as_str()),
                ("name", "Cartografía renamed"),
            ],
        )
        .await;
        let r = post(&mut staff, &path, &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("id=\"e-name_en\""), "{}", r.body);
        assert!(r.body.contains("id=\"e-summary_es\""));
        assert!(r.body.contains("Cartografía renamed"), "input kept");
        assert_eq!(t.audit("results.model.update").await.len(), events);
        assert_eq!(
            model_named(&t, "Social Cartography").await.version,
            m.version
        );

        // A good edit: Spanish name changed, Thai dropped, a partner removed.
        let dya = t.institution_id("DyA").await;
        let mut good = model_form(
            &t,
            &m,
            &[
                ("name_es", "Cartografía Social Participativa"),
                ("name_th", ""),
                ("summary_th", ""),
            ],
        )
        .await;
        good.retain(|(k, _)| k != &format!("partner_ids-{dya}"));
        let r = post(&mut staff, &path, &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let after = model_named(&t, "Social Cartography").await;
        assert_eq!(after.version, m.version + 1);
        assert_eq!(after.stage, m.stage, "an edit never moves the stage");
        let partners: Vec<Uuid> = st::model_partners(&t.app.db, "AR")
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.owner_id == m.model_id)
            .map(|p| p.institution_id)
            .collect();
        assert!(!partners.contains(&dya));
        assert_eq!(partners.len(), 2);
        let texts = atlas_store::results_edit::texts_of_model(&t.app.db, m.model_id)
            .await
            .unwrap();
        assert_eq!(texts.len(), 1, "Thai translation removed");
        assert_eq!(texts[0].name, "Cartografía Social Participativa");
        let ev = t.audit("results.model.update").await;
        assert_eq!(ev.len(), events + 1);
        let last = ev.last().unwrap();
        assert_eq!(last.entity_id, m.model_id.to_string());
        assert!(last.summary.contains("translations=es"), "{}", last.summary);

        let mut anon = t.client();
        let es = anon.get("/reports/factsheet?country=AR&lang=es").await;
        assert!(es.body.contains("Cartografía Social Participativa"));
        let th = anon.get("/reports/factsheet?country=AR&lang=th").await;
        assert!(
            th.body
                .contains("<strong lang=\"en\">Social Cartography</strong>"),
            "the Thai sheet falls back to the own text, marked as English"
        );

        // Editing from the old version: 409, the user's text kept, nothing written.
        let stale = model_form(&t, &m, &[("name", "Stale rename")]).await;
        let r = post(&mut staff, &path, &stale).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("Stale rename"));
        assert_eq!(
            model_named(&t, "Social Cartography").await.version,
            after.version
        );

        // A gap of another country or an unknown id: a field error.
        let bogus = format!("gap_ids-{}", Uuid::now_v7());
        let mut f = model_form(&t, &after, &[]).await;
        f.push((bogus, "1".into()));
        let r = post(&mut staff, &path, &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"e-gap_ids\""));

        // Readers who may not edit, and users of another country: not found.
        let f = model_form(&t, &after, &[("name", "Hijacked")]).await;
        for user in ["observer", "training_coordinator", "official_th"] {
            let mut c = t.signed_in(user).await;
            assert_eq!(
                c.get(&format!("{path}/edit")).await.status,
                StatusCode::NOT_FOUND,
                "{user}"
            );
            assert_eq!(
                post(&mut c, &path, &f).await.status,
                StatusCode::NOT_FOUND,
                "{user}"
            );
        }
        assert_eq!(
            model_named(&t, "Social Cartography").await.version,
            after.version
        );
    }
}

#[tokio::test]
async fn the_fact_sheet_shows_the_profile_in_the_language_asked_and_marks_fallbacks() {
    for t in TestApp::all_with_demo().await {
        let mut anon = t.client();
        let es = anon.get("/reports/factsheet?country=AR&lang=es").await;
        assert_eq!(es.status, StatusCode::OK, "{}", t.name());
        assert!(es.body.contains("El programa de Argentina fortalece"));
        assert!(
            es.body
                .contains("Programa de Capacitación para la Aplicación de la Ley")
        );
        assert!(
            es.body
                .contains("Departamento de Trabajo de los Estados Unidos")
        );
        assert!(!es.body.contains("program strengthens the capacity"));
        // The contact line has no translation: shown as written, marked English.
        assert!(
            es.body
                .contains("<p lang=\"en\">Program office, Buenos Aires"),
            "{}",
            es.body
        );
        let th = anon.get("/reports/factsheet?country=AR&lang=th").await;
        assert!(th.body.contains("โครงการในอาร์เจนตินา"));
        let en = anon.get("/reports/factsheet?country=AR&lang=en").await;
        assert!(en.body.contains("program strengthens the capacity"));
        assert!(!en.body.contains("El programa de Argentina"));

        // Program staff translate the contact line; a translation in the text's own
        // language is refused with nothing written.
        let mut staff = t.signed_in("program_staff").await;
        let form = staff.get("/results/countries/AR/profile").await;
        assert!(form.body.contains("El programa de Argentina fortalece"));
        let p = st::get_profile(&t.app.db, "AR").await.unwrap().unwrap();
        let base = |extra: &[(&'static str, &'static str)]| {
            let mut f: Vec<(String, String)> = vec![
                ("overview".into(), p.overview.clone()),
                ("contact".into(), p.contact.clone()),
                ("funding".into(), p.funding.clone()),
                ("text_lang".into(), "en".into()),
                ("published".into(), "1".into()),
                ("version".into(), p.version.to_string()),
                ("overview_es".into(), "Resumen.".into()),
            ];
            for (k, v) in extra {
                f.push(((*k).to_owned(), (*v).to_owned()));
            }
            f
        };
        let r = post(
            &mut staff,
            "/results/countries/AR/profile",
            &base(&[("contact_en", "Office")]),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"e-contact_en\""));
        assert_eq!(
            st::get_profile(&t.app.db, "AR")
                .await
                .unwrap()
                .unwrap()
                .version,
            p.version
        );
        let r = post(
            &mut staff,
            "/results/countries/AR/profile",
            &base(&[("contact_es", "Oficina del programa, Buenos Aires")]),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let es = anon.get("/reports/factsheet?country=AR&lang=es").await;
        assert!(
            es.body
                .contains("<p lang=\"es\">Oficina del programa, Buenos Aires")
        );
        assert!(es.body.contains("<p lang=\"es\">Resumen.</p>"));
        // Funding was not sent in Spanish this time: the Spanish sheet falls back.
        assert!(es.body.contains("United States Department of Labor"));
        let ev = t.audit("results.profile.update").await;
        assert!(ev.last().unwrap().summary.contains("translations=es"));
    }
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

#[tokio::test]
async fn a_move_carries_an_evidence_file_that_readers_download_and_a_bad_file_writes_nothing() {
    for t in TestApp::all_with_demo().await {
        let m = model_named(&t, "Local Implementation Guide").await;
        let path = format!("/results/models/{}/moves", m.model_id);
        let mut staff = t.signed_in("program_staff").await;
        let page = staff.get(&format!("/results/models/{}", m.model_id)).await;
        assert!(page.body.contains("enctype=\"multipart/form-data\""));
        let moves = t.count("model_move").await;
        let files = t.count("model_move_file").await;
        let version = m.version.to_string();
        let fields = [
            ("stage", "institutionalised"),
            ("evidence", "Adopted by municipal decree."),
            ("version", version.as_str()),
        ];

        // A web page renamed .pdf, and an empty file: the file field names the problem,
        // and neither the move nor a file is written.
        for (name, bytes) in [
            (
                "decree.pdf",
                b"<html><script>alert(1)</script></html>".as_slice(),
            ),
            ("decree.pdf", b"".as_slice()),
        ] {
            let r = staff
                .post_multipart(&path, &fields, Some(("file", name, bytes)))
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains("id=\"e-file\""), "{}", r.body);
            assert!(
                r.body.contains("Adopted by municipal decree."),
                "input kept"
            );
        }
        // A bad stage and a bad file at once: both named.
        let r = staff
            .post_multipart(
                &path,
                &[
                    ("stage", "developed"),
                    ("evidence", "x"),
                    ("version", &version),
                ],
                Some(("file", "decree.exe", b"MZ\x90\x00")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"e-file\"") && r.body.contains("id=\"e-stage\""));
        assert_eq!(t.count("model_move").await, moves);
        assert_eq!(t.count("model_move_file").await, files);
        let dir = t.data_dir().join("evidence");
        let on_disk = || std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert_eq!(on_disk(), 0);

        // A good move with its decree.
        let r = staff
            .post_multipart(&path, &fields, Some(("file", "Decreto municipal.pdf", PDF)))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.count("model_move").await, moves + 1);
        assert_eq!(on_disk(), 1);
        let after = model_named(&t, "Local Implementation Guide").await;
        assert_eq!(after.stage, "institutionalised");
        let moves_now = st::list_moves(&t.app.db, m.model_id).await.unwrap();
        let last = moves_now.last().unwrap();
        assert_eq!(last.file_name.as_deref(), Some("Decreto municipal.pdf"));
        let ev = t.audit("results.model.move").await;
        assert!(ev.last().unwrap().summary.contains("file_type=pdf"));

        // The timeline links the file; readers of the country download it byte for byte.
        let page = staff.get(&format!("/results/models/{}", m.model_id)).await;
        let link = format!("/results/moves/{}/file", last.model_move_id);
        assert!(page.body.contains(&link));
        for user in ["program_staff", "observer", "training_coordinator"] {
            let mut c = t.signed_in(user).await;
            let r = c.get(&link).await;
            assert_eq!(r.status, StatusCode::OK, "{user}");
            assert_eq!(r.bytes, PDF);
            assert_eq!(r.header("content-type"), Some("application/pdf"));
            assert!(
                r.header("content-disposition")
                    .unwrap()
                    .starts_with("attachment;")
            );
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        }
        // Another country's user and the public: not found / sign-in.
        let mut th = t.signed_in("official_th").await;
        assert_eq!(th.get(&link).await.status, StatusCode::NOT_FOUND);
        let mut anon = t.client();
        assert_ne!(anon.get(&link).await.status, StatusCode::OK);
        assert_eq!(
            staff
                .get(&format!("/results/moves/{}/file", Uuid::now_v7()))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // A file changed on disk is never served.
        std::fs::write(
            dir.join(last.model_move_id.to_string()),
            b"%PDF-1.4 tampered",
        )
        .unwrap();
        assert_eq!(
            staff.get(&link).await.status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}

#[tokio::test]
async fn framework_nodes_and_indicators_are_edited_with_version_checks_by_managers_only() {
    for t in TestApp::all_with_demo().await {
        let nodes = st::list_nodes(&t.app.db, "AR").await.unwrap();
        let node = nodes.iter().find(|n| n.level == "outcome").unwrap().clone();
        let npath = format!("/results/framework/nodes/{}", node.result_node_id);
        let mut staff = t.signed_in("program_staff").await;
        let fw = staff.get("/results/framework?country=AR").await;
        assert!(fw.body.contains(&format!("href=\"{npath}/edit\"")));
        let r = staff.get(&format!("{npath}/edit")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name());
        assert!(r.body.contains(&node.title));
        let ok = [
            ("code", "OC1"),
            ("title", "Coordinated response to victims"),
            ("version", "1"),
        ];
        let r = staff.post_form(&npath, &ok).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let fw = staff.get("/results/framework?country=AR").await;
        assert!(fw.body.contains("Coordinated response to victims"));
        // The same version again is stale; an empty code is a field error.
        let r = staff.post_form(&npath, &ok).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = staff
            .post_form(&npath, &[("code", " "), ("title", "x"), ("version", "2")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"e-code\""));
        assert_eq!(t.audit("results.node.update").await.len(), 1);

        let ind = st::list_indicators(&t.app.db, "AR")
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.unit == "percent")
            .unwrap();
        let ipath = format!("/results/indicators/{}", ind.indicator_id);
        assert!(
            staff
                .get(&ipath)
                .await
                .body
                .contains(&format!("href=\"{ipath}/edit\""))
        );
        let r = staff.get(&format!("{ipath}/edit")).await;
        assert_eq!(r.status, StatusCode::OK);
        let edit = |baseline: &'static str, version: &'static str| {
            vec![
                ("title", "Officials applying the protocol"),
                ("definition", "Percent of trained officials surveyed."),
                ("direction", "increase"),
                ("baseline", baseline),
                ("version", version),
            ]
        };
        let r = staff.post_form(&ipath, &edit("120", "1")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"e-baseline\""));
        let r = staff.post_form(&ipath, &edit("12", "1")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (row, _) = st::get_indicator(&t.app.db, ind.indicator_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.title, "Officials applying the protocol");
        assert_eq!(row.baseline, Some(12));
        assert_eq!(row.unit, "percent", "the unit stays");
        assert_eq!(
            staff.post_form(&ipath, &edit("13", "1")).await.status,
            StatusCode::CONFLICT
        );
        assert_eq!(t.audit("results.indicator.update").await.len(), 1);

        for user in ["observer", "official_th", "training_coordinator"] {
            let mut c = t.signed_in(user).await;
            for p in [format!("{npath}/edit"), format!("{ipath}/edit")] {
                assert_eq!(c.get(&p).await.status, StatusCode::NOT_FOUND, "{user} {p}");
            }
            assert_eq!(
                c.post_form(&ipath, &edit("14", "2")).await.status,
                StatusCode::NOT_FOUND,
                "{user}"
            );
        }
        assert_eq!(t.audit("results.indicator.update").await.len(), 1);
        // Every edit page renders in every language without a missing key.
        let m = model_named(&t, "Social Cartography").await;
        for lang in ["en", "es", "th"] {
            staff.get(&format!("/lang/{lang}")).await;
            for p in [
                format!("{npath}/edit"),
                format!("{ipath}/edit"),
                format!("/results/models/{}/edit", m.model_id),
                format!("/results/models/{}", m.model_id),
                "/results/countries/AR/profile".into(),
                "/results/models/new?country=AR".into(),
            ] {
                let r = staff.get(&p).await;
                assert_eq!(r.status, StatusCode::OK, "{lang} {p}");
                assert!(!r.body.contains("Unknown localization key"), "{lang} {p}");
            }
        }
    }
}
