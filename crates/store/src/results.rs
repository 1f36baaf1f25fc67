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
    /// The language `name` and `summary` are written in.
    pub text_lang: String,
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
    pub model_move_id: Uuid,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub evidence: String,
    pub moved_by: Option<String>,
    pub moved_at: OffsetDateTime,
    /// The evidence file's name and size, when the move has one.
    pub file_name: Option<String>,
    pub file_size: Option<i64>,
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
    /// The language `overview`, `contact` and `funding` are written in.
    pub text_lang: String,
}

const GAP_COLS: &str = "gap_id, country_code, title, description, severity, evidence_source, created_at, updated_at, version";
const MODEL_COLS: &str = "model_id, country_code, name, summary, module_code, stage, created_at, updated_at, version, text_lang";
const PROFILE_COLS: &str = "country_code, overview, contact, funding, factsheet_published <> 0 as factsheet_published, updated_at, version, text_lang";

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
    let sql = format!("insert into model ({MODEL_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(m.model_id).bind(&m.country_code).bind(&m.name).bind(&m.summary).bind(&m.module_code)
        .bind(&m.stage).bind(m.created_at).bind(m.updated_at).bind(m.version).bind(&m.text_lang)
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
    let sql = "select m.model_move_id, m.from_stage, m.to_stage, m.evidence, a.display_name as moved_by, m.moved_at, \
               f.file_name, f.size_bytes as file_size \
               from model_move m left join account a on a.account_id = m.moved_by \
               left join model_move_file f on f.model_move_id = m.model_move_id \
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
    let sql = "insert into country_profile (country_code, overview, contact, funding, factsheet_published, updated_at, version, text_lang) \
               values ($1,$2,$3,$4,$5,$6,1,$7) on conflict (country_code) do nothing";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(&p.country_code).bind(&p.overview).bind(&p.contact).bind(&p.funding)
        .bind(i64::from(p.factsheet_published)).bind(p.updated_at).bind(&p.text_lang)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("insert country profile")?;
    Ok(n == 1)
}

/// Updates a profile if its version is still `expected`; false when stale.
pub async fn update_profile(tx: &mut Tx, p: &ProfileRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update country_profile set overview = $2, contact = $3, funding = $4, factsheet_published = $5, \
               updated_at = $6, version = version + 1, text_lang = $8 where country_code = $1 and version = $7";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(&p.country_code).bind(&p.overview).bind(&p.contact).bind(&p.funding)
        .bind(i64::from(p.factsheet_published)).bind(p.updated_at).bind(expected).bind(&p.text_lang)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update country profile")?;
    Ok(n == 1)
}

// ---- results framework ----

/// A node of a country's results framework.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NodeRow {
    pub result_node_id: Uuid,
    pub country_code: String,
    pub parent_id: Option<Uuid>,
    pub level: String,
    pub code: String,
    pub title: String,
    pub created_at: OffsetDateTime,
}

/// An indicator.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndicatorRow {
    pub indicator_id: Uuid,
    pub result_node_id: Uuid,
    pub title: String,
    pub definition: String,
    pub unit: String,
    pub direction: String,
    pub source: String,
    pub baseline: Option<i64>,
    pub created_at: OffsetDateTime,
    /// Dimension codes separated by commas (`domain::results_disagg::stored_dimensions`).
    pub disaggregations: String,
}

/// A manual value with who entered it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ValueView {
    pub period_code: String,
    pub value: i64,
    pub evidence: String,
    pub entered_by: Option<String>,
    pub entered_at: OffsetDateTime,
}

const NODE_COLS: &str = "result_node_id, country_code, parent_id, level, code, title, created_at";
const IND_COLS: &str = "indicator_id, result_node_id, title, definition, unit, direction, source, baseline, created_at, disaggregations";

