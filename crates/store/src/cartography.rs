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
    /// The workshop of the same exercise that mapped it (0026).
    pub workshop_id: Option<Uuid>,
    /// Comma list of time codes.
    pub times: String,
    /// JSON array of `{"crime","risk"}` tags.
    pub vulnerabilities: String,
}

const EX_COLS: &str = "exercise_id, country_code, area_id, name, purpose, starts_on, ends_on, plan_public, created_at, updated_at, version";
const FEAT_COLS: &str = "feature_id, exercise_id, category, dimension, geometry, description, sensitivity, created_at, updated_at, version, workshop_id, times, vulnerabilities";

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
        "insert into cartography_feature ({FEAT_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(f.feature_id).bind(f.exercise_id).bind(&f.category).bind(&f.dimension)
        .bind(&f.geometry).bind(&f.description).bind(&f.sensitivity).bind(f.created_at)
        .bind(f.updated_at).bind(f.version).bind(f.workshop_id).bind(&f.times)
        .bind(&f.vulnerabilities)
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
    /// The finding of the mapping the action answers (0016).
    pub finding: String,
    /// The mapped feature the finding is about, if any.
    pub feature_id: Option<Uuid>,
    pub starts_on: Option<String>,
    pub due_on: Option<String>,
}

const ACTION_COLS: &str = "action_id, exercise_id, parent_id, title, institution_id, level, budget_minor, currency, status, progress, created_at, updated_at, version, finding, feature_id, starts_on, due_on";

/// Inserts an action.
pub async fn insert_action(tx: &mut Tx, a: &ActionRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into cartography_action ({ACTION_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(a.action_id).bind(a.exercise_id).bind(a.parent_id).bind(&a.title)
        .bind(a.institution_id).bind(&a.level).bind(a.budget_minor).bind(&a.currency)
        .bind(&a.status).bind(a.progress).bind(a.created_at).bind(a.updated_at).bind(a.version)
        .bind(&a.finding).bind(a.feature_id).bind(&a.starts_on).bind(&a.due_on)
        .execute(c).await.map(|_| ()))
    .context("insert action")
}

/// Switches an exercise's public plan page on or off.
pub async fn set_plan_public(
    tx: &mut Tx,
    id: Uuid,
    public: bool,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let sql = "update cartography_exercise set plan_public = $2, updated_at = $3, version = version + 1 \
               where exercise_id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(i64::from(public)).bind(now)
        .execute(c).await.map(|_| ()))
    .context("set plan public")
}

/// A workshop of an exercise: participant counts by group, never names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkshopRow {
    pub workshop_id: Uuid,
    pub exercise_id: Uuid,
    pub held_on: String,
    pub place: String,
    pub residents: i64,
    pub youth: i64,
    pub teachers: i64,
    pub health_workers: i64,
    pub officials: i64,
    pub other: i64,
    pub consent_noted: i64,
    pub created_at: OffsetDateTime,
}

impl WorkshopRow {
    /// Everyone who took part.
    pub fn total(&self) -> i64 {
        self.residents
            + self.youth
            + self.teachers
            + self.health_workers
            + self.officials
            + self.other
    }
}

const WS_COLS: &str = "workshop_id, exercise_id, held_on, place, residents, youth, teachers, health_workers, officials, other, consent_noted, created_at";

/// Inserts a workshop.
pub async fn insert_workshop(tx: &mut Tx, w: &WorkshopRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into cartography_workshop ({WS_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(w.workshop_id).bind(w.exercise_id).bind(&w.held_on).bind(&w.place)
        .bind(w.residents).bind(w.youth).bind(w.teachers).bind(w.health_workers)
        .bind(w.officials).bind(w.other).bind(w.consent_noted).bind(w.created_at)
        .execute(c).await.map(|_| ()))
    .context("insert workshop")
}

/// Workshops of an exercise by date.
pub async fn list_workshops(db: &Db, exercise: Uuid) -> anyhow::Result<Vec<WorkshopRow>> {
    let sql = format!(
        "select {WS_COLS} from cartography_workshop where exercise_id = $1 order by held_on, workshop_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(exercise).fetch_all(p).await)
        .context("list workshops")
}

/// Workshops of an exercise, inside a write transaction.
pub async fn list_workshops_tx(tx: &mut Tx, exercise: Uuid) -> anyhow::Result<Vec<WorkshopRow>> {
    let sql = format!(
        "select {WS_COLS} from cartography_workshop where exercise_id = $1 order by held_on, workshop_id"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(exercise).fetch_all(c).await)
        .context("list workshops")
}

/// One feature, inside a write transaction.
pub async fn get_feature_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<FeatureRow>> {
    let sql = format!("select {FEAT_COLS} from cartography_feature where feature_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get feature")
}

/// One feature.
pub async fn get_feature(db: &Db, id: Uuid) -> anyhow::Result<Option<FeatureRow>> {
    let sql = format!("select {FEAT_COLS} from cartography_feature where feature_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get feature")
}

/// Rewrites a feature if it is still at `expected` version; false when it changed.
pub async fn update_feature(tx: &mut Tx, f: &FeatureRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update cartography_feature set category = $2, dimension = $3, geometry = $4, \
               description = $5, sensitivity = $6, updated_at = $7, version = version + 1, \
               workshop_id = $9, times = $10, vulnerabilities = $11 \
               where feature_id = $1 and version = $8";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(f.feature_id).bind(&f.category).bind(&f.dimension).bind(&f.geometry)
        .bind(&f.description).bind(&f.sensitivity).bind(f.updated_at).bind(expected)
        .bind(f.workshop_id).bind(&f.times).bind(&f.vulnerabilities)
        .execute(c).await.map(|r| r.rows_affected() == 1))
    .context("update feature")
}

/// Removes a feature; actions that pointed at it keep their finding text.
pub async fn delete_feature(tx: &mut Tx, id: Uuid) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update cartography_action set feature_id = null where feature_id = $1")
        .bind(id).execute(c).await.map(|_| ()))
    .context("unlink feature")?;
    on_tx!(tx, c => sqlx::query("delete from cartography_feature where feature_id = $1")
        .bind(id).execute(c).await.map(|_| ()))
    .context("delete feature")
}

