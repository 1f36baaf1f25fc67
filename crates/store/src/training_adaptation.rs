//! Institutional adaptations of the master curriculum: the adaptation, its items (master
//! presentations in the institution's order, with the master version each took and the
//! newer version left, if any) and the set of master presentations it already knows
//! about (anything else in the master is "new" for it).

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// An adaptation, with its institution's country and acronym, and how many master
/// changes and new presentations await a decision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdaptationRow {
    pub training_adaptation_id: Uuid,
    pub institution_id: Uuid,
    pub title: String,
    pub framework: Option<String>,
    pub stage: String,
    pub notes: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
    pub country_code: String,
    pub institution_acronym: String,
    /// Items in the adaptation.
    pub items: i64,
    /// Master changes and new master presentations awaiting a take/leave decision.
    pub pending: i64,
}

/// An item of an adaptation with its master presentation as it is now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemView {
    pub training_presentation_id: Uuid,
    pub ordinal: i64,
    pub local_note: Option<String>,
    /// The master version taken.
    pub presentation_version: i64,
    /// A newer master version seen and left.
    pub left_version: Option<i64>,
    /// The master's current version.
    pub master_version: i64,
    /// The master's current title and duration (core shows the version taken's while a
    /// change is pending).
    pub title: String,
    pub duration_minutes: i64,
    pub module_ordinal: i64,
    pub presentation_ordinal: i64,
}

/// A master presentation the adaptation has not met yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NewPresentation {
    pub training_presentation_id: Uuid,
    pub title: String,
    pub summary: String,
    pub duration_minutes: i64,
    pub version: i64,
    pub module_ordinal: i64,
    pub presentation_ordinal: i64,
}

/// An item as the use cases need it to check a decision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub training_presentation_id: Uuid,
    pub ordinal: i64,
    pub presentation_version: i64,
    pub left_version: Option<i64>,
}

/// Filter for listing adaptations; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct AdaptationFilter {
    pub country: Option<String>,
    pub institution_id: Option<Uuid>,
}

const PENDING: &str = "(select count(*) from training_adaptation_item x join training_presentation p on p.training_presentation_id = x.training_presentation_id \
    where x.training_adaptation_id = a.training_adaptation_id and p.version > x.presentation_version \
    and (x.left_version is null or p.version > x.left_version)) \
    + (select count(*) from training_presentation p where not exists (select 1 from training_adaptation_known k \
    where k.training_adaptation_id = a.training_adaptation_id and k.training_presentation_id = p.training_presentation_id))";

fn select() -> String {
    format!(
        "select a.training_adaptation_id, a.institution_id, a.title, a.framework, a.stage, a.notes, a.created_at, a.updated_at, a.version, \
         i.country_code, i.acronym as institution_acronym, \
         (select count(*) from training_adaptation_item x where x.training_adaptation_id = a.training_adaptation_id) as items, \
         {PENDING} as pending \
         from training_adaptation a join institution i on i.institution_id = a.institution_id"
    )
}

/// Adaptations matching `f`, by institution and title.
pub async fn list_adaptations(db: &Db, f: &AdaptationFilter) -> anyhow::Result<Vec<AdaptationRow>> {
    let sql = format!(
        "{} where ($1 is null or i.country_code = $1) and ($2 is null or a.institution_id = $2) \
         order by i.acronym, lower(a.title), a.training_adaptation_id limit 500",
        select()
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(&f.country).bind(f.institution_id).fetch_all(p).await)
        .context("list adaptations")
}

/// One adaptation.
pub async fn get_adaptation(db: &Db, id: Uuid) -> anyhow::Result<Option<AdaptationRow>> {
    let sql = format!("{} where a.training_adaptation_id = $1", select());
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get adaptation")
}

/// One adaptation, inside a write transaction.
pub async fn get_adaptation_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<AdaptationRow>> {
    let sql = format!("{} where a.training_adaptation_id = $1", select());
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get adaptation")
}

/// Inserts an adaptation (the joined and counted fields are ignored).
pub async fn insert_adaptation(tx: &mut Tx, a: &AdaptationRow) -> anyhow::Result<()> {
    let sql = "insert into training_adaptation (training_adaptation_id, institution_id, title, framework, stage, notes, \
               created_at, updated_at, version) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(a.training_adaptation_id).bind(a.institution_id).bind(&a.title).bind(&a.framework)
        .bind(&a.stage).bind(&a.notes).bind(a.created_at).bind(a.updated_at).bind(a.version)
        .execute(c).await.map(|_| ()))
    .context("insert adaptation")
}

