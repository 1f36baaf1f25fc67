//! Training figures over JSON (no personal data), and the public certificate checks:
//! by code (what the verification page shows) and of a signed credential.

use super::json;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiUser, Params};
use atlas_domain::directory::CountryCode;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

/// One group of a breakdown.
#[derive(Debug, Serialize)]
pub struct Group {
    pub key: String,
    pub individuals_trained: i64,
}

fn groups(v: Vec<(String, i64)>) -> Vec<Group> {
    v.into_iter()
        .map(|(key, individuals_trained)| Group {
            key,
            individuals_trained,
        })
        .collect()
}

/// GET /api/v1/training/figures
pub async fn figures(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let country =
        match p.get("country") {
            None => None,
            Some(c) => Some(CountryCode::parse(c).ok_or_else(|| {
                AppError::BadRequest("country must be one of AR, LR, PY, TH".into())
            })?),
        };
    let period =
        atlas_core::training::parse_period(p.get("from").unwrap_or(""), p.get("to").unwrap_or(""))?;
    let r = state
        .app
        .training_figures(&u.actor, country.as_ref(), period)
        .await?;
    let f = &r.figures;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "country": r.country,
            "from": r.from,
            "to": r.to,
            "individuals_trained": f.individuals_trained,
            "institutions_targeted": f.institutions_targeted,
            "institutions_integrated": f.institutions_integrated,
            "courses": f.courses,
            "sessions": f.sessions,
            "mean_knowledge_gain": f.mean_knowledge_gain.map(|g| (g * 10.0).round() / 10.0),
            "knowledge_gain_by_institution": r.gain_by_institution.iter().map(|g| serde_json::json!({
                "key": g.institution_acronym,
                "mean_knowledge_gain": (g.mean_gain * 10.0).round() / 10.0,
                "pairs": g.pairs,
            })).collect::<Vec<_>>(),
            "by_sex": groups(r.by_sex),
            "by_age_band": groups(r.by_age_band),
            "by_occupation": groups(r.by_occupation),
            "by_institution": groups(r.by_institution),
            "by_country": groups(r.by_country),
        }),
    ))
}

/// GET /api/v1/training/certificates/{code}: public (no token); what the verification
/// page shows, nothing more.
pub async fn certificate(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let c = state.app.public_certificate(&code).await?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "valid": c.valid(),
            "revoked_at": c.revoked_on,
            "course": c.course,
            "institution": c.institution,
            "issued_at": c.issued_on,
            "name": c.name,
        }),
    ))
}

/// POST /api/v1/training/certificates/verify: public; checks a signed credential.
pub async fn verify_credential(
    State(state): State<AppState>,
    ApiJson(v): ApiJson<serde_json::Value>,
) -> Result<Response, AppError> {
    let r = state.app.verify_credential(&v).await?;
    Ok(json(StatusCode::OK, &r))
}

/// One piece of attached material (metadata only).
#[derive(Debug, Serialize)]
pub struct MaterialItem {
    pub id: uuid::Uuid,
    pub owner_kind: String,
    pub owner_id: uuid::Uuid,
    pub title: Option<String>,
    pub description: Option<String>,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub language: String,
    pub uploaded_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    pub download_path: String,
}

/// GET /api/v1/training/modules/{id}/material: the material of a module and of its
/// presentations (every signed-in role reads the curriculum).
pub async fn module_material(
    State(state): State<AppState>,
    u: ApiUser,
    Path(id): Path<uuid::Uuid>,
) -> Result<Response, AppError> {
    let items: Vec<MaterialItem> = state
        .app
        .module_material(atlas_core::By::User(&u.actor), id)
        .await?
        .into_iter()
        .map(|m| {
            let r = m.row;
            MaterialItem {
                id: r.training_material_id,
                owner_kind: r.owner_kind,
                owner_id: r.owner_id,
                title: r.title,
                description: r.description,
                file_name: r.file_name,
                media_type: r.media_type,
                size_bytes: r.size_bytes,
                sha256: r.sha256,
                language: r.language,
                uploaded_by: m.uploaded_by_name,
                created_at: r.created_at,
                download_path: format!("/training/material/{}", r.training_material_id),
            }
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &super::Page {
            items,
            next_cursor: None,
        },
    ))
}
