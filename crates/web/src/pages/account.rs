//! The signed-in user's own account: profile, password, TOTP, API tokens.

use super::{FormState, Shell, render_status};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{FormMap, Params, UserCtx};
use askama::Template;
use atlas_core::auth::{AccountView, TokenView};
use atlas_domain::Error as RuleError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    s: Shell,
    me: AccountView,
    tokens: Vec<TokenView>,
    f: FormState,
    notice: Option<&'static str>,
}

/// Notices a redirect may ask the account page to show.
fn notice_key(p: &Params) -> Option<&'static str> {
    match p.get("notice") {
        Some("password-changed") => Some("account-password-changed"),
        Some("totp-enrolled") => Some("account-totp-enrolled"),
        Some("token-revoked") => Some("account-token-revoked-notice"),
        _ => None,
    }
}

async fn page(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let me = match state.app.me(u.actor()).await {
        Ok(m) => m,
        Err(e) => return AppError::from(e).into_response(),
    };
    let tokens = match state.app.my_tokens(u.actor()).await {
        Ok(t) => t,
        Err(e) => return AppError::from(e).into_response(),
    };
    render_status(
        status,
        &AccountPage {
            s: Shell::new(&u.ctx, "account-title"),
            me,
            tokens,
            f,
            notice,
        },
    )
}

/// GET /account
pub async fn show(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    page(
        &state,
        &u,
        FormState::default(),
        notice_key(&p),
        StatusCode::OK,
    )
    .await
}

/// POST /account/password
pub async fn change_password(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    match state
        .app
        .change_password(
            &u.session,
            &form.s("current_password"),
            &form.s("new_password"),
            &form.s("confirm_password"),
        )
        .await
    {
        Ok(()) => Redirect::to("/account?notice=password-changed").into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            page(
                &state,
                &u,
                FormState {
                    values: Default::default(),
                    errors,
                },
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

/// POST /account/tokens/{id}/revoke
pub async fn revoke_token(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match state.app.revoke_token(u.actor(), id).await {
        Ok(()) => Redirect::to("/account?notice=token-revoked").into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}