/// Updates title, framework, stage and notes if the stored version is still `expected`;
/// false when stale.
pub async fn update_adaptation(
    tx: &mut Tx,
    a: &AdaptationRow,
    expected: i64,
) -> anyhow::Result<bool> {
    let sql = "update training_adaptation set title = $2, framework = $3, stage = $4, notes = $5, updated_at = $6, \
               version = version + 1 where training_adaptation_id = $1 and version = $7";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(a.training_adaptation_id).bind(&a.title).bind(&a.framework).bind(&a.stage)
        .bind(&a.notes).bind(a.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update adaptation")?;
    Ok(n == 1)
}

/// Marks the adaptation changed (an item changed) without touching its version, so an
/// open edit form of the title and stage is not made stale by reordering.
pub async fn touch_adaptation(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update training_adaptation set updated_at = $2 where training_adaptation_id = $1")
        .bind(id).bind(now).execute(c).await.map(|_| ()))
    .context("touch adaptation")
}

/// Items of an adaptation in its order, with the master as it is now.
pub async fn list_items(db: &Db, id: Uuid) -> anyhow::Result<Vec<ItemView>> {
    let sql = "select x.training_presentation_id, x.ordinal, x.local_note, x.presentation_version, x.left_version, \
               p.version as master_version, p.title, p.duration_minutes, m.ordinal as module_ordinal, p.ordinal as presentation_ordinal \
               from training_adaptation_item x join training_presentation p on p.training_presentation_id = x.training_presentation_id \
               join training_module m on m.training_module_id = p.training_module_id \
               where x.training_adaptation_id = $1 order by x.ordinal, x.training_presentation_id";
    on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)
        .context("list adaptation items")
}

/// Items of an adaptation in its order (tx).
pub async fn items_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Vec<ItemRow>> {
    let sql = "select training_presentation_id, ordinal, presentation_version, left_version from training_adaptation_item \
               where training_adaptation_id = $1 order by ordinal, training_presentation_id";
    on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_all(c).await)
        .context("list adaptation items")
}

/// Adds an item at `ordinal`, taking master `version`; false when the presentation is
/// already in the adaptation (a concurrent add).
pub async fn insert_item(
    tx: &mut Tx,
    adaptation: Uuid,
    presentation: Uuid,
    ordinal: i64,
    version: i64,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let sql = "insert into training_adaptation_item (training_adaptation_item_id, training_adaptation_id, training_presentation_id, \
               ordinal, local_note, presentation_version, left_version, created_at, updated_at) values ($1,$2,$3,$4,null,$5,null,$6,$6) \
               on conflict (training_adaptation_id, training_presentation_id) do nothing";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(Uuid::now_v7()).bind(adaptation).bind(presentation).bind(ordinal).bind(version).bind(now)
        .execute(c).await.map(|r| r.rows_affected() == 1))
    .context("insert adaptation item")
}

/// Removes an item; false when it was not there.
pub async fn delete_item(
    tx: &mut Tx,
    adaptation: Uuid,
    presentation: Uuid,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("delete from training_adaptation_item where training_adaptation_id = $1 and training_presentation_id = $2")
        .bind(adaptation).bind(presentation).execute(c).await.map(|r| r.rows_affected()))
    .context("delete adaptation item")?;
    Ok(n == 1)
}

/// Sets an item's place in the order.
pub async fn set_ordinal(
    tx: &mut Tx,
    adaptation: Uuid,
    presentation: Uuid,
    ordinal: i64,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update training_adaptation_item set ordinal = $3, updated_at = $4 where training_adaptation_id = $1 and training_presentation_id = $2")
        .bind(adaptation).bind(presentation).bind(ordinal).bind(now).execute(c).await.map(|_| ()))
    .context("reorder adaptation item")
}

/// Sets an item's local note; false when the item is not there.
pub async fn set_note(
    tx: &mut Tx,
    adaptation: Uuid,
    presentation: Uuid,
    note: Option<&str>,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update training_adaptation_item set local_note = $3, updated_at = $4 where training_adaptation_id = $1 and training_presentation_id = $2")
        .bind(adaptation).bind(presentation).bind(note).bind(now).execute(c).await.map(|r| r.rows_affected()))
    .context("set adaptation note")?;
    Ok(n == 1)
}

