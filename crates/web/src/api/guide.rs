//! The guide over JSON: the referral pathway for an area and need (the case module and
//! other systems suggest referrals from it) and the service directory.

use super::{Page, json, limit_of};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiUser, Params};
use atlas_core::guide::ServiceQuery;
use atlas_core::store::guide::ServiceListRow;
use atlas_domain::directory::CountryCode;
use atlas_domain::guide::Need;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

/// A pathway step as JSON.
#[derive(Debug, Serialize)]
pub struct StepJson {
    pub order: i64,
    /// The service's name.
    pub service: String,
    pub service_id: Uuid,
    pub organization: String,
    pub institution_id: Option<Uuid>,
    pub institution_acronym: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub referral_method: String,
    pub max_response_hours: i64,
    pub bring: String,
    pub consent_required: bool,
}

impl From<atlas_core::store::guide::PathwayStepRow> for StepJson {
    fn from(s: atlas_core::store::guide::PathwayStepRow) -> Self {
        StepJson {
            order: s.order,
            service: s.service_name,
            service_id: s.service_id,
            organization: s.organization,
            institution_id: s.institution_id,
            institution_acronym: s.institution_acronym,
            phone: s.phone,
            email: s.email,
            referral_method: s.referral_method,
            max_response_hours: s.max_response_hours,
            bring: s.bring,
            consent_required: s.consent_required,
        }
    }
}

/// GET /api/v1/guide/pathways?area=ID&need=CODE
pub async fn pathways(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let area = p
        .get("area")
        .ok_or_else(|| AppError::BadRequest("area is required (an area id)".into()))
        .and_then(|a| {
            Uuid::parse_str(a)
                .map_err(|_| AppError::BadRequest("area must be an area id (UUID)".into()))
        })?;
    let need = p.get("need").and_then(Need::parse).ok_or_else(|| {
        AppError::BadRequest(format!(
            "need must be one of {}",
            Need::ALL
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let r = state.app.resolve_pathway(&u.actor, area, need).await?;
    let body = match r {
        Some(r) => serde_json::json!({
            "area": area,
            "need": need.as_str(),
            "pathway": {
                "id": r.pathway.guide_pathway_id,
                "area_id": r.pathway.area_id,
                "area_name": r.from_area,
                "inherited": r.inherited,
                "version": r.pathway.version,
            },
            "steps": r.steps.into_iter().map(StepJson::from).collect::<Vec<_>>(),
        }),
        None => serde_json::json!({
            "area": area,
            "need": need.as_str(),
            "pathway": null,
            "steps": [],
        }),
    };
    Ok(json(StatusCode::OK, &body))
}

/// A service as JSON.
#[derive(Debug, Serialize)]
pub struct ServiceJson {
    pub id: Uuid,
    pub country: String,
    pub name: String,
    pub organization: String,
    pub institution_id: Option<Uuid>,
    pub institution_acronym: Option<String>,
    pub area_id: Option<Uuid>,
    pub area_name: Option<String>,
    pub description: String,
    pub address: String,
    pub hours: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub intake_criteria: String,
    pub cost: String,
    pub languages: Vec<String>,
    pub referral_method: String,
    pub next_step: String,
    pub version: i64,
}

impl From<ServiceListRow> for ServiceJson {
    fn from(r: ServiceListRow) -> Self {
        let organization = r.organization_name();
        let s = r.service;
        ServiceJson {
            id: s.guide_service_id,
            country: s.country_code,
            name: s.name,
            organization,
            institution_id: s.institution_id,
            institution_acronym: r.institution_acronym,
            area_id: s.area_id,
            area_name: r.area_name,
            description: s.description,
            address: s.address,
            hours: s.hours,
            phone: s.phone,
            email: s.email,
            intake_criteria: s.intake_criteria,
            cost: s.cost,
            languages: s
                .languages
                .split(',')
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            referral_method: s.referral_method,
            next_step: s.next_step,
            version: s.version,
        }
    }
}

/// GET /api/v1/guide/services?country=&q=&area=&cursor=&limit=
pub async fn services(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let limit = limit_of(&p)?;
    let country =
        match p.get("country") {
            None => None,
            Some(c) => Some(CountryCode::parse(c).ok_or_else(|| {
                AppError::BadRequest("country must be one of AR, LR, PY, TH".into())
            })?),
        };
    let uuid_param = |name: &str| -> Result<Option<Uuid>, AppError> {
        p.get(name)
            .map(|v| {
                Uuid::parse_str(v)
                    .map_err(|_| AppError::BadRequest(format!("{name} must be a UUID")))
            })
            .transpose()
    };
    let rows = state
        .app
        .guide_services(
            &u.actor,
            &ServiceQuery {
                country,
                name: p.get("q").map(str::to_owned),
                area_id: uuid_param("area")?,
                after: uuid_param("cursor")?,
                by_id: true,
                limit: limit + 1,
            },
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<ServiceJson> = rows
        .into_iter()
        .take(limit as usize)
        .map(ServiceJson::from)
        .collect();
    let next_cursor = if more {
        items.last().map(|s| s.id.to_string())
    } else {
        None
    };
    Ok(json(StatusCode::OK, &Page { items, next_cursor }))
}

/// GET /api/v1/guide/hsds?country= — the directory of a country (default: the caller's)
/// as Open Referral HSDS 3 JSON tables.
pub async fn hsds(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let country = match p.get("country") {
        None => u.actor.country.clone(),
        Some(c) => CountryCode::parse(c)
            .ok_or_else(|| AppError::BadRequest("country must be one of AR, LR, PY, TH".into()))?,
    };
    let export = state.app.hsds_export(&u.actor, &country).await?;
    Ok(json(StatusCode::OK, &export))
}
