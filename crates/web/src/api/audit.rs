//! The audit log over JSON (administrators), newest first, paged by `before` cursor.

use super::{json, limit_of};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiUser, Params};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// GET /api/v1/audit
pub async fn list(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let mut f = crate::pages::admin::audit_filter(&p).map_err(|k| {
        AppError::BadRequest(match k {
            "audit-bad-date" => "from and to must be dates as YYYY-MM-DD".to_owned(),
            _ => "cursor must be a whole number".to_owned(),
        })
    })?;
    if let Some(c) = p.get("cursor") {
        f.before_seq = Some(
            c.parse()
                .map_err(|_| AppError::BadRequest("cursor must be a whole number".into()))?,
        );
    }
    f.limit = limit_of(&p)?;
    let rows = state.app.audit_events(&u.actor, &f).await?;
    let next_cursor = (rows.len() as i64 == f.limit)
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"items": rows, "next_cursor": next_cursor}),
    ))
}
