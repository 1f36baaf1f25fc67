//! Server-rendered pages (askama templates). Handlers extract, call core, render; every
//! string comes from Fluent through [`Shell`], every form carries the CSRF token and
//! comes back with the user's input and one message per field when rejected.

pub mod account;
pub mod admin;
pub mod auth;
pub mod carto_network;
pub mod cartography;
pub mod cases;
pub mod certificates;
pub mod directory;
pub mod guide;
pub mod guide_docs;
pub mod home;
pub mod results;
pub mod results_charts;
pub mod results_dashboard;
pub mod results_edit;
pub mod results_export;
pub mod training;
pub mod training_adaptation;
pub mod training_import;
pub mod training_material;
pub mod training_tests;

use crate::error::{AppError, ErrorInfo};
use crate::extract::Ctx;
use crate::i18n::{I18n, Lang};
use askama::Template;
use atlas_core::auth::SessionCtx;
use atlas_domain::FieldErrors;
use atlas_domain::auth::{Action, can};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;

/// The signed-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct ShellUser {
    pub display_name: String,
    pub role: String,
    pub institution: String,
}

/// Everything the layout needs, plus translation helpers for templates.
#[derive(Debug, Clone)]
pub struct Shell {
    pub i18n: I18n,
    pub csrf: String,
    pub path: String,
    pub user: Option<ShellUser>,
    pub nav_directory: bool,
    pub nav_users: bool,
    pub nav_audit: bool,
    pub nav_training: bool,
    pub nav_results: bool,
    pub nav_guide: bool,
    /// Where the cases link goes (`/cases` or the statistics), when the role has one.
    pub nav_cases: Option<&'static str>,
    pub title: String,
    pub nav_carto: bool,
}

impl Shell {
    /// Builds the shell for a page titled by `title_key`.
    pub fn new(ctx: &Ctx, title_key: &str) -> Self {
        let full = ctx
            .session
            .as_ref()
            .filter(|s| s.stage == atlas_core::auth::Stage::Full);
        Self::build(ctx, full, title_key)
    }

    fn build(ctx: &Ctx, session: Option<&SessionCtx>, title_key: &str) -> Self {
        let i18n = ctx.i18n;
        Shell {
            i18n,
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            user: session.map(|s| ShellUser {
                display_name: s.display_name.clone(),
                role: i18n.code("role", s.actor.role.as_str()),
                institution: s.institution_acronym.clone(),
            }),
            nav_directory: session.is_some_and(|s| can(&s.actor, Action::ReadDirectory)),
            nav_users: session.is_some_and(|s| can(&s.actor, Action::ManageUsers)),
            nav_audit: session.is_some_and(|s| can(&s.actor, Action::ReadAudit)),
            nav_training: session.is_some_and(|s| can(&s.actor, Action::ReadTrainingFigures)),
            nav_results: session.is_some_and(|s| can(&s.actor, Action::ReadResults)),
            nav_guide: session.is_some_and(|s| can(&s.actor, Action::ReadGuide)),
            nav_cases: session.and_then(|s| {
                if can(&s.actor, Action::ReadCase) {
                    Some("/cases")
                } else if can(&s.actor, Action::ReadCaseStatistics) {
                    Some("/cases/statistics")
                } else {
                    None
                }
            }),
            title: i18n.t(title_key),
            nav_carto: session.is_some_and(|s| can(&s.actor, Action::ReadCartography)),
        }
    }

    /// Translates `key`.
    pub fn t(&self, key: &str) -> String {
        self.i18n.t(key)
    }
    /// Translates `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.i18n.t1(key, name, &value)
    }
    /// Translates a stored code (`role`, `caseworker` → `role-caseworker`).
    pub fn code(&self, prefix: &str, code: &str) -> String {
        self.i18n.code(prefix, code)
    }
    /// The language switch: (code, native name, link, current).
    pub fn langs(&self) -> Vec<(&'static str, &'static str, String, bool)> {
        let next = serde_urlencoded::to_string([("next", self.path.as_str())]).unwrap_or_default();
        Lang::ALL
            .iter()
            .map(|l| {
                (
                    l.code(),
                    l.native_name(),
                    format!("/lang/{}?{next}", l.code()),
                    *l == self.i18n.lang,
                )
            })
            .collect()
    }
    /// The `lang` attribute.
    pub fn lang(&self) -> &'static str {
        self.i18n.lang_code()
    }
    /// True when the current path is under `prefix` (for `aria-current`).
    pub fn at(&self, prefix: &str) -> bool {
        if prefix == "/" {
            self.path == "/"
        } else {
            self.path.starts_with(prefix)
        }
    }
}

/// A form's submitted values and its errors, for re-rendering.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
}

impl FormState {
    /// An empty form with initial values.
    pub fn with(values: impl IntoIterator<Item = (&'static str, String)>) -> Self {
        Self {
            values: values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            errors: FieldErrors::new(),
        }
    }
    /// The value of a field.
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }
    /// The error key of a field.
    pub fn e(&self, name: &str) -> Option<&'static str> {
        self.errors.get(name)
    }
    /// True when the select `name` has `value`.
    pub fn sel(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }
    /// Errors on fields the form does not show (reported at the top).
    pub fn other_errors(&self, shown: &[&str]) -> Vec<&'static str> {
        self.errors
            .0
            .iter()
            .filter(|e| !shown.contains(&e.field.as_str()))
            .map(|e| e.key)
            .collect()
    }
    /// True when the comma list in `name` contains `code` (checkbox groups).
    pub fn has(&self, name: &str, code: &str) -> bool {
        self.v(name).split(',').any(|c| c.trim() == code)
    }
    /// True when any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Renders a template as an HTML response.
pub fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

/// Renders a template with a status (422 for a rejected form).
/// The error page or problem document of a failed use case.
pub(crate) fn err(e: impl Into<AppError>) -> Response {
    e.into().into_response()
}

/// The status of a rejected form: 409 when the record changed meanwhile, else 422.
pub(crate) fn status_of(stale: bool) -> StatusCode {
    if stale {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::from(anyhow::anyhow!("template error: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: &'static str,
    title: String,
    detail: Option<String>,
    fields: Vec<String>,
    request_id: Option<String>,
    home: String,
    status: u16,
}

/// The error page for `status` in `lang` (used by the error renderer).
pub fn error_page(status: StatusCode, info: &ErrorInfo, request_id: &str, lang: Lang) -> Response {
    let i18n = I18n::new(lang);
    let page = ErrorPage {
        lang: lang.code(),
        title: i18n.t(info.key),
        detail: info.detail.clone(),
        fields: info
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.field, i18n.t(f.key)))
            .collect(),
        request_id: status
            .is_server_error()
            .then(|| i18n.t1("error-request-id", "id", &request_id)),
        home: i18n.t("error-home"),
        status: status.as_u16(),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => status.into_response(),
    }
}

impl Shell {
    /// Replaces the title with a record's own name.
    pub fn titled(mut self, title: &str) -> Self {
        title.clone_into(&mut self.title);
        self
    }
}
