//! Social cartography: mapping exercises, their features, and the figures of their
//! joint action plans that the results module counts.
//!
//! Invariants: a feature's `geometry` is only ever written after validation in domain;
//! `dimension` is stored with the feature so exports and layers need no category lookup.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A mapping exercise.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExerciseRow {
    pub exercise_id: Uuid,
    pub country_code: String,
    pub area_id: Uuid,
    pub name: String,
    pub purpose: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub plan_public: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A mapped feature.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeatureRow {
    pub feature_id: Uuid,
    pub exercise_id: Uuid,
    pub category: String,
    pub dimension: String,
    /// GeoJSON geometry object text.
    pub geometry: String,
    pub description: String,
    pub sensitivity: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

const EX_COLS: &str = "exercise_id, country_code, area_id, name, purpose, starts_on, ends_on, plan_public, created_at, updated_at, version";
const FEAT_COLS: &str = "feature_id, exercise_id, category, dimension, geometry, description, sensitivity, created_at, updated_at, version";

/// Exercises of a country (every country for `None`), by name.
pub async fn list_exercises(db: &Db, country: Option<&str>) -> anyhow::Result<Vec<ExerciseRow>> {
    let sql = format!(
        "select {EX_COLS} from cartography_exercise where (cast($1 as text) is null or country_code = cast($1 as text)) \
         order by lower(name), exercise_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await).context("list exercises")
}

/// One exercise.
pub async fn get_exercise(db: &Db, id: Uuid) -> anyhow::Result<Option<ExerciseRow>> {
    let sql = format!("select {EX_COLS} from cartography_exercise where exercise_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get exercise")
}

/// One exercise, inside a write transaction.
pub async fn get_exercise_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<ExerciseRow>> {
    let sql = format!("select {EX_COLS} from cartography_exercise where exercise_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get exercise")
}

/// Inserts an exercise.
pub async fn insert_exercise(tx: &mut Tx, e: &ExerciseRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into cartography_exercise ({EX_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(e.exercise_id).bind(&e.country_code).bind(e.area_id).bind(&e.name).bind(&e.purpose)
        .bind(&e.starts_on).bind(&e.ends_on).bind(e.plan_public).bind(e.created_at)
        .bind(e.updated_at).bind(e.version)
        .execute(c).await.map(|_| ()))
    .context("insert exercise")
}

/// Features of an exercise, oldest first.
pub async fn list_features(db: &Db, exercise: Uuid) -> anyhow::Result<Vec<FeatureRow>> {
    let sql = format!(
        "select {FEAT_COLS} from cartography_feature where exercise_id = $1 \
         order by created_at, feature_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(exercise).fetch_all(p).await).context("list features")
}

/// Inserts a feature.
pub async fn insert_feature(tx: &mut Tx, f: &FeatureRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into cartography_feature ({FEAT_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(f.feature_id).bind(f.exercise_id).bind(&f.category).bind(&f.dimension)
        .bind(&f.geometry).bind(&f.description).bind(&f.sensitivity).bind(f.created_at)
        .bind(f.updated_at).bind(f.version)
        .execute(c).await.map(|_| ()))
    .context("insert feature")
}

/// For the results module: the mapping exercises of a country.
pub async fn count_exercises(db: &Db, country: &str) -> anyhow::Result<i64> {
    let sql = "select count(*) from cartography_exercise where country_code = $1";
    on_db!(db, p => sqlx::query_scalar(sql).bind(country).fetch_one(p).await)
        .context("count exercises")
}

/// For the results module: the budget allocated by a country's action plans (top-level
/// actions that are not cancelled, so nested budgets are not counted twice), per
/// currency in minor units.
pub async fn budget_allocated(db: &Db, country: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let sql = "select a.currency, cast(sum(a.budget_minor) as bigint) from cartography_action a \
               join cartography_exercise e on e.exercise_id = a.exercise_id \
               where e.country_code = $1 and a.parent_id is null and a.status <> 'cancelled' \
               group by a.currency order by a.currency";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("budget allocated")
}

/// For the results module: actions of a country's plans that are done.
pub async fn actions_done(db: &Db, country: &str) -> anyhow::Result<i64> {
    let sql = "select count(*) from cartography_action a \
               join cartography_exercise e on e.exercise_id = a.exercise_id \
               where e.country_code = $1 and a.status = 'done'";
    on_db!(db, p => sqlx::query_scalar(sql).bind(country).fetch_one(p).await)
        .context("actions done")
}

/// An action of a joint action plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionRow {
    pub action_id: Uuid,
    pub exercise_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub title: String,
    pub institution_id: Uuid,
    pub level: String,
    pub budget_minor: i64,
    pub currency: String,
    pub status: String,
    pub progress: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

const ACTION_COLS: &str = "action_id, exercise_id, parent_id, title, institution_id, level, budget_minor, currency, status, progress, created_at, updated_at, version";

/// Inserts an action.
pub async fn insert_action(tx: &mut Tx, a: &ActionRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into cartography_action ({ACTION_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(a.action_id).bind(a.exercise_id).bind(a.parent_id).bind(&a.title)
        .bind(a.institution_id).bind(&a.level).bind(a.budget_minor).bind(&a.currency)
        .bind(&a.status).bind(a.progress).bind(a.created_at).bind(a.updated_at).bind(a.version)
        .execute(c).await.map(|_| ()))
    .context("insert action")
}
