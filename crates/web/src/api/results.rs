//! Key results over JSON: a country's figures computed from live data (no personal
//! data). Figures of modules that do not exist yet are `null`, and `sources` says for
//! every figure which module it comes from and whether it is recorded.

use super::json;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiUser, Params};
use atlas_domain::directory::CountryCode;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// GET /api/v1/results/key?country=AR
pub async fn key(
    State(state): State<AppState>,
    u: ApiUser,
    p: Params,
) -> Result<Response, AppError> {
    let country = match p.get("country") {
        None => u.actor.country.clone(),
        Some(c) => CountryCode::parse(c)
            .ok_or_else(|| AppError::BadRequest("country must be one of AR, LR, PY, TH".into()))?,
    };
    let k = state.app.key_results(&u.actor, &country).await?;
    let missing = k.not_yet_recorded();
    let status = |name: &str| {
        if missing.contains(&name) {
            "not_yet_recorded"
        } else {
            "recorded"
        }
    };
    let by_stage: serde_json::Map<String, serde_json::Value> = k
        .models_by_stage
        .iter()
        .map(|(s, n)| (s.clone(), serde_json::Value::from(*n)))
        .collect();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "country": k.country,
            "individuals_trained": k.individuals_trained,
            "institutions_targeted": k.institutions_targeted,
            "institutions_integrated": k.institutions_integrated,
            "models_total": k.models_total,
            "models_in_implementation": k.models_in_implementation,
            "all_models_in_implementation": k.all_models_in_implementation,
            "models_by_stage": by_stage,
            "mapping_exercises": k.mapping_exercises,
            "budget_allocated": k.budget_allocated,
            "actions_done": k.actions_done,
            "guides_final": k.guides_final,
            "cases_identified": k.cases_identified,
            "referrals_made": k.referrals_made,
            "referrals_completed": k.referrals_completed,
            "sources": {
                "individuals_trained": {"module": "training", "status": "recorded"},
                "institutions_targeted": {"module": "training", "status": "recorded"},
                "institutions_integrated": {"module": "training", "status": "recorded"},
                "models_in_implementation": {"module": "models", "status": "recorded"},
                "mapping_exercises": {"module": "cartography", "status": status("mapping_exercises")},
                "budget_allocated": {"module": "cartography", "status": status("budget_allocated")},
                "actions_done": {"module": "cartography", "status": status("actions_done")},
                "guides_final": {"module": "guide", "status": status("guides_final")},
                "cases_identified": {"module": "cases", "status": status("cases_identified")},
                "referrals_made": {"module": "cases", "status": status("referrals_made")},
                "referrals_completed": {"module": "cases", "status": status("referrals_completed")}
            }
        }),
    ))
}
