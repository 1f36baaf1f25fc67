//! The one mapping from errors to HTTP. Handlers return [`AppError`]; it becomes a status
//! plus an [`ErrorInfo`] extension, and the `render_errors` middleware turns that into an
//! HTML page in the user's language or an RFC 9457 problem document for `/api`. Internal
//! causes are logged with the request id and never sent to the client.

use atlas_domain::{Error as RuleError, FieldError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error a handler returns.
#[derive(Debug)]
pub enum AppError {
    /// A use-case error.
    Core(atlas_core::Error),
    /// Malformed request (unparsable JSON, bad query); the detail is safe to show.
    BadRequest(String),
    /// The CSRF token or origin check failed.
    Csrf,
}

impl From<atlas_core::Error> for AppError {
    fn from(e: atlas_core::Error) -> Self {
        AppError::Core(e)
    }
}
impl From<RuleError> for AppError {
    fn from(e: RuleError) -> Self {
        AppError::Core(e.into())
    }
}
impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Core(e.into())
    }
}

/// What the error renderer needs; attached to error responses as an extension.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// Fluent key of the title.
    pub key: &'static str,
    /// Extra detail safe to show (parse errors).
    pub detail: Option<String>,
    /// Per-field problems.
    pub fields: Vec<FieldError>,
    /// Internal cause, for the log only.
    pub cause: Option<String>,
}

/// Status for a rule error.
pub fn status_of(e: &RuleError) -> StatusCode {
    match e {
        RuleError::NotFound => StatusCode::NOT_FOUND,
        RuleError::Forbidden => StatusCode::FORBIDDEN,
        RuleError::Unauthenticated => StatusCode::UNAUTHORIZED,
        RuleError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        RuleError::Stale => StatusCode::CONFLICT,
        RuleError::Locked => StatusCode::TOO_MANY_REQUESTS,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, info) = match self {
            AppError::Core(atlas_core::Error::Rule(r)) => {
                let fields = match &r {
                    RuleError::Invalid(f) => f.0.clone(),
                    _ => Vec::new(),
                };
                (
                    status_of(&r),
                    ErrorInfo {
                        key: r.key(),
                        detail: None,
                        fields,
                        cause: None,
                    },
                )
            }
            AppError::Core(atlas_core::Error::Internal(e)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorInfo {
                    key: "error-internal",
                    detail: None,
                    fields: Vec::new(),
                    cause: Some(format!("{e:#}")),
                },
            ),
            AppError::BadRequest(d) => (
                StatusCode::BAD_REQUEST,
                ErrorInfo {
                    key: "error-bad-request",
                    detail: Some(d),
                    fields: Vec::new(),
                    cause: None,
                },
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                ErrorInfo {
                    key: "error-csrf",
                    detail: None,
                    fields: Vec::new(),
                    cause: None,
                },
            ),
        };
        let mut r = status.into_response();
        r.extensions_mut().insert(info);
        r
    }
}

/// Fluent key of the generic title for a status without richer information.
pub fn key_for_status(s: StatusCode) -> &'static str {
    match s.as_u16() {
        400 => "error-bad-request",
        401 => "error-unauthenticated",
        403 => "error-forbidden",
        404 => "error-not-found",
        405 => "error-method",
        409 => "error-stale",
        413 => "error-too-large",
        415 => "error-media-type",
        422 => "error-invalid",
        429 => "error-locked",
        _ if s.is_server_error() => "error-internal",
        _ => "error-bad-request",
    }
}
