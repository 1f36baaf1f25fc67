//! Results dashboard reads: every target and every period's latest manual value of a
//! country's indicators in one query each (the dashboard shows several periods at once),
//! and the models of practice with their stage at an instant, by name (the records behind
//! "models in implementation").
//!
//! The rules are those of [`crate::results`]: the latest manual value of a period counts
//! (latest `entered_at`, ties broken by id); a model's stage at an instant is the
//! `to_stage` of its latest move on or before it.

use crate::{Db, on_db};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// Every target of a country's indicators: (indicator id, period code, target).
pub async fn targets_of_country(
    db: &Db,
    country: &str,
) -> anyhow::Result<Vec<(Uuid, String, i64)>> {
    let sql = "select t.indicator_id, t.period_code, t.target from indicator_target t \
               join indicator i on i.indicator_id = t.indicator_id \
               join result_node n on n.result_node_id = i.result_node_id where n.country_code = $1";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("targets of country")
}

/// The latest manual value of each indicator and period of a country:
/// (indicator id, period code, value).
pub async fn latest_values_of_country(
    db: &Db,
    country: &str,
) -> anyhow::Result<Vec<(Uuid, String, i64)>> {
    let sql = "select v.indicator_id, v.period_code, v.value from indicator_value v \
               join indicator i on i.indicator_id = v.indicator_id join result_node n on n.result_node_id = i.result_node_id \
               where n.country_code = $1 and not exists (select 1 from indicator_value w \
               where w.indicator_id = v.indicator_id and w.period_code = v.period_code and \
               (w.entered_at > v.entered_at or (w.entered_at = v.entered_at and w.indicator_value_id > v.indicator_value_id)))";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("latest values of country")
}

/// A model with its stage at an instant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModelAt {
    pub model_id: Uuid,
    pub country_code: String,
    pub name: String,
    pub module_code: String,
    /// The stage at the instant (the `to_stage` of the latest move until then).
    pub stage: String,
    /// When the model reached that stage.
    pub since: OffsetDateTime,
}

/// Models of a country (or of every country) as at `until`; models created later are
/// left out. The rule of [`crate::results::model_stages_at`], with names.
pub async fn models_at(
    db: &Db,
    country: Option<&str>,
    until: OffsetDateTime,
) -> anyhow::Result<Vec<ModelAt>> {
    let sql = "select m.model_id, m.country_code, m.name, m.module_code, mv.to_stage as stage, mv.moved_at as since \
               from model_move mv join model m on m.model_id = mv.model_id \
               where ($1 is null or m.country_code = $1) and mv.moved_at <= $2 and not exists (select 1 from model_move w \
               where w.model_id = mv.model_id and w.moved_at <= $2 and \
               (w.moved_at > mv.moved_at or (w.moved_at = mv.moved_at and w.model_move_id > mv.model_move_id))) \
               order by m.country_code, m.name, m.model_id";
    on_db!(db, p => sqlx::query_as(sql).bind(country).bind(until).fetch_all(p).await)
        .context("models at")
}
