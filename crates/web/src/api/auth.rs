//! Token issue and revocation, and the caller's own account.

use super::json;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiUser};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Body of `POST /api/v1/auth/token`.
#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub totp: String,
}

/// POST /api/v1/auth/token
pub async fn issue(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<Response, AppError> {
    let (token, expires_at) = state
        .app
        .issue_token(&req.username, &req.password, &req.totp)
        .await?;
    let expires = expires_at
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| anyhow::anyhow!("format: {e}"))?;
    Ok(json(
        StatusCode::CREATED,
        &serde_json::json!({"token": token, "token_type": "Bearer", "expires_at": expires}),
    ))
}

/// DELETE /api/v1/auth/token — revokes the token used for this request.
pub async fn revoke(State(state): State<AppState>, u: ApiUser) -> Result<Response, AppError> {
    state.app.revoke_token(&u.actor, u.token_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GET /api/v1/me
pub async fn me(State(state): State<AppState>, u: ApiUser) -> Result<Response, AppError> {
    let me = state.app.me(&u.actor).await?;
    Ok(json(StatusCode::OK, &me))
}
