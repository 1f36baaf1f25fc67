//! Request extractors: the page context (language, CSRF token, session), the signed-in
//! user for pages (redirecting to sign-in otherwise), the API caller from a bearer token,
//! and lenient JSON and query parsing that report errors as problem details.

use crate::AppState;
use crate::error::AppError;
use crate::http::{CsrfToken, SESSION_COOKIE, cookie, lang_of};
use crate::i18n::I18n;
use atlas_core::auth::{SessionCtx, Stage};
use atlas_domain::auth::Actor;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

/// What every page needs: language, CSRF token, the session if any, the path.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub i18n: I18n,
    pub csrf: String,
    pub session: Option<SessionCtx>,
    /// Path and query of the request (for `next=` after sign-in and the language switch).
    pub path: String,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(t) if !t.is_empty() => state.app.session(t).await?,
            _ => None,
        };
        Ok(Ctx {
            i18n: I18n::new(lang_of(&parts.headers)),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
            session,
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
        })
    }
}

/// A fully signed-in user on a page. Anyone else is sent to sign in (or to finish the
/// TOTP step or enrolment first).
#[derive(Debug, Clone)]
pub struct UserCtx {
    pub ctx: Ctx,
    pub session: SessionCtx,
}

impl UserCtx {
    /// The policy's view of the user.
    pub fn actor(&self) -> &Actor {
        &self.session.actor
    }
}

impl FromRequestParts<AppState> for UserCtx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match ctx.session.clone() {
            Some(s) if s.stage == Stage::Full => Ok(UserCtx { ctx, session: s }),
            Some(s) if s.stage == Stage::Totp => Err(Redirect::to("/login/totp").into_response()),
            Some(_) => Err(Redirect::to("/account/totp").into_response()),
            None => {
                let next =
                    serde_urlencoded::to_string([("next", ctx.path.as_str())]).unwrap_or_default();
                Err(Redirect::to(&format!("/login?{next}")).into_response())
            }
        }
    }
}

/// The caller of an API endpoint, from `Authorization: Bearer …`.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub actor: Actor,
    pub token_id: uuid::Uuid,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let found = match token {
            Some(t) => state
                .app
                .token_actor(t)
                .await
                .map_err(|e| AppError::from(e).into_response())?,
            None => None,
        };
        match found {
            Some((actor, token_id)) => Ok(ApiUser { actor, token_id }),
            None => {
                let mut r = AppError::from(atlas_domain::Error::Unauthenticated).into_response();
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"atlas\""),
                );
                Err(r)
            }
        }
    }
}

/// JSON body whose parse errors become 400 problem details naming line and column.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json") || c.contains("+json"));
        if !json_ct {
            return Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected Content-Type: application/json",
            )
                .into_response());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| AppError::BadRequest(format!("invalid JSON: {e}")).into_response())
    }
}

/// Query string as a map; undecodable strings are a 400.
#[derive(Debug, Default)]
pub struct Params(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .map(|v| Params(v.into_iter().collect()))
            .map_err(|e| AppError::BadRequest(format!("invalid query string: {e}")).into_response())
    }
}

impl Params {
    /// A non-empty parameter.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

/// Form body as a map (the CSRF middleware already checked its token).
#[derive(Debug, Default)]
pub struct FormMap(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> FromRequest<S> for FormMap {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(|v| FormMap(v.into_iter().collect()))
            .map_err(|e| AppError::BadRequest(format!("invalid form: {e}")).into_response())
    }
}

impl FormMap {
    /// A field, empty when absent.
    pub fn s(&self, k: &str) -> String {
        self.0.get(k).cloned().unwrap_or_default()
    }
}
