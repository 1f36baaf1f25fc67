//! Curriculum material: uploads of every accepted kind stored under the data folder by
//! id with the right bytes and hash, downloads that return the same bytes as attachments
//! with safe headers, refusal of disguised, mismatched, empty and oversize files with
//! nothing written, who may attach and remove, removal, audit events, the API list and
//! the pages in every language.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_domain::training_material::{DEFAULT_MAX_BYTES, sha256_hex};
use atlas_store::training as st;
use atlas_store::training_material as stm;
use atlas_testkit::{Client, Resp, TestApp};
use axum::http::{Method, StatusCode};
use std::io::Write;
use uuid::Uuid;

async fn module_id(t: &TestApp) -> Uuid {
    st::list_modules(&t.app.db).await.unwrap()[1].training_module_id
}

async fn presentation_id(t: &TestApp, module: Uuid) -> Uuid {
    st::list_presentations(&t.app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.training_module_id == module)
        .unwrap()
        .training_presentation_id
}

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in parts {
        // OpenDocument wants `mimetype` first and stored; the others may be deflated.
        let method = if *name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn ooxml(main_part: &str, content_type: &str, xml: &str) -> Vec<u8> {
    let ct = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/{main_part}" ContentType="{content_type}"/></Types>"#
    );
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{main_part}"/></Relationships>"#
    );
    zip_of(&[
        ("[Content_Types].xml", ct.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        (main_part, xml.as_bytes()),
    ])
}

fn docx() -> Vec<u8> {
    ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hoja</w:t></w:r></w:p></w:body></w:document>"#,
    )
}

fn pptx() -> Vec<u8> {
    ooxml(
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        r#"<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>"#,
    )
}

fn xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "asistencia").unwrap();
    wb.save_to_buffer().unwrap()
}

fn odf(mimetype: &str) -> Vec<u8> {
    zip_of(&[
        ("mimetype", mimetype.as_bytes()),
        (
            "META-INF/manifest.xml",
            br#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>"#,
        ),
        ("content.xml", b"<office:document-content/>"),
    ])
}

const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];

fn mp4() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&24u32.to_be_bytes());
    b.extend_from_slice(b"ftypisom\x00\x00\x02\x00isommp41");
    b.extend_from_slice(&8u32.to_be_bytes());
    b.extend_from_slice(b"free");
    b
}

