//! Cartography over JSON: the mapping exercises the caller may see and an exercise's
//! features as a GeoJSON FeatureCollection (RFC 7946) with what the caller may see —
//! restricted features only for roles that read them, generalised ones snapped.

use super::{Page, json};
use crate::AppState;
use crate::error::AppError;
use crate::extract::ApiUser;
use atlas_core::cartography::FeatureView;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

/// An exercise as JSON.
#[derive(Debug, Serialize)]
pub struct ExerciseJson {
    pub id: Uuid,
    pub name: String,
    pub area_id: Uuid,
    pub country: String,
    pub purpose: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub plan_public: bool,
}

/// GET /api/v1/cartography/exercises
pub async fn exercises(State(state): State<AppState>, u: ApiUser) -> Result<Response, AppError> {
    let items = state
        .app
        .carto_exercises(&u.actor)
        .await?
        .into_iter()
        .map(|e| ExerciseJson {
            id: e.exercise_id,
            name: e.name,
            area_id: e.area_id,
            country: e.country_code,
            purpose: e.purpose,
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            plan_public: e.plan_public != 0,
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &Page {
            items,
            next_cursor: None,
        },
    ))
}

/// A FeatureCollection of the features as shown (their workshop, times and
/// vulnerability tags among the properties, in the shape the import reads back).
pub fn collection(features: &[FeatureView]) -> serde_json::Value {
    use atlas_domain::cartography::{stored_times, stored_vulnerabilities, vulnerabilities_json};
    serde_json::json!({
        "type": "FeatureCollection",
        "features": features.iter().map(|f| serde_json::json!({
            "type": "Feature",
            "id": f.row.feature_id,
            "geometry": f.geometry.to_json(),
            "properties": {
                "category": f.row.category,
                "dimension": f.row.dimension,
                "sensitivity": f.row.sensitivity,
                "description": f.row.description,
                "workshop_id": f.row.workshop_id,
                "times": stored_times(&f.row.times).iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                "vulnerabilities": vulnerabilities_json(&stored_vulnerabilities(&f.row.vulnerabilities)),
            },
        })).collect::<Vec<_>>(),
    })
}

/// A GeoJSON body (`application/geo+json`).
pub fn geojson_response(v: &serde_json::Value) -> Response {
    let mut r = (StatusCode::OK, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    r
}

/// GET /api/v1/cartography/exercises/{id}/features.geojson
pub async fn features(
    State(state): State<AppState>,
    u: ApiUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (_, f) = state.app.carto_features(&u.actor, id).await?;
    state
        .app
        .audit_carto_export(&u.actor, id, "geojson", f.len())
        .await?;
    Ok(geojson_response(&collection(&f)))
}