/// Nodes of a country, by code.
pub async fn list_nodes(db: &Db, country: &str) -> anyhow::Result<Vec<NodeRow>> {
    let sql = format!(
        "select {NODE_COLS} from result_node where country_code = $1 order by code, result_node_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await).context("list nodes")
}

/// One node, inside a write transaction.
pub async fn get_node_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<NodeRow>> {
    let sql = format!("select {NODE_COLS} from result_node where result_node_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get node")
}

/// Inserts a node.
pub async fn insert_node(tx: &mut Tx, n: &NodeRow) -> anyhow::Result<()> {
    let sql = format!("insert into result_node ({NODE_COLS}) values ($1,$2,$3,$4,$5,$6,$7)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(n.result_node_id).bind(&n.country_code).bind(n.parent_id).bind(&n.level)
        .bind(&n.code).bind(&n.title).bind(n.created_at)
        .execute(c).await.map(|_| ()))
    .context("insert node")
}

/// Indicators of a country's nodes.
pub async fn list_indicators(db: &Db, country: &str) -> anyhow::Result<Vec<IndicatorRow>> {
    let sql = "select i.indicator_id, i.result_node_id, i.title, i.definition, i.unit, i.direction, i.source, i.baseline, i.created_at, i.disaggregations \
               from indicator i join result_node n on n.result_node_id = i.result_node_id \
               where n.country_code = $1 order by i.created_at, i.indicator_id";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await).context("list indicators")
}

/// One indicator with its node's country.
pub async fn get_indicator(db: &Db, id: Uuid) -> anyhow::Result<Option<(IndicatorRow, String)>> {
    let sql = format!("select {IND_COLS} from indicator where indicator_id = $1");
    let Some(row): Option<IndicatorRow> =
        on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
            .context("get indicator")?
    else {
        return Ok(None);
    };
    let (country,): (String,) = on_db!(db, p => sqlx::query_as("select country_code from result_node where result_node_id = $1")
        .bind(row.result_node_id).fetch_one(p).await)
    .context("get indicator country")?;
    Ok(Some((row, country)))
}

/// Inserts an indicator.
pub async fn insert_indicator(tx: &mut Tx, i: &IndicatorRow) -> anyhow::Result<()> {
    let sql = format!("insert into indicator ({IND_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(i.indicator_id).bind(i.result_node_id).bind(&i.title).bind(&i.definition)
        .bind(&i.unit).bind(&i.direction).bind(&i.source).bind(i.baseline).bind(i.created_at)
        .bind(&i.disaggregations)
        .execute(c).await.map(|_| ()))
    .context("insert indicator")
}

/// Sets (inserts or replaces) the target of an indicator for a period.
pub async fn set_target(
    tx: &mut Tx,
    indicator: Uuid,
    period: &str,
    target: i64,
    at: OffsetDateTime,
) -> anyhow::Result<()> {
    let sql = "insert into indicator_target (indicator_id, period_code, target, updated_at) values ($1,$2,$3,$4) \
               on conflict (indicator_id, period_code) do update set target = excluded.target, updated_at = excluded.updated_at";
    on_tx!(tx, c => sqlx::query(sql).bind(indicator).bind(period).bind(target).bind(at)
        .execute(c).await.map(|_| ()))
    .context("set target")
}

/// Targets of a country's indicators for one period: (indicator id, target).
pub async fn targets_for(db: &Db, country: &str, period: &str) -> anyhow::Result<Vec<(Uuid, i64)>> {
    let sql = "select t.indicator_id, t.target from indicator_target t join indicator i on i.indicator_id = t.indicator_id \
               join result_node n on n.result_node_id = i.result_node_id where n.country_code = $1 and t.period_code = $2";
    on_db!(db, p => sqlx::query_as(sql).bind(country).bind(period).fetch_all(p).await)
        .context("list targets")
}

/// Every target of one indicator: (period code, target).
pub async fn targets_of(db: &Db, indicator: Uuid) -> anyhow::Result<Vec<(String, i64)>> {
    on_db!(db, p => sqlx::query_as("select period_code, target from indicator_target where indicator_id = $1 order by period_code")
        .bind(indicator).fetch_all(p).await)
    .context("list indicator targets")
}

/// Appends a manual value.
pub async fn insert_value(
    tx: &mut Tx,
    indicator: Uuid,
    period: &str,
    value: i64,
    evidence: &str,
    by: Option<Uuid>,
    at: OffsetDateTime,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let sql = "insert into indicator_value (indicator_value_id, indicator_id, period_code, value, evidence, entered_by, entered_at) \
               values ($1,$2,$3,$4,$5,$6,$7)";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(indicator).bind(period).bind(value).bind(evidence).bind(by).bind(at)
        .execute(c).await.map(|_| ()))
    .context("insert indicator value")?;
    Ok(id)
}

/// Every manual value of one indicator, oldest first.
pub async fn values_of(db: &Db, indicator: Uuid) -> anyhow::Result<Vec<ValueView>> {
    let sql = "select v.period_code, v.value, v.evidence, a.display_name as entered_by, v.entered_at \
               from indicator_value v left join account a on a.account_id = v.entered_by \
               where v.indicator_id = $1 order by v.entered_at, v.indicator_value_id";
    on_db!(db, p => sqlx::query_as(sql).bind(indicator).fetch_all(p).await)
        .context("list indicator values")
}

