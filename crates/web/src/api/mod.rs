//! The JSON API under `/api/v1`: bearer tokens, RFC 9457 problem details, cursor
//! pagination, and an OpenAPI 3.1 document at `/api/v1/openapi.json`.

pub mod audit;
pub mod auth;
pub mod cartography;
pub mod cases;
pub mod directory;
pub mod guide;
pub mod openapi;
pub mod results;
pub mod training;

use crate::error::ErrorInfo;
use crate::i18n::I18n;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A page of items with the cursor of the next page.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Default and maximum page sizes.
pub const PAGE_DEFAULT: i64 = 50;
pub const PAGE_MAX: i64 = 200;

/// Parses `limit` from the query: 1..=200, default 50.
pub fn limit_of(p: &crate::extract::Params) -> Result<i64, crate::error::AppError> {
    match p.get("limit") {
        None => Ok(PAGE_DEFAULT),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=PAGE_MAX).contains(n))
            .ok_or_else(|| {
                crate::error::AppError::BadRequest(format!(
                    "limit must be a whole number from 1 to {PAGE_MAX}"
                ))
            }),
    }
}

/// Builds an RFC 9457 problem document.
pub fn problem(
    status: StatusCode,
    info: &ErrorInfo,
    instance: &str,
    request_id: &str,
    i18n: &I18n,
) -> Response {
    let errors: Vec<serde_json::Value> = info
        .fields
        .iter()
        .map(|f| serde_json::json!({"pointer": format!("#/{}", f.field), "detail": i18n.t(f.key), "code": f.key}))
        .collect();
    let mut body = serde_json::json!({
        "type": "about:blank",
        "title": i18n.t(info.key),
        "status": status.as_u16(),
        "instance": instance,
        "request_id": request_id,
    });
    if let Some(d) = &info.detail {
        body["detail"] = serde_json::Value::String(d.clone());
    }
    if !errors.is_empty() {
        body["errors"] = serde_json::Value::Array(errors);
    }
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

/// A JSON response with a status.
pub fn json<T: Serialize>(status: StatusCode, v: &T) -> Response {
    (status, axum::Json(v)).into_response()
}
