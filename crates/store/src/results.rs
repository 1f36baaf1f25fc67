//! Results: gaps and the institutions they concern, models of practice with their gaps,
//! partners and lifecycle timeline, and each country's fact sheet profile.
//!
//! Invariants: a model's `stage` always equals the `to_stage` of its latest move (both
//! are written in the same transaction by core); moves are only ever inserted.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A gap of a country's assessment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GapRow {
    pub gap_id: Uuid,
    pub country_code: String,
    pub title: String,
    pub description: String,
    pub severity: String,
    pub evidence_source: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A Differentiated Model of Practice.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModelRow {
    pub model_id: Uuid,
    pub country_code: String,
    pub name: String,
    pub summary: String,
    pub module_code: String,
    pub stage: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// One entry of a model's timeline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MoveRow {
    pub model_move_id: Uuid,
    pub model_id: Uuid,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub evidence: String,
    pub moved_by: Option<Uuid>,
    pub moved_at: OffsetDateTime,
}

/// A timeline entry with the display name of who made the move (`None`: the operator).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MoveView {
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub evidence: String,
    pub moved_by: Option<String>,
    pub moved_at: OffsetDateTime,
}

/// An institution linked to a gap or a model: (owner id, institution id, acronym).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkedInstitution {
    pub owner_id: Uuid,
    pub institution_id: Uuid,
    pub acronym: String,
}

/// A country's fact sheet profile.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProfileRow {
    pub country_code: String,
    pub overview: String,
    pub contact: String,
    pub funding: String,
    pub factsheet_published: bool,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

const GAP_COLS: &str = "gap_id, country_code, title, description, severity, evidence_source, created_at, updated_at, version";
const MODEL_COLS: &str =
    "model_id, country_code, name, summary, module_code, stage, created_at, updated_at, version";
const PROFILE_COLS: &str = "country_code, overview, contact, funding, factsheet_published <> 0 as factsheet_published, updated_at, version";

// ---- gaps ----

/// Gaps of a country, most severe first, then by title.
pub async fn list_gaps(db: &Db, country: &str) -> anyhow::Result<Vec<GapRow>> {
    let sql = format!(
        "select {GAP_COLS} from gap where country_code = $1 \
         order by case severity when 'high' then 0 when 'medium' then 1 else 2 end, lower(title), gap_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await).context("list gaps")
}

/// One gap.
pub async fn get_gap(db: &Db, id: Uuid) -> anyhow::Result<Option<GapRow>> {
    let sql = format!("select {GAP_COLS} from gap where gap_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get gap")
}

/// One gap, inside a write transaction.
pub async fn get_gap_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<GapRow>> {
    let sql = format!("select {GAP_COLS} from gap where gap_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get gap")
}

/// Inserts a gap.
pub async fn insert_gap(tx: &mut Tx, g: &GapRow) -> anyhow::Result<()> {
    let sql = format!("insert into gap ({GAP_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(g.gap_id).bind(&g.country_code).bind(&g.title).bind(&g.description).bind(&g.severity)
        .bind(&g.evidence_source).bind(g.created_at).bind(g.updated_at).bind(g.version)
        .execute(c).await.map(|_| ()))
    .context("insert gap")
}

/// Updates a gap if its stored version is still `expected`; false when stale.
pub async fn update_gap(tx: &mut Tx, g: &GapRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update gap set title = $2, description = $3, severity = $4, evidence_source = $5, \
               updated_at = $6, version = version + 1 where gap_id = $1 and version = $7";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(g.gap_id).bind(&g.title).bind(&g.description).bind(&g.severity)
        .bind(&g.evidence_source).bind(g.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update gap")?;
    Ok(n == 1)
}

/// Replaces the institutions a gap concerns.
pub async fn set_gap_institutions(tx: &mut Tx, gap: Uuid, ids: &[Uuid]) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("delete from gap_institution where gap_id = $1").bind(gap).execute(c).await.map(|_| ()))
        .context("clear gap institutions")?;
    for id in ids {
        on_tx!(tx, c => sqlx::query("insert into gap_institution (gap_id, institution_id) values ($1, $2)")
            .bind(gap).bind(id).execute(c).await.map(|_| ()))
        .context("link gap institution")?;
    }
    Ok(())
}