/// The latest manual value of each of a country's indicators for one period.
pub async fn latest_values_for(
    db: &Db,
    country: &str,
    period: &str,
) -> anyhow::Result<Vec<(Uuid, i64)>> {
    let sql = "select v.indicator_id, v.value from indicator_value v \
               join indicator i on i.indicator_id = v.indicator_id join result_node n on n.result_node_id = i.result_node_id \
               where n.country_code = $1 and v.period_code = $2 and not exists (select 1 from indicator_value w \
               where w.indicator_id = v.indicator_id and w.period_code = v.period_code and \
               (w.entered_at > v.entered_at or (w.entered_at = v.entered_at and w.indicator_value_id > v.indicator_value_id)))";
    on_db!(db, p => sqlx::query_as(sql).bind(country).bind(period).fetch_all(p).await)
        .context("latest indicator values")
}

/// Appends the parts of a manual value (one row per dimension and category).
pub async fn insert_parts(
    tx: &mut Tx,
    value: Uuid,
    parts: &[atlas_domain::results_disagg::Part],
) -> anyhow::Result<()> {
    for p in parts {
        on_tx!(tx, c => sqlx::query("insert into indicator_value_part (indicator_value_id, dimension, category, value) values ($1,$2,$3,$4)")
            .bind(value).bind(p.dimension.as_str()).bind(&p.category).bind(p.value)
            .execute(c).await.map(|_| ()))
        .context("insert indicator value part")?;
    }
    Ok(())
}

/// The condition "`v` is the latest manual value of its indicator and period".
const LATEST_VALUE: &str = "not exists (select 1 from indicator_value w \
    where w.indicator_id = v.indicator_id and w.period_code = v.period_code and \
    (w.entered_at > v.entered_at or (w.entered_at = v.entered_at and w.indicator_value_id > v.indicator_value_id)))";

/// A part of the latest manual value of an indicator for a period.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartRow {
    pub indicator_id: Uuid,
    pub dimension: String,
    pub category: String,
    pub value: i64,
}

/// The parts of the latest manual value of each of a country's indicators for a period.
pub async fn latest_parts_for(
    db: &Db,
    country: &str,
    period: &str,
) -> anyhow::Result<Vec<PartRow>> {
    let sql = format!(
        "select v.indicator_id, pt.dimension, pt.category, pt.value from indicator_value v \
         join indicator_value_part pt on pt.indicator_value_id = v.indicator_value_id \
         join indicator i on i.indicator_id = v.indicator_id join result_node n on n.result_node_id = i.result_node_id \
         where n.country_code = $1 and v.period_code = $2 and {LATEST_VALUE} \
         order by v.indicator_id, pt.dimension, pt.category"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).bind(period).fetch_all(p).await)
        .context("latest indicator value parts")
}

/// The latest manual value of every indicator of a country for every period it has
/// one: (indicator, period code, value).
pub async fn latest_values_all(db: &Db, country: &str) -> anyhow::Result<Vec<(Uuid, String, i64)>> {
    let sql = format!(
        "select v.indicator_id, v.period_code, v.value from indicator_value v \
         join indicator i on i.indicator_id = v.indicator_id join result_node n on n.result_node_id = i.result_node_id \
         where n.country_code = $1 and {LATEST_VALUE}"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await)
        .context("latest indicator values, all periods")
}

/// Stage of each model of a country as at the end of `day` (models created later are
/// left out): the `to_stage` of its latest move on or before then.
pub async fn model_stages_at(
    db: &Db,
    country: &str,
    until: OffsetDateTime,
) -> anyhow::Result<Vec<String>> {
    let sql = "select mv.to_stage from model_move mv join model m on m.model_id = mv.model_id \
               where m.country_code = $1 and mv.moved_at <= $2 and not exists (select 1 from model_move w \
               where w.model_id = mv.model_id and w.moved_at <= $2 and \
               (w.moved_at > mv.moved_at or (w.moved_at = mv.moved_at and w.model_move_id > mv.model_move_id)))";
    let rows: Vec<(String,)> =
        on_db!(db, p => sqlx::query_as(sql).bind(country).bind(until).fetch_all(p).await)
            .context("model stages at")?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