/// (file name, bytes, media type) of every accepted kind.
fn accepted() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    vec![
        (
            "Guía práctica.pdf",
            atlas_render::pdf::text_page("Guía práctica", &["Primera línea", "Segunda línea"]),
            "application/pdf",
        ),
        ("diagrama.png", PNG.to_vec(), "image/png"),
        ("foto.jpg", JPEG.to_vec(), "image/jpeg"),
        ("clase.mp4", mp4(), "video/mp4"),
        (
            "hoja.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "diapositivas.pptx",
            pptx(),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (
            "planilla.xlsx",
            xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "texto.odt",
            odf("application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "charla.odp",
            odf("application/vnd.oasis.opendocument.presentation"),
            "application/vnd.oasis.opendocument.presentation",
        ),
        (
            "notas.txt",
            "Notas en español: ñandú\n".into(),
            "text/plain",
        ),
        (
            "resumen.md",
            "# Resumen\n\n- punto uno\n".into(),
            "text/markdown",
        ),
    ]
}

async fn upload(c: &mut Client, path: &str, title: &str, name: &str, bytes: &[u8]) -> Resp {
    c.post_multipart(
        path,
        &[("title", title), ("description", ""), ("language", "es")],
        Some(("file", name, bytes)),
    )
    .await
}

/// Files in the app's material folder (names), sorted.
fn files_on_disk(t: &TestApp) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(t.data_dir().join("material"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

async fn current(t: &TestApp, kind: &str, owner: Uuid) -> Vec<stm::MaterialView> {
    stm::list_for(&t.app.db, kind, owner).await.unwrap()
}

#[tokio::test]
async fn every_accepted_kind_is_stored_by_id_with_its_hash_and_downloads_byte_for_byte() {
    for t in TestApp::all_with_demo().await {
        let module = module_id(&t).await;
        let pres = presentation_id(&t, module).await;
        let mut staff = t.signed_in("program_staff").await;
        let staff_id = t.account_id("program_staff").await;
        let audits_before = t.audit("training.material.upload").await.len();
        let path = format!("/training/curriculum/modules/{module}/material");
        let mut obs = t.signed_in("observer").await;
        for (name, bytes, media) in accepted() {
            let r = upload(&mut staff, &path, &format!("T {name}"), name, &bytes).await;
            assert_eq!(
                r.status,
                StatusCode::SEE_OTHER,
                "{} {name}: {}",
                t.name(),
                r.body
            );
            assert_eq!(
                r.location(),
                Some(format!("/training/curriculum/modules/{module}#material").as_str())
            );
            let rows = current(&t, "module", module).await;
            let m = rows.iter().find(|m| m.row.file_name == name).unwrap();
            let id = m.row.training_material_id;
            assert_eq!(m.row.media_type, media, "{name}");
            assert_eq!(m.row.size_bytes, bytes.len() as i64);
            assert_eq!(m.row.sha256, sha256_hex(&bytes));
            assert_eq!(m.row.language, "es");
            assert_eq!(m.row.uploaded_by, Some(staff_id));
            // Stored under its id, never under the user's name.
            let on_disk = std::fs::read(t.data_dir().join("material").join(id.to_string()));
            assert_eq!(on_disk.unwrap(), bytes, "{name} on disk");
            assert!(
                !files_on_disk(&t)
                    .iter()
                    .any(|f| f.contains(".pdf") || f.starts_with(".upload"))
            );
            // Any signed-in role downloads the same bytes, as an attachment.
            let d = obs.get(&format!("/training/material/{id}")).await;
            assert_eq!(d.status, StatusCode::OK, "{name}");
            assert_eq!(d.bytes, bytes, "{name} downloaded");
            let ctype = d.header("content-type").unwrap();
            if media.starts_with("text/") {
                assert_eq!(ctype, format!("{media}; charset=utf-8"));
            } else {
                assert_eq!(ctype, media);
            }
            assert_eq!(d.header("x-content-type-options"), Some("nosniff"));
            let csp = d.header("content-security-policy").unwrap();
            assert!(
                csp.contains("default-src 'none'") && csp.contains("sandbox"),
                "{csp}"
            );
            let cd = d.header("content-disposition").unwrap();
            assert!(cd.starts_with("attachment; "), "{cd}");
            if name == "Guía práctica.pdf" {
                assert!(
                    cd.ends_with("filename*=UTF-8''Gu%C3%ADa%20pr%C3%A1ctica.pdf"),
                    "{cd}"
                );
                assert!(cd.contains("filename=\"Gu_a pr_ctica.pdf\""), "{cd}");
            } else {
                assert!(cd.ends_with(&format!("filename*=UTF-8''{name}")), "{cd}");
            }
        }
        // The module page lists them for everyone, with download links.
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord
            .get(&format!("/training/curriculum/modules/{module}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        for (name, _, _) in accepted() {
            assert!(page.body.contains(&format!("T {name}")), "{name} listed");
        }
        assert!(page.body.contains("href=\"/training/material/"));
        // A presentation takes material too.
        let r = upload(
            &mut staff,
            &format!("/training/curriculum/presentations/{pres}/material"),
            "",
            "apoyo.md",
            b"# Apoyo",
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let on_pres = current(&t, "presentation", pres).await;
        assert_eq!(on_pres.len(), 1);
        let page = coord
            .get(&format!("/training/curriculum/presentations/{pres}"))
            .await;
        assert!(
            page.body.contains("apoyo.md"),
            "untitled material shows its file name"
        );
        // One audit event per upload, ids and hashes only.
        let ev = t.audit("training.material.upload").await;
        assert_eq!(ev.len(), audits_before + accepted().len() + 1);
        let last = ev.last().unwrap();
        assert_eq!(last.actor_username, "program_staff");
        assert_eq!(last.entity_type, "training_material");
        assert_eq!(
            last.entity_id,
            on_pres[0].row.training_material_id.to_string()
        );
        assert!(last.summary.contains(&format!("owner=presentation:{pres}")));
        assert!(last.summary.contains(&on_pres[0].row.sha256));
        assert!(
            !last.summary.contains("apoyo"),
            "no file names in the audit log"
        );
        // The API lists the module's and its presentations' material.
        let mut api = t.client();
        api.bearer = Some(t.token("observer").await);
        let r = api
            .json(
                Method::GET,
                &format!("/api/v1/training/modules/{module}/material"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), accepted().len() + 1);
        assert!(items.iter().any(|i| i["owner_kind"] == "presentation"
            && i["owner_id"] == pres.to_string()
            && i["file_name"] == "apoyo.md"
            && i["size_bytes"] == 7
            && i["sha256"] == sha256_hex(b"# Apoyo")));
        assert!(items.iter().all(|i| {
            i["download_path"]
                .as_str()
                .unwrap()
                .starts_with("/training/material/")
        }));
    }
}

#[tokio::test]
async fn disguised_mismatched_empty_and_oversize_files_are_refused_naming_the_field_and_nothing_is_written()
 {
    for t in TestApp::all_with_demo().await {
        let module = module_id(&t).await;
        let path = format!("/training/curriculum/modules/{module}/material");
        let mut staff = t.signed_in("program_staff").await;
        let rows = t.count("training_material").await;
        let files = files_on_disk(&t);
        let audits = t.count("audit_event").await;
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00PE\x00\x00".to_vec();
        let html = b"<!doctype html><html><script>alert(document.cookie)</script></html>".to_vec();
        let mut macro_docx_parts = docx();
        {
            // The same package with a VBA project added.
            let mut z =
                zip::ZipWriter::new_append(std::io::Cursor::new(&mut macro_docx_parts)).unwrap();
            z.start_file(
                "word/vbaProject.bin",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            z.write_all(b"\xd0\xcf\x11\xe0").unwrap();
            z.finish().unwrap();
        }
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "setup.exe",
                exe.clone(),
                "This type of file is not accepted",
            ),
            ("setup.pdf", exe, "does not match its extension"),
            ("page.pdf", html.clone(), "does not match its extension"),
            ("page.html", html, "This type of file is not accepted"),
            ("diagrama.pdf", PNG.to_vec(), "does not match its extension"),
            ("hoja.xlsx", docx(), "does not match its extension"),
            (
                "macro.docx",
                macro_docx_parts,
                "does not match its extension",
            ),
            (
                "latin1.txt",
                b"ni\xf1o".to_vec(),
                "does not match its extension",
            ),
            ("empty.pdf", Vec::new(), "The file is empty."),
        ];
        for (name, bytes, message) in &cases {
            let r = upload(&mut staff, &path, "x", name, bytes).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{} {name}",
                t.name()
            );
            assert!(r.body.contains(message), "{name}: {}", r.body);
            assert!(
                r.body.contains("id=\"e-file\""),
                "{name}: the file field is named"
            );
            assert!(r.body.contains("value=\"x\""), "{name}: the title is kept");
        }
        // No file at all.
        let r = staff
            .post_multipart(&path, &[("title", "x"), ("language", "es")], None)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Choose a file to upload."));
        // Bad fields are named too, with the file.
        let r = staff
            .post_multipart(
                &path,
                &[("title", &"t".repeat(201)), ("language", "fr")],
                Some(("file", "a.md", b"# a")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("This is too long."));
        assert!(r.body.contains("Choose one of the listed options."));
        // One byte over the limit: the form names the limit.
        let mut over = b"%PDF-1.4\n".to_vec();
        over.resize(DEFAULT_MAX_BYTES + 1, b' ');
        let r = upload(&mut staff, &path, "x", "big.pdf", &over).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            r.body
                .contains("The file is larger than the limit of 25 MiB."),
            "{}",
            &r.body[..r.body.len().min(400)]
        );
        assert!(r.body.contains("id=\"e-file\""));
        // Far over it: cut off before the handler, a proper page naming the limit.
        let mut huge = over;
        huge.resize(DEFAULT_MAX_BYTES + 512 * 1024, b' ');
        let r = upload(&mut staff, &path, "x", "huge.pdf", &huge).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(
            r.body
                .contains("The file is larger than the limit of 25 MiB."),
            "{}",
            r.body
        );
        // Nothing written: no row, no file, no audit event.
        assert_eq!(t.count("training_material").await, rows);
        assert_eq!(files_on_disk(&t), files);
        assert_eq!(t.count("audit_event").await, audits);
    }
}

#[tokio::test]
async fn only_curriculum_editors_attach_and_remove_material_while_every_role_reads_it() {
    for t in TestApp::all_with_demo().await {
        let module = module_id(&t).await;
        let path = format!("/training/curriculum/modules/{module}/material");
        let mut staff = t.signed_in("program_staff").await;
        let r = upload(&mut staff, &path, "Hoja", "hoja.md", b"# Hoja").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let id = current(&t, "module", module).await[0]
            .row
            .training_material_id;
        let rows = t.count("training_material").await;
        let files = files_on_disk(&t);
        for user in [
            "training_coordinator",
            "facilitator",
            "observer",
            "coord_prv",
            "official_th",
        ] {
            let mut c = t.signed_in(user).await;
            let r = upload(&mut c, &path, "x", "x.md", b"# x").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user} uploads");
            let r = c
                .post_form(&format!("/training/material/{id}/remove"), &[])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user} removes");
            // Reading the curriculum's material is open to every role.
            let page = c
                .get(&format!("/training/curriculum/modules/{module}"))
                .await;
            assert_eq!(page.status, StatusCode::OK, "{user}");
            assert!(page.body.contains("Hoja"));
            assert!(
                !page.body.contains("multipart/form-data"),
                "{user} sees no upload form"
            );
            assert!(
                !page.body.contains("/remove\""),
                "{user} sees no remove button"
            );
            let d = c.get(&format!("/training/material/{id}")).await;
            assert_eq!(d.status, StatusCode::OK, "{user} downloads");
            assert_eq!(d.bytes, b"# Hoja");
        }
        assert_eq!(t.count("training_material").await, rows);
        assert_eq!(files_on_disk(&t), files);
        // Signed out: sent to sign in, nothing served.
        let mut anon = t.client();
        let r = anon.get(&format!("/training/material/{id}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().unwrap().starts_with("/login"));
        // Unknown records are not found; a missing CSRF token is refused.
        let ghost = Uuid::now_v7();
        assert_eq!(
            staff
                .get(&format!("/training/material/{ghost}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = upload(
            &mut staff,
            &format!("/training/curriculum/modules/{ghost}/material"),
            "",
            "a.md",
            b"# a",
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            staff
                .get(&format!("/training/curriculum/presentations/{ghost}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            staff
                .post_form(&format!("/training/material/{ghost}/remove"), &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = staff
            .post_form_raw(&format!("/training/material/{id}/remove"), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
        // The API needs a token and a real module.
        let mut api = t.client();
        let r = api
            .json(
                Method::GET,
                &format!("/api/v1/training/modules/{module}/material"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        api.bearer = Some(t.token("facilitator").await);
        let r = api
            .json(
                Method::GET,
                &format!("/api/v1/training/modules/{ghost}/material"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
    }
}

#[tokio::test]
async fn removal_keeps_the_row_for_the_audit_trail_deletes_the_file_and_is_audited() {
    for t in TestApp::all_with_demo().await {
        let module = module_id(&t).await;
        let pres = presentation_id(&t, module).await;
        let mut staff = t.signed_in("program_staff").await;
        let r = upload(
            &mut staff,
            &format!("/training/curriculum/presentations/{pres}/material"),
            "Para quitar",
            "quitar.pdf",
            &atlas_render::pdf::text_page("Quitar", &[]),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let id = current(&t, "presentation", pres).await[0]
            .row
            .training_material_id;
        let file = t.data_dir().join("material").join(id.to_string());
        assert!(file.exists());
        let mut admin = t.signed_in("admin").await;
        let r = admin
            .post_form(&format!("/training/material/{id}/remove"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            r.location(),
            Some(format!("/training/curriculum/presentations/{pres}#material").as_str())
        );
        assert!(!file.exists(), "the file is deleted");
        assert!(current(&t, "presentation", pres).await.is_empty());
        // The row stays, saying who removed it and when.
        let removed_by = t
            .text("select a.username from training_material m join account a on a.account_id = m.removed_by where m.file_name = 'quitar.pdf'")
            .await;
        assert_eq!(removed_by.as_deref(), Some("admin"));
        assert_eq!(
            t.count("training_material where file_name = 'quitar.pdf' and removed_at is not null")
                .await,
            1
        );
        // Gone for everyone; removing again is not found.
        assert_eq!(
            staff.get(&format!("/training/material/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        let page = staff
            .get(&format!("/training/curriculum/presentations/{pres}"))
            .await;
        assert!(!page.body.contains("Para quitar"));
        assert_eq!(
            admin
                .post_form(&format!("/training/material/{id}/remove"), &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let ev = t.audit("training.material.remove").await;
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].actor_username, "admin");
        assert_eq!(ev[0].entity_id, id.to_string());
        assert!(
            ev[0]
                .summary
                .contains(&format!("owner=presentation:{pres}"))
        );
        assert_eq!(
            t.app.verify_audit().await.unwrap(),
            Ok(t.count("audit_event").await as u64)
        );
    }
}

#[tokio::test]
async fn the_demo_shows_material_and_the_material_pages_render_in_every_language() {
    for t in TestApp::all_with_demo().await {
        let first = st::list_modules(&t.app.db).await.unwrap()[0].training_module_id;
        let pres = presentation_id(&t, first).await;
        let demo = current(&t, "module", first).await;
        assert_eq!(demo.len(), 2, "a handout and a PDF on the first module");
        let pdf = demo
            .iter()
            .find(|m| m.row.media_type == "application/pdf")
            .unwrap();
        let mut admin = t.signed_in("admin").await;
        let d = admin
            .get(&format!(
                "/training/material/{}",
                pdf.row.training_material_id
            ))
            .await;
        assert!(d.bytes.starts_with(b"%PDF-1.4") && d.bytes.ends_with(b"%%EOF\n"));
        assert_eq!(current(&t, "presentation", pres).await.len(), 1);
        let pages = [
            "/training/curriculum".to_owned(),
            format!("/training/curriculum/modules/{first}"),
            format!("/training/curriculum/presentations/{pres}"),
            format!("/training/adaptations/{}", adaptation_of(&t, "IUPFA").await),
        ];
        for lang in ["en", "es", "th"] {
            admin.get(&format!("/lang/{lang}")).await;
            for p in &pages {
                let r = admin.get(p).await;
                assert_eq!(r.status, StatusCode::OK, "{lang} {p}");
                assert!(r.body.contains(&format!("<html lang=\"{lang}\">")));
                assert!(
                    !r.body.contains("Unknown localization key"),
                    "{lang} {p} lacks a translation"
                );
                let csp = r.header("content-security-policy").unwrap();
                assert!(csp.contains("default-src 'none'") && !csp.contains("sandbox"));
                for form in r.body.split("<form").skip(1) {
                    let head = &form[..form.find('>').unwrap()];
                    if head.contains("method=\"post\"") {
                        assert!(
                            form.contains("name=\"csrf\"") || head.contains("?csrf="),
                            "{p}: a POST form without CSRF token"
                        );
                    }
                }
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gz.write_all(r.body.as_bytes()).unwrap();
                let size = gz.finish().unwrap().len();
                assert!(size <= 14 * 1024, "{p} is {size} bytes compressed");
            }
        }
        let r = admin
            .get(&format!("/training/curriculum/modules/{first}"))
            .await;
        assert!(r.body.contains("Indicadores de trabajo forzoso"));
        assert!(r.body.contains("enctype=\"multipart/form-data\""));
    }
}

#[tokio::test]
async fn a_failed_transaction_leaves_no_file_behind() {
    for t in TestApp::all_with_demo().await {
        let module = module_id(&t).await;
        // Make the insert fail inside the transaction, after the file was written.
        match t.backend {
            atlas_store::Backend::Sqlite => {
                t.raw("create trigger material_refuse before insert on training_material begin select raise(abort, 'refused'); end")
                    .await;
            }
            atlas_store::Backend::Postgres => {
                t.raw("create function material_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$")
                    .await;
                t.raw("create trigger material_refuse before insert on training_material for each row execute function material_refuse()")
                    .await;
            }
        }
        let files = files_on_disk(&t);
        let audits = t.count("audit_event").await;
        let mut staff = t.signed_in("program_staff").await;
        let r = upload(
            &mut staff,
            &format!("/training/curriculum/modules/{module}/material"),
            "",
            "a.md",
            b"# a",
        )
        .await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", t.name());
        assert!(!r.body.contains("refused"), "no internals shown");
        assert_eq!(files_on_disk(&t), files, "the written file was removed");
        assert_eq!(t.count("audit_event").await, audits + 1, "only the sign-in");
    }
}

async fn adaptation_of(t: &TestApp, acronym: &str) -> Uuid {
    let inst = t.institution_id(acronym).await;
    let f = atlas_store::training_adaptation::AdaptationFilter {
        institution_id: Some(inst),
        ..Default::default()
    };
    atlas_store::training_adaptation::list_adaptations(&t.app.db, &f)
        .await
        .unwrap()
        .first()
        .expect("no adaptation for the institution")
        .training_adaptation_id
}

#[tokio::test]
async fn an_institution_attaches_its_own_material_to_its_adaptation_and_only_its_readers_see_it() {
    for t in TestApp::all_with_demo().await {
        let a = adaptation_of(&t, "IUPFA").await;
        let page_path = format!("/training/adaptations/{a}");
        let path = format!("{page_path}/material");
        let pdf = atlas_render::pdf::text_page("Protocolo IUPFA", &["Guía local"]);
        let uploads_before = t.audit("training.material.upload").await.len();
        // The coordinator sees the section and its upload form on the adaptation page.
        let mut coord = t.signed_in("training_coordinator").await;
        let page = coord.get(&page_path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name());
        assert!(
            page.body.contains("own material</h2>"),
            "the section is there"
        );
        assert!(page.body.contains("No material attached yet."));
        assert!(page.body.contains(&format!("action=\"{path}?csrf=")));
        assert!(page.body.contains("enctype=\"multipart/form-data\""));
        let r = upload(&mut coord, &path, "Protocolo local", "protocolo.pdf", &pdf).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{} {}", t.name(), r.body);
        assert_eq!(r.location(), Some(format!("{page_path}#material").as_str()));
        let rows = current(&t, "adaptation", a).await;
        assert_eq!(rows.len(), 1);
        let m = &rows[0];
        let id = m.row.training_material_id;
        assert_eq!(
            m.row.uploaded_by,
            Some(t.account_id("training_coordinator").await)
        );
        assert_eq!(m.row.sha256, sha256_hex(&pdf));
        assert_eq!(
            std::fs::read(t.data_dir().join("material").join(id.to_string())).unwrap(),
            pdf
        );
        // Listed on the page with its download link; downloaded byte for byte.
        let page = coord.get(&page_path).await;
        assert!(page.body.contains("Protocolo local"));
        assert!(
            page.body
                .contains(&format!("href=\"/training/material/{id}\""))
        );
        assert!(
            page.body
                .contains(&format!("action=\"/training/material/{id}/remove\""))
        );
        let d = coord.get(&format!("/training/material/{id}")).await;
        assert_eq!(d.status, StatusCode::OK);
        assert_eq!(d.bytes, pdf);
        assert_eq!(d.header("content-type"), Some("application/pdf"));
        assert!(
            d.header("content-disposition")
                .unwrap()
                .starts_with("attachment; ")
        );
        // Audited with the owner kind; no file name.
        let ev = t.audit("training.material.upload").await;
        assert_eq!(ev.len(), uploads_before + 1);
        let last = ev.last().unwrap();
        assert_eq!(last.actor_username, "training_coordinator");
        assert_eq!(last.entity_id, id.to_string());
        assert!(
            last.summary.contains(&format!("owner=adaptation:{a}")),
            "{}",
            last.summary
        );
        assert!(!last.summary.contains("protocolo"));
        // IUPFA's facilitator reads and downloads it but neither attaches nor removes.
        let mut fac = t.signed_in("facilitator").await;
        let page = fac.get(&page_path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Protocolo local"));
        assert!(!page.body.contains("multipart/form-data"), "no upload form");
        assert!(!page.body.contains("/remove\""), "no remove button");
        let d = fac.get(&format!("/training/material/{id}")).await;
        assert_eq!(d.status, StatusCode::OK);
        assert_eq!(d.bytes, pdf);
        let rows_n = t.count("training_material").await;
        let files = files_on_disk(&t);
        let material_events = t.audit("training.material").await.len();
        let r = upload(&mut fac, &path, "x", "x.md", b"# x").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "facilitator uploads");
        let r = fac
            .post_form(&format!("/training/material/{id}/remove"), &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "facilitator removes");
        // Another institution's coordinator, a Thai official and an observer: nothing of
        // it exists for them — page, upload, download, removal.
        for user in ["coord_prv", "official_th", "observer", "caseworker"] {
            let mut c = t.signed_in(user).await;
            assert_eq!(
                c.get(&page_path).await.status,
                StatusCode::NOT_FOUND,
                "{user} page"
            );
            let r = upload(&mut c, &path, "x", "x.md", b"# x").await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} uploads");
            let d = c.get(&format!("/training/material/{id}")).await;
            assert_eq!(d.status, StatusCode::NOT_FOUND, "{user} downloads");
            assert_ne!(d.bytes, pdf);
            let r = c
                .post_form(&format!("/training/material/{id}/remove"), &[])
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} removes");
        }
        // Signed out: sent to sign in.
        let mut anon = t.client();
        let r = anon.get(&format!("/training/material/{id}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // Nothing was written by the refused attempts (sign-ins aside).
        assert_eq!(t.count("training_material").await, rows_n);
        assert_eq!(files_on_disk(&t), files);
        assert_eq!(
            t.audit("training.material").await.len(),
            material_events,
            "no material event for refused attempts"
        );
        assert_eq!(current(&t, "adaptation", a).await.len(), 1);
        // The master's material API never lists adaptation material.
        let mut api = t.client();
        api.bearer = Some(t.token("admin").await);
        for mo in st::list_modules(&t.app.db).await.unwrap() {
            let r = api
                .json(
                    Method::GET,
                    &format!(
                        "/api/v1/training/modules/{}/material",
                        mo.training_module_id
                    ),
                    None,
                )
                .await;
            assert!(!r.body.contains(&id.to_string()));
        }
        // Program staff of the country manage it too; an unknown adaptation is not found.
        let mut staff = t.signed_in("program_staff").await;
        let r = upload(&mut staff, &path, "", "anexo.md", b"# Anexo").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let ghost = Uuid::now_v7();
        let r = upload(
            &mut staff,
            &format!("/training/adaptations/{ghost}/material"),
            "",
            "a.md",
            b"# a",
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The coordinator removes: the row stays, the file goes, the event names the owner.
        let file = t.data_dir().join("material").join(id.to_string());
        let r = coord
            .post_form(&format!("/training/material/{id}/remove"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), Some(format!("{page_path}#material").as_str()));
        assert!(!file.exists());
        let left = current(&t, "adaptation", a).await;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].row.file_name, "anexo.md");
        assert_eq!(
            t.count(
                "training_material where file_name = 'protocolo.pdf' and removed_at is not null"
            )
            .await,
            1
        );
        assert_eq!(
            fac.get(&format!("/training/material/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        let ev = t.audit("training.material.remove").await;
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].actor_username, "training_coordinator");
        assert_eq!(ev[0].entity_id, id.to_string());
        assert!(ev[0].summary.contains(&format!("owner=adaptation:{a}")));
        assert_eq!(
            t.app.verify_audit().await.unwrap(),
            Ok(t.count("audit_event").await as u64)
        );
    }
}

#[tokio::test]
async fn a_bad_file_on_an_adaptation_is_refused_on_its_page_naming_the_field_and_nothing_is_written()
 {
    for t in TestApp::all_with_demo().await {
        let a = adaptation_of(&t, "IUPFA").await;
        let mut coord = t.signed_in("training_coordinator").await;
        let rows = t.count("training_material").await;
        let files = files_on_disk(&t);
        let audits = t.count("audit_event").await;
        let html = b"<!doctype html><html><script>alert(1)</script></html>";
        let r = upload(
            &mut coord,
            &format!("/training/adaptations/{a}/material"),
            "Guía falsa",
            "guia.pdf",
            html,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
        // The adaptation page again, with the error on the file field and the title kept.
        assert!(
            r.body.contains("does not match its extension"),
            "{}",
            r.body
        );
        assert!(r.body.contains("id=\"e-file\""));
        assert!(r.body.contains("value=\"Guía falsa\""));
        assert!(r.body.contains(&format!("/training/adaptations/{a}/items")));
        assert_eq!(t.count("training_material").await, rows);
        assert_eq!(files_on_disk(&t), files);
        assert_eq!(t.count("audit_event").await, audits);
    }
}
