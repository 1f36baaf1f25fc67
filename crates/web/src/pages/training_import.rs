//! Attendance import pages and course exports: the upload form
//! (`/training/courses/{id}/import`, multipart, CSRF token in the action's query), its
//! report (422, every bad row and column in the user's language) or summary, the CSV
//! template, and the participant and attendance exports (CSV, XLSX) for course managers.

use super::err;
use super::{Shell, render_status};
use crate::AppState;
use crate::extract::UserCtx;
use crate::i18n::I18n;
use askama::Template;
use atlas_core::By;
use atlas_core::training::Course;
use atlas_core::training_import::{ExportFormat, ExportKind, ImportSummary};
use atlas_domain::Error as RuleError;
use atlas_domain::training_import::{FileKind, Problem};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

#[derive(Template)]
#[template(path = "training/import.html")]
struct ImportPage {
    s: Shell,
    c: Course,
    limit_mb: usize,
    /// Translated problems, one line each (rejected file).
    problems: Vec<String>,
    /// Translated summary (accepted file).
    summary: Option<String>,
}

/// One problem as a line in the user's language: "Row 7, column fecha: …".
pub fn problem_line(i18n: &I18n, p: &Problem) -> String {
    let message = if p.key == "import-too-large" {
        i18n.t1(p.key, "n", &p.column)
    } else {
        i18n.t(p.key)
    };
    if p.row == 0 {
        i18n.ta("import-problem-file", &[("message", message)])
    } else {
        i18n.ta(
            "import-problem-row",
            &[
                ("row", p.row.to_string()),
                ("column", p.column.clone()),
                ("message", message),
            ],
        )
    }
}

/// The summary of an accepted file in the user's language.
pub fn summary_line(i18n: &I18n, s: &ImportSummary) -> String {
    i18n.ta(
        "import-summary",
        &[
            ("rows", s.rows.to_string()),
            ("created", s.participants_created.to_string()),
            ("reused", s.participants_reused.to_string()),
            ("enrolled", s.enrolled.to_string()),
            ("marks", s.marks.to_string()),
        ],
    )
}

async fn page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    status: StatusCode,
    problems: Vec<String>,
    summary: Option<String>,
) -> Response {
    let acc = match state.app.course(By::User(u.actor()), id).await {
        Ok(a) => a,
        Err(e) => return err(e),
    };
    render_status(
        status,
        &ImportPage {
            s: Shell::new(&u.ctx, "import-title").titled(&acc.course.title),
            c: acc.course,
            limit_mb: state.web.import_limit.div_ceil(1024 * 1024),
            problems,
            summary,
        },
    )
}

/// GET /training/courses/{id}/import
pub async fn import_form(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    page(&state, &u, id, StatusCode::OK, Vec::new(), None).await
}

/// POST /training/courses/{id}/import (multipart, field `file`)
pub async fn import(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    mut mp: Multipart,
) -> Response {
    // Out of reach: not found, before reading the file.
    if let Err(e) = state.app.course(By::User(u.actor()), id).await {
        return err(e);
    }
    let i18n = u.ctx.i18n;
    let limit = state.web.import_limit;
    let mb = limit.div_ceil(1024 * 1024);
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => {
                let name = f.file_name().unwrap_or("").to_owned();
                match f.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => return (e.status(), e.body_text()).into_response(),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return (e.status(), e.body_text()).into_response(),
        }
    }
    let reject = |status, p: Problem| (status, vec![problem_line(&i18n, &p)]);
    let (name, bytes) = match file {
        Some((n, b)) if !b.is_empty() => (n, b),
        _ => {
            let (st, lines) = reject(
                StatusCode::UNPROCESSABLE_ENTITY,
                Problem {
                    row: 0,
                    column: String::new(),
                    key: "import-no-file",
                },
            );
            return page(&state, &u, id, st, lines, None).await;
        }
    };
    if bytes.len() > limit {
        let (st, lines) = reject(
            StatusCode::PAYLOAD_TOO_LARGE,
            Problem {
                row: 0,
                column: mb.to_string(),
                key: "import-too-large",
            },
        );
        return page(&state, &u, id, st, lines, None).await;
    }
    let kind = FileKind::detect(&name, &bytes);
    match state
        .app
        .import_attendance(By::User(u.actor()), id, kind, &bytes, &|_, _| {})
        .await
    {
        Ok(Ok(sum)) => {
            let line = summary_line(&i18n, &sum);
            page(&state, &u, id, StatusCode::OK, Vec::new(), Some(line)).await
        }
        Ok(Err(problems)) => {
            let lines = problems.iter().map(|p| problem_line(&i18n, p)).collect();
            page(
                &state,
                &u,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                lines,
                None,
            )
            .await
        }
        Err(e) => err(e),
    }
}

/// A download: the bytes as an attachment named `file_name`.
pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

pub(crate) const CSV: &str = "text/csv; charset=utf-8";
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// GET /training/courses/{id}/import/template.csv
pub async fn template(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    match state.app.import_template(By::User(u.actor()), id).await {
        Ok(b) => download(b, CSV, "atlas-attendance-template.csv"),
        Err(e) => err(e),
    }
}

/// GET /training/courses/{id}/export/{file}: `participants.csv`, `participants.xlsx`,
/// `attendance.csv` or `attendance.xlsx`.
pub async fn export(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, file)): Path<(Uuid, String)>,
) -> Response {
    let (kind, format) = match file.as_str() {
        "participants.csv" => (ExportKind::Participants, ExportFormat::Csv),
        "participants.xlsx" => (ExportKind::Participants, ExportFormat::Xlsx),
        "attendance.csv" => (ExportKind::Attendance, ExportFormat::Csv),
        "attendance.xlsx" => (ExportKind::Attendance, ExportFormat::Xlsx),
        _ => return err(RuleError::NotFound),
    };
    match state
        .app
        .export_course(By::User(u.actor()), id, kind, format)
        .await
    {
        Ok(x) => {
            let ct = match format {
                ExportFormat::Csv => CSV,
                ExportFormat::Xlsx => XLSX,
            };
            download(x.bytes, ct, &format!("atlas-course-{id}-{file}"))
        }
        Err(e) => err(e),
    }
}
