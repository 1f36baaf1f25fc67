//! Cases over JSON: the cases within the caller's reach (identified by or referred to
//! their institution) and one case, with `persons[].name` and the other identifying
//! fields only for callers allowed to see them (each such read audited by core).

use super::{Page, json, limit_of};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiUser, Params};
use atlas_core::cases::{CaseQuery, CaseView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use uuid::Uuid;

/// GET /api/v1/cases?view=mine|referred|all&status=&class=&cursor=&limit=
pub async fn list(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let view = match p.get("view") {
        None | Some("all") => CaseView::All,
        Some("mine") => CaseView::Mine,
        Some("referred") => CaseView::Referred,
        Some(_) => {
            return Err(AppError::BadRequest(
                "view must be mine, referred or all".into(),
            ));
        }
    };
    let limit = limit_of(&p)?;
    let after = match p.get("cursor") {
        None => None,
        Some(c) => Some(
            Uuid::parse_str(c)
                .map_err(|_| AppError::BadRequest("cursor must be a next_cursor value".into()))?,
        ),
    };
    let rows = state
        .app
        .case_list(
            &u.actor,
            &CaseQuery {
                view,
                status: p.get("status").map(str::to_owned),
                class: p.get("class").map(str::to_owned),
                code_prefix: p.get("code").map(str::to_owned),
                after,
                limit: limit + 1,
            },
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<serde_json::Value> = rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(50))
        .map(|r| {
            json!({"id": r.case_id, "code": r.code, "identified_on": r.identified_on,
                   "classification": split(&r.classes), "exploitation_types": split(&r.exploitation_types),
                   "status": r.status, "institution": r.acronym})
        })
        .collect();
    let next_cursor = if more {
        items
            .last()
            .and_then(|v| v["id"].as_str())
            .map(str::to_owned)
    } else {
        None
    };
    Ok(json(StatusCode::OK, &Page { items, next_cursor }))
}

fn split(s: &str) -> Vec<&str> {
    s.split(',').filter(|x| !x.is_empty()).collect()
}

/// GET /api/v1/cases/{id}
pub async fn get(
    State(state): State<AppState>,
    u: ApiUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let d = state.app.case_detail(&u.actor, id).await?;
    let c = &d.case;
    let persons: Vec<serde_json::Value> = d
        .persons
        .iter()
        .map(|p| {
            let mut v = json!({"id": p.id, "role": p.role, "age_band": p.age_band, "sex": p.sex,
                "nationality": p.nationality, "languages": p.languages, "needs": p.needs});
            if let Some(i) = &p.identity {
                v["name"] = json!(i.name);
                v["document_number"] = json!(i.document_number);
                v["contact"] = json!(i.contact);
                v["address"] = json!(i.address);
            }
            v
        })
        .collect();
    let referrals: Vec<serde_json::Value> = d
        .referrals
        .iter()
        .map(|r| {
            json!({"id": r.r.case_referral_id, "from": r.from_acronym, "to": r.to_acronym,
                "need": r.r.need, "state": r.r.state, "due_at": r.r.due_at.to_string(),
                "version": r.r.version})
        })
        .collect();
    let legal: Vec<serde_json::Value> = d
        .legal
        .iter()
        .map(|s| {
            json!({"kind": s.kind, "occurred_on": s.occurred_on, "outcome": s.outcome,
                "penalty_months": s.penalty_months})
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &json!({"id": c.case_id, "code": c.code, "country": c.country_code,
            "institution": d.institution_acronym, "identified_on": c.identified_on,
            "area": d.area_name, "sector": c.sector, "classification": split(&c.classes),
            "proposed_classification": split(&c.proposed_classes),
            "exploitation_types": split(&c.exploitation_types),
            "means_of_control": split(&c.means_of_control), "status": c.status,
            "persons": persons, "referrals": referrals, "legal_track": legal,
            "version": c.version}),
    ))
}
