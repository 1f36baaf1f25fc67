//! Administration: user accounts and the audit log.

use super::err;
use super::{FormState, Shell, render, render_status};
use crate::AppState;
use crate::extract::{FormMap, Params, UserCtx};
use askama::Template;
use atlas_core::By;
use atlas_core::audit::AuditFilter;
use atlas_core::auth::AccountView;
use atlas_core::directory::Query;
use atlas_domain::Error as RuleError;
use atlas_domain::audit::Event;
use atlas_domain::auth::{AccountInput, Action, Role, authorize};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    s: Shell,
    rows: Vec<AccountView>,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    s: Shell,
    u: AccountView,
    f: FormState,
    notice: Option<&'static str>,
    mail_languages: Vec<(&'static str, &'static str)>,
}

/// The languages e-mails can be written in, as (code, the language's own name).
fn mail_languages() -> Vec<(&'static str, &'static str)> {
    crate::i18n::Lang::ALL
        .iter()
        .map(|l| (l.code(), l.native_name()))
        .collect()
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct UserForm {
    s: Shell,
    f: FormState,
    roles: Vec<&'static str>,
    institutions: Vec<(String, String)>,
    mail_languages: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    s: Shell,
    rows: Vec<Event>,
    action: String,
    actor: String,
    entity_type: String,
    entity_id: String,
    from: String,
    to: String,
    query: String,
    next: Option<String>,
    filter_error: Option<&'static str>,
}

/// GET /admin/users
pub async fn users(State(state): State<AppState>, u: UserCtx) -> Response {
    match state.app.list_accounts(u.actor()).await {
        Ok(rows) => render(&UsersPage {
            s: Shell::new(&u.ctx, "users-title"),
            rows,
        }),
        Err(e) => err(e),
    }
}

async fn user_form(state: &AppState, u: &UserCtx, f: FormState, status: StatusCode) -> Response {
    let institutions = match state
        .app
        .institutions(
            u.actor(),
            &Query {
                limit: 500,
                ..Default::default()
            },
        )
        .await
    {
        Ok(list) => list
            .into_iter()
            .map(|i| {
                (
                    i.institution_id.to_string(),
                    format!("{} — {} ({})", i.acronym, i.name, i.country_code),
                )
            })
            .collect(),
        Err(e) => return err(e),
    };
    render_status(
        status,
        &UserForm {
            s: Shell::new(&u.ctx, "users-new"),
            f,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            institutions,
            mail_languages: mail_languages(),
        },
    )
}

/// GET /admin/users/new
pub async fn new_user(State(state): State<AppState>, u: UserCtx) -> Response {
    if let Err(e) = authorize(u.actor(), Action::ManageUsers, None) {
        return err(e);
    }
    user_form(&state, &u, FormState::default(), StatusCode::OK).await
}

/// POST /admin/users
pub async fn create_user(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let input = AccountInput {
        username: form.s("username"),
        display_name: form.s("display_name"),
        role: form.s("role"),
        institution_id: form.s("institution_id"),
        password: form.s("password"),
        email: form.s("email"),
        language: form.s("language"),
    };
    match state.app.create_account(By::User(u.actor()), &input).await {
        Ok(a) => Redirect::to(&format!("/admin/users/{}", a.id)).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let f = FormState {
                errors,
                ..FormState::with([
                    ("username", input.username),
                    ("display_name", input.display_name),
                    ("role", input.role),
                    ("institution_id", input.institution_id),
                    ("email", input.email),
                    ("language", input.language),
                ])
            };
            user_form(&state, &u, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => err(e),
    }
}

async fn user_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    f: FormState,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    match state.app.account(u.actor(), id).await {
        Ok(a) => {
            let mut f = f;
            for (k, v) in [("email", &a.email), ("language", &a.language)] {
                if !f.values.contains_key(k) {
                    f.values.insert(k.into(), v.clone().unwrap_or_default());
                }
            }
            render_status(
                status,
                &UserPage {
                    s: Shell::new(&u.ctx, "users-title").titled(&a.display_name),
                    u: a,
                    f,
                    notice,
                    mail_languages: mail_languages(),
                },
            )
        }
        Err(e) => err(e),
    }
}

/// GET /admin/users/{id}
pub async fn user(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
    let notice = match p.get("notice") {
        Some("disabled") => Some("users-disabled-notice"),
        Some("enabled") => Some("users-enabled-notice"),
        Some("password") => Some("users-password-notice"),
        Some("totp") => Some("users-totp-notice"),
        Some("contact") => Some("users-contact-notice"),
        _ => None,
    };
    user_page(&state, &u, id, FormState::default(), notice, StatusCode::OK).await
}

/// POST /admin/users/{id}/disable
pub async fn disable(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    match state
        .app
        .set_account_disabled(By::User(u.actor()), &id.to_string(), true)
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin/users/{id}?notice=disabled")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            user_page(
                &state,
                &u,
                id,
                FormState {
                    values: Default::default(),
                    errors,
                },
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => err(e),
    }
}