/// Institutions concerned by the gaps of a country.
pub async fn gap_institutions(db: &Db, country: &str) -> anyhow::Result<Vec<LinkedInstitution>> {
    let sql = "select gi.gap_id as owner_id, i.institution_id, i.acronym from gap_institution gi \
               join gap g on g.gap_id = gi.gap_id join institution i on i.institution_id = gi.institution_id \
               where g.country_code = $1 order by i.acronym";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("list gap institutions")
}

/// How many of `ids` are institutions of `country`.
pub async fn count_institutions_in(
    tx: &mut Tx,
    country: &str,
    ids: &[Uuid],
) -> anyhow::Result<usize> {
    let mut n = 0;
    for id in ids {
        let (k,): (i64,) = on_tx!(tx, c => sqlx::query_as("select count(*) from institution where institution_id = $1 and country_code = $2")
            .bind(id).bind(country).fetch_one(c).await)
        .context("check institution")?;
        n += usize::try_from(k).unwrap_or(0);
    }
    Ok(n)
}

/// How many of `ids` are gaps of `country`.
pub async fn count_gaps_in(tx: &mut Tx, country: &str, ids: &[Uuid]) -> anyhow::Result<usize> {
    let mut n = 0;
    for id in ids {
        let (k,): (i64,) = on_tx!(tx, c => sqlx::query_as("select count(*) from gap where gap_id = $1 and country_code = $2")
            .bind(id).bind(country).fetch_one(c).await)
        .context("check gap")?;
        n += usize::try_from(k).unwrap_or(0);
    }
    Ok(n)
}

// ---- models ----