/// Moves an item to master `version` (taken); clears any left version.
pub async fn set_taken(
    tx: &mut Tx,
    adaptation: Uuid,
    presentation: Uuid,
    version: i64,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update training_adaptation_item set presentation_version = $3, left_version = null, updated_at = $4 \
        where training_adaptation_id = $1 and training_presentation_id = $2")
        .bind(adaptation).bind(presentation).bind(version).bind(now).execute(c).await.map(|_| ()))
    .context("take master change")
}

/// Records master `version` as seen and left for an item.
pub async fn set_left(
    tx: &mut Tx,
    adaptation: Uuid,
    presentation: Uuid,
    version: i64,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update training_adaptation_item set left_version = $3, updated_at = $4 \
        where training_adaptation_id = $1 and training_presentation_id = $2")
        .bind(adaptation).bind(presentation).bind(version).bind(now).execute(c).await.map(|_| ()))
    .context("leave master change")
}

/// Records every presentation of the master as known to the adaptation (at creation).
pub async fn know_all(tx: &mut Tx, adaptation: Uuid, now: OffsetDateTime) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("insert into training_adaptation_known (training_adaptation_id, training_presentation_id, created_at) \
        select $1, training_presentation_id, $2 from training_presentation")
        .bind(adaptation).bind(now).execute(c).await.map(|_| ()))
    .context("record known presentations")
}

/// Records one presentation as known to the adaptation (idempotent).
pub async fn know(
    tx: &mut Tx,
    adaptation: Uuid,
    presentation: Uuid,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("insert into training_adaptation_known (training_adaptation_id, training_presentation_id, created_at) \
        values ($1, $2, $3) on conflict (training_adaptation_id, training_presentation_id) do nothing")
        .bind(adaptation).bind(presentation).bind(now).execute(c).await.map(|_| ()))
    .context("record known presentation")
}

/// True when the adaptation already knows the presentation (tx).
pub async fn is_known_tx(
    tx: &mut Tx,
    adaptation: Uuid,
    presentation: Uuid,
) -> anyhow::Result<bool> {
    let n: (i64,) = on_tx!(tx, c => sqlx::query_as("select count(*) from training_adaptation_known where training_adaptation_id = $1 and training_presentation_id = $2")
        .bind(adaptation).bind(presentation).fetch_one(c).await)
    .context("check known presentation")?;
    Ok(n.0 > 0)
}

/// Master presentations the adaptation has not met yet, in master order.
pub async fn new_in_master(db: &Db, adaptation: Uuid) -> anyhow::Result<Vec<NewPresentation>> {
    let sql = "select p.training_presentation_id, p.title, p.summary, p.duration_minutes, p.version, m.ordinal as module_ordinal, \
               p.ordinal as presentation_ordinal from training_presentation p \
               join training_module m on m.training_module_id = p.training_module_id \
               where not exists (select 1 from training_adaptation_known k where k.training_adaptation_id = $1 \
               and k.training_presentation_id = p.training_presentation_id) \
               order by m.ordinal, p.ordinal, p.training_presentation_id";
    on_db!(db, p => sqlx::query_as(sql).bind(adaptation).fetch_all(p).await)
        .context("list new master presentations")
}

/// (id, title) of an institution's adaptations, by title, for choosing a course's.
pub async fn choices(
    db: &Db,
    institution: Option<Uuid>,
) -> anyhow::Result<Vec<(Uuid, Uuid, String)>> {
    let sql = "select a.training_adaptation_id, a.institution_id, a.title from training_adaptation a \
               where ($1 is null or a.institution_id = $1) order by lower(a.title), a.training_adaptation_id limit 500";
    on_db!(db, p => sqlx::query_as(sql).bind(institution).fetch_all(p).await)
        .context("list adaptation choices")
}

/// The institution an adaptation belongs to (tx).
pub async fn institution_of_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<Uuid>> {
    let r: Option<(Uuid,)> = on_tx!(tx, c => sqlx::query_as("select institution_id from training_adaptation where training_adaptation_id = $1")
        .bind(id).fetch_optional(c).await)
    .context("get adaptation institution")?;
    Ok(r.map(|r| r.0))
}

/// Courses that run an adaptation, as (id, title, stage).
pub async fn courses_of(db: &Db, id: Uuid) -> anyhow::Result<Vec<(Uuid, String, String)>> {
    on_db!(db, p => sqlx::query_as("select training_course_id, title, stage from training_course where training_adaptation_id = $1 order by lower(title), training_course_id")
        .bind(id).fetch_all(p).await)
    .context("list courses of adaptation")
}