/// Actions of an exercise's plan, oldest first.
pub async fn list_actions(db: &Db, exercise: Uuid) -> anyhow::Result<Vec<ActionRow>> {
    let sql = format!(
        "select {ACTION_COLS} from cartography_action where exercise_id = $1 order by created_at, action_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(exercise).fetch_all(p).await).context("list actions")
}

/// One action, inside a write transaction.
pub async fn get_action_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<ActionRow>> {
    let sql = format!("select {ACTION_COLS} from cartography_action where action_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get action")
}

/// Sets an action's status and progress.
pub async fn set_action_status(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    progress: i64,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let sql = "update cartography_action set status = $2, progress = $3, updated_at = $4, \
               version = version + 1 where action_id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(status).bind(progress).bind(now)
        .execute(c).await.map(|_| ()))
    .context("set action status")
}

/// An update of an action over time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionUpdateRow {
    pub update_id: Uuid,
    pub action_id: Uuid,
    pub status: String,
    pub progress: i64,
    pub note: String,
    pub account_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

/// Appends an update.
pub async fn insert_update(tx: &mut Tx, u: &ActionUpdateRow) -> anyhow::Result<()> {
    let sql = "insert into cartography_action_update (update_id, action_id, status, progress, note, account_id, created_at) \
               values ($1,$2,$3,$4,$5,$6,$7)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(u.update_id).bind(u.action_id).bind(&u.status).bind(u.progress).bind(&u.note)
        .bind(u.account_id).bind(u.created_at)
        .execute(c).await.map(|_| ()))
    .context("insert action update")
}

/// Updates of an exercise's actions, oldest first.
pub async fn list_updates(db: &Db, exercise: Uuid) -> anyhow::Result<Vec<ActionUpdateRow>> {
    let sql = "select u.update_id, u.action_id, u.status, u.progress, u.note, u.account_id, u.created_at \
               from cartography_action_update u join cartography_action a on a.action_id = u.action_id \
               where a.exercise_id = $1 order by u.created_at, u.update_id";
    on_db!(db, p => sqlx::query_as(sql).bind(exercise).fetch_all(p).await)
        .context("list action updates")
}

/// A category an exercise adds to the default set (0022); the icon is sanitised SVG.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRow {
    pub category_id: Uuid,
    pub exercise_id: Uuid,
    pub code: String,
    pub kind: String,
    pub dimension: String,
    pub colour: String,
    pub label_en: String,
    pub label_es: String,
    pub label_th: String,
    pub icon: String,
    pub created_at: OffsetDateTime,
}

const CAT_COLS: &str = "category_id, exercise_id, code, kind, dimension, colour, label_en, label_es, label_th, icon, created_at";

/// Inserts an exercise's category.
pub async fn insert_category(tx: &mut Tx, c: &CategoryRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into cartography_category ({CAT_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
    );
    on_tx!(tx, x => sqlx::query(&sql)
        .bind(c.category_id).bind(c.exercise_id).bind(&c.code).bind(&c.kind)
        .bind(&c.dimension).bind(&c.colour).bind(&c.label_en).bind(&c.label_es)
        .bind(&c.label_th).bind(&c.icon).bind(c.created_at)
        .execute(x).await.map(|_| ()))
    .context("insert category")
}

/// An exercise's own categories, oldest first.
pub async fn list_categories(db: &Db, exercise: Uuid) -> anyhow::Result<Vec<CategoryRow>> {
    let sql = format!(
        "select {CAT_COLS} from cartography_category where exercise_id = $1 order by created_at, code"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(exercise).fetch_all(p).await)
        .context("list categories")
}

/// An exercise's own categories, inside a write transaction.
pub async fn list_categories_tx(tx: &mut Tx, exercise: Uuid) -> anyhow::Result<Vec<CategoryRow>> {
    let sql = format!(
        "select {CAT_COLS} from cartography_category where exercise_id = $1 order by created_at, code"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(exercise).fetch_all(c).await)
        .context("list categories")
}