/// Models of a country, by name.
pub async fn list_models(db: &Db, country: &str) -> anyhow::Result<Vec<ModelRow>> {
    let sql = format!(
        "select {MODEL_COLS} from model where country_code = $1 order by created_at, lower(name), model_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await).context("list models")
}

/// One model.
pub async fn get_model(db: &Db, id: Uuid) -> anyhow::Result<Option<ModelRow>> {
    let sql = format!("select {MODEL_COLS} from model where model_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get model")
}

/// One model, inside a write transaction.
pub async fn get_model_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<ModelRow>> {
    let sql = format!("select {MODEL_COLS} from model where model_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get model")
}

/// Inserts a model with its gaps and partners.
pub async fn insert_model(
    tx: &mut Tx,
    m: &ModelRow,
    gaps: &[Uuid],
    partners: &[Uuid],
) -> anyhow::Result<()> {
    let sql = format!("insert into model ({MODEL_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(m.model_id).bind(&m.country_code).bind(&m.name).bind(&m.summary).bind(&m.module_code)
        .bind(&m.stage).bind(m.created_at).bind(m.updated_at).bind(m.version)
        .execute(c).await.map(|_| ()))
    .context("insert model")?;
    for g in gaps {
        on_tx!(tx, c => sqlx::query("insert into model_gap (model_id, gap_id) values ($1, $2)")
            .bind(m.model_id).bind(g).execute(c).await.map(|_| ()))
        .context("link model gap")?;
    }
    for i in partners {
        on_tx!(tx, c => sqlx::query("insert into model_partner (model_id, institution_id) values ($1, $2)")
            .bind(m.model_id).bind(i).execute(c).await.map(|_| ()))
        .context("link model partner")?;
    }
    Ok(())
}

/// Sets a model's stage if its version is still `expected`; false when stale.
pub async fn set_model_stage(
    tx: &mut Tx,
    id: Uuid,
    stage: &str,
    at: OffsetDateTime,
    expected: i64,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update model set stage = $2, updated_at = $3, version = version + 1 where model_id = $1 and version = $4")
        .bind(id).bind(stage).bind(at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("set model stage")?;
    Ok(n == 1)
}

/// Appends a timeline entry.
pub async fn insert_move(tx: &mut Tx, m: &MoveRow) -> anyhow::Result<()> {
    let sql = "insert into model_move (model_move_id, model_id, from_stage, to_stage, evidence, moved_by, moved_at) \
               values ($1,$2,$3,$4,$5,$6,$7)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(m.model_move_id).bind(m.model_id).bind(&m.from_stage).bind(&m.to_stage)
        .bind(&m.evidence).bind(m.moved_by).bind(m.moved_at)
        .execute(c).await.map(|_| ()))
    .context("insert model move")
}

/// A model's timeline, oldest first.
pub async fn list_moves(db: &Db, model: Uuid) -> anyhow::Result<Vec<MoveView>> {
    let sql = "select m.from_stage, m.to_stage, m.evidence, a.display_name as moved_by, m.moved_at \
               from model_move m left join account a on a.account_id = m.moved_by \
               where m.model_id = $1 order by m.moved_at, m.model_move_id";
    on_db!(db, p => sqlx::query_as(sql).bind(model).fetch_all(p).await).context("list model moves")
}

/// Partners of the models of a country.
pub async fn model_partners(db: &Db, country: &str) -> anyhow::Result<Vec<LinkedInstitution>> {
    let sql = "select mp.model_id as owner_id, i.institution_id, i.acronym from model_partner mp \
               join model m on m.model_id = mp.model_id join institution i on i.institution_id = mp.institution_id \
               where m.country_code = $1 order by i.acronym";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("list model partners")
}

/// Gaps addressed by one model: (gap id, title).
pub async fn model_gaps(db: &Db, model: Uuid) -> anyhow::Result<Vec<(Uuid, String)>> {
    let sql = "select g.gap_id, g.title from model_gap mg join gap g on g.gap_id = mg.gap_id \
               where mg.model_id = $1 order by lower(g.title)";
    on_db!(db, p => sqlx::query_as(sql).bind(model).fetch_all(p).await).context("list model gaps")
}

/// Number of models of a country per stage.
pub async fn models_by_stage(db: &Db, country: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let sql = "select stage, count(*) from model where country_code = $1 group by stage";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("count models by stage")
}

// ---- fact sheet profile ----

/// A country's profile, if one was saved.
pub async fn get_profile(db: &Db, country: &str) -> anyhow::Result<Option<ProfileRow>> {
    let sql = format!("select {PROFILE_COLS} from country_profile where country_code = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_optional(p).await)
        .context("get country profile")
}

/// Inserts the first profile of a country (version 1); false when one exists already.
pub async fn insert_profile(tx: &mut Tx, p: &ProfileRow) -> anyhow::Result<bool> {
    let sql = "insert into country_profile (country_code, overview, contact, funding, factsheet_published, updated_at, version) \
               values ($1,$2,$3,$4,$5,$6,1) on conflict (country_code) do nothing";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(&p.country_code).bind(&p.overview).bind(&p.contact).bind(&p.funding)
        .bind(i64::from(p.factsheet_published)).bind(p.updated_at)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("insert country profile")?;
    Ok(n == 1)
}

/// Updates a profile if its version is still `expected`; false when stale.
pub async fn update_profile(tx: &mut Tx, p: &ProfileRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update country_profile set overview = $2, contact = $3, funding = $4, factsheet_published = $5, \
               updated_at = $6, version = version + 1 where country_code = $1 and version = $7";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(&p.country_code).bind(&p.overview).bind(&p.contact).bind(&p.funding)
        .bind(i64::from(p.factsheet_published)).bind(p.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update country profile")?;
    Ok(n == 1)
}
