//! Countries, areas and institutions over JSON.

use super::{Page, json, limit_of};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiUser, Params};
use atlas_core::By;
use atlas_core::directory::{Area, Institution, Query};
use atlas_domain::directory::{AreaInput, CountryCode, InstitutionInput};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// An area as JSON.
#[derive(Debug, Serialize)]
pub struct AreaJson {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub level: String,
    pub parent_id: Option<Uuid>,
    pub code: Option<String>,
    pub boundary: Option<serde_json::Value>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Area> for AreaJson {
    fn from(a: Area) -> Self {
        AreaJson {
            id: a.area_id,
            name: a.name,
            country: a.country_code,
            level: a.level,
            parent_id: a.parent_id,
            code: a.code,
            boundary: a.boundary.and_then(|b| serde_json::from_str(&b).ok()),
            version: a.version,
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

/// An institution as JSON.
#[derive(Debug, Serialize)]
pub struct InstitutionJson {
    pub id: Uuid,
    pub name: String,
    pub acronym: String,
    pub country: String,
    pub kind: String,
    pub level: String,
    pub area_id: Option<Uuid>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Institution> for InstitutionJson {
    fn from(i: Institution) -> Self {
        InstitutionJson {
            id: i.institution_id,
            name: i.name,
            acronym: i.acronym,
            country: i.country_code,
            kind: i.kind,
            level: i.level,
            area_id: i.area_id,
            version: i.version,
            created_at: rfc3339(i.created_at),
            updated_at: rfc3339(i.updated_at),
        }
    }
}

fn query(p: &Params, kind_key: &str) -> Result<Query, AppError> {
    let bad = |m: &str| AppError::BadRequest(m.to_owned());
    let country = match p.get("country") {
        None => None,
        Some(c) => Some(
            CountryCode::parse(c).ok_or_else(|| bad("country must be one of AR, LR, PY, TH"))?,
        ),
    };
    let uuid = |k: &str| -> Result<Option<Uuid>, AppError> {
        p.get(k)
            .map(|s| Uuid::parse_str(s).map_err(|_| bad(&format!("{k} must be a UUID"))))
            .transpose()
    };
    Ok(Query {
        country,
        name: p.get("name").map(str::to_owned),
        acronym: p.get("acronym").map(str::to_owned),
        kind: p.get(kind_key).map(str::to_owned),
        parent_id: uuid("parent_id")?,
        after: uuid("cursor")?,
        by_id: true,
        limit: limit_of(p)? + 1,
    })
}

fn page<T, J: From<T> + Serialize>(
    mut rows: Vec<T>,
    limit: i64,
    id: impl Fn(&T) -> Uuid,
) -> Page<J> {
    let more = rows.len() as i64 > limit - 1;
    rows.truncate((limit - 1).max(0) as usize);
    let next_cursor = if more {
        rows.last().map(|r| id(r).to_string())
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(J::from).collect(),
        next_cursor,
    }
}

/// GET /api/v1/countries
pub async fn countries(State(state): State<AppState>, u: ApiUser) -> Result<Response, AppError> {
    let c = state.app.countries(&u.actor).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": c })))
}

/// GET /api/v1/areas
pub async fn list_areas(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let q = query(&p, "level")?;
    let rows = state.app.areas(&u.actor, &q).await?;
    Ok(json(
        StatusCode::OK,
        &page::<_, AreaJson>(rows, q.limit, |a| a.area_id),
    ))
}

/// GET /api/v1/areas/{id}
pub async fn get_area(
    State(state): State<AppState>,
    u: ApiUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let a = state.app.area(By::User(&u.actor), id).await?;
    Ok(json(StatusCode::OK, &AreaJson::from(a)))
}

/// POST /api/v1/areas
pub async fn create_area(
    State(state): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<AreaInput>,
) -> Result<Response, AppError> {
    let a = state.app.create_area(By::User(&u.actor), &input).await?;
    Ok(json(StatusCode::CREATED, &AreaJson::from(a)))
}

/// PUT /api/v1/areas/{id}
pub async fn update_area(
    State(state): State<AppState>,
    u: ApiUser,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<AreaInput>,
) -> Result<Response, AppError> {
    let a = state
        .app
        .update_area(By::User(&u.actor), id, &input)
        .await?;
    Ok(json(StatusCode::OK, &AreaJson::from(a)))
}

/// GET /api/v1/institutions
pub async fn list_institutions(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let q = query(&p, "kind")?;
    let rows = state.app.institutions(&u.actor, &q).await?;
    Ok(json(
        StatusCode::OK,
        &page::<_, InstitutionJson>(rows, q.limit, |i| i.institution_id),
    ))
}

/// GET /api/v1/institutions/{id}
pub async fn get_institution(
    State(state): State<AppState>,
    u: ApiUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let i = state.app.institution(By::User(&u.actor), id).await?;
    Ok(json(StatusCode::OK, &InstitutionJson::from(i)))
}

/// POST /api/v1/institutions
pub async fn create_institution(
    State(state): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<InstitutionInput>,
) -> Result<Response, AppError> {
    let i = state
        .app
        .create_institution(By::User(&u.actor), &input)
        .await?;
    Ok(json(StatusCode::CREATED, &InstitutionJson::from(i)))
}

/// PUT /api/v1/institutions/{id}
pub async fn update_institution(
    State(state): State<AppState>,
    u: ApiUser,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<InstitutionInput>,
) -> Result<Response, AppError> {
    let i = state
        .app
        .update_institution(By::User(&u.actor), id, &input)
        .await?;
    Ok(json(StatusCode::OK, &InstitutionJson::from(i)))
}