/// POST /admin/users/{id}/enable
pub async fn enable(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    match state
        .app
        .set_account_disabled(By::User(u.actor()), &id.to_string(), false)
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin/users/{id}?notice=enabled")).into_response(),
        Err(e) => err(e),
    }
}

/// POST /admin/users/{id}/contact — the account's e-mail address and e-mail language.
pub async fn contact(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let (email, language) = (form.s("email"), form.s("language"));
    match state
        .app
        .set_account_contact(By::User(u.actor()), &id.to_string(), &email, &language)
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin/users/{id}?notice=contact")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let f = FormState {
                errors,
                ..FormState::with([("email", email), ("language", language)])
            };
            user_page(&state, &u, id, f, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => err(e),
    }
}

/// POST /admin/users/{id}/reset-password
pub async fn reset_password(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    match state
        .app
        .reset_password(By::User(u.actor()), &id.to_string(), &form.s("password"))
        .await
    {
        Ok(()) => Redirect::to(&format!("/admin/users/{id}?notice=password")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            user_page(
                &state,
                &u,
                id,
                FormState {
                    values: Default::default(),
                    errors,
                },
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => err(e),
    }
}

/// POST /admin/users/{id}/reset-totp
pub async fn reset_totp(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match state
        .app
        .reset_totp(By::User(u.actor()), &id.to_string())
        .await
    {
        Ok(()) => Redirect::to(&format!("/admin/users/{id}?notice=totp")).into_response(),
        Err(e) => err(e),
    }
}

/// Parses the audit filters shared by the page, the CSV and the API. A bad date is
/// reported by field name.
pub fn audit_filter(p: &Params) -> Result<AuditFilter, &'static str> {
    let date = |k: &str| -> Result<Option<time::OffsetDateTime>, &'static str> {
        match p.get(k) {
            None => Ok(None),
            Some(s) => {
                time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                    .map(|d| Some(d.midnight().assume_utc()))
                    .map_err(|_| "audit-bad-date")
            }
        }
    };
    let from = date("from")?;
    let to = date("to")?.map(|t| t + time::Duration::days(1));
    let before_seq = match p.get("before") {
        None => None,
        Some(s) => Some(s.parse::<i64>().map_err(|_| "audit-bad-cursor")?),
    };
    Ok(AuditFilter {
        action_prefix: p.get("action").map(str::to_owned),
        actor_username: p.get("actor").map(|s| s.to_ascii_lowercase()),
        entity_type: p.get("entity_type").map(str::to_owned),
        entity_id: p.get("entity_id").map(str::to_owned),
        from,
        to,
        before_seq,
        actor_user_id: None,
        limit: 100,
    })
}

fn keep_query(p: &Params, skip: &str) -> String {
    let pairs: Vec<(&str, &str)> = ["action", "actor", "entity_type", "entity_id", "from", "to"]
        .iter()
        .filter(|k| **k != skip)
        .filter_map(|k| p.get(k).map(|v| (*k, v)))
        .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// GET /admin/audit
pub async fn audit(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let (filter, filter_error) = match audit_filter(&p) {
        Ok(f) => (f, None),
        Err(k) => (
            AuditFilter {
                limit: 100,
                ..Default::default()
            },
            Some(k),
        ),
    };
    let rows = match state.app.audit_events(u.actor(), &filter).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let query = keep_query(&p, "");
    let next = (rows.len() as i64 == filter.limit)
        .then(|| rows.last().map(|r| format!("{query}&before={}", r.seq)))
        .flatten();
    let g = |k: &str| p.get(k).unwrap_or("").to_owned();
    let status = if filter_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &AuditPage {
            s: Shell::new(&u.ctx, "audit-title"),
            rows,
            action: g("action"),
            actor: g("actor"),
            entity_type: g("entity_type"),
            entity_id: g("entity_id"),
            from: g("from"),
            to: g("to"),
            query,
            next,
            filter_error,
        },
    )
}

/// GET /admin/audit.csv — the filtered log as CSV (up to 500 rows per download).
pub async fn audit_csv(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let filter = match audit_filter(&p) {
        Ok(f) => AuditFilter { limit: 500, ..f },
        Err(k) => {
            return err(RuleError::Invalid(atlas_domain::FieldErrors::single(
                "filter", k,
            )));
        }
    };
    let rows = match state.app.audit_events(u.actor(), &filter).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let body = atlas_render::csv_safe::write(
        &[
            "seq",
            "occurred_at",
            "actor",
            "action",
            "entity_type",
            "entity_id",
            "summary",
            "hash",
        ],
        rows.into_iter().map(|r| {
            vec![
                r.seq.to_string(),
                r.occurred_at.to_string(),
                r.actor_username,
                r.action,
                r.entity_type,
                r.entity_id,
                r.summary,
                r.hash,
            ]
        }),
    );
    match body {
        Ok(b) => {
            let mut r = b.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"atlas-audit.csv\""),
            );
            r
        }
        Err(e) => err(anyhow::anyhow!("csv: {e}")),
    }
}
