//! The guide's service directory and referral pathways.
//!
//! A pathway belongs to one area and need; [`pathways_up`] walks the area hierarchy
//! (barrio → municipality → province) in one recursive query, which both engines run.
//! Steps are stored 1..n and replaced as a whole when a pathway is saved.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored service.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceRow {
    pub guide_service_id: Uuid,
    pub country_code: String,
    pub institution_id: Option<Uuid>,
    pub organization: Option<String>,
    pub name: String,
    pub description: String,
    pub area_id: Option<Uuid>,
    pub address: String,
    pub hours: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub intake_criteria: String,
    pub cost: String,
    /// ISO 639-1 codes separated by commas.
    pub languages: String,
    pub referral_method: String,
    pub next_step: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A service with the names a list shows (its institution's acronym and name, its
/// area's name).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceListRow {
    #[sqlx(flatten)]
    pub service: ServiceRow,
    pub institution_acronym: Option<String>,
    pub institution_name: Option<String>,
    pub area_name: Option<String>,
}

impl ServiceListRow {
    /// The organisation providing the service: the institution's name, else the
    /// organisation named on the service.
    pub fn organization_name(&self) -> String {
        self.institution_name
            .clone()
            .or_else(|| self.service.organization.clone())
            .unwrap_or_default()
    }
}

/// A stored pathway.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PathwayRow {
    pub guide_pathway_id: Uuid,
    pub country_code: String,
    pub area_id: Uuid,
    pub need: String,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// One step of a pathway with the service it sends to: what the case module reads to
/// suggest referrals, and what the "who to call" page prints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathwayStepRow {
    /// Position in the pathway, from 1.
    pub order: i64,
    pub service_id: Uuid,
    pub service_name: String,
    /// The directory institution that provides the service, when it is one.
    pub institution_id: Option<Uuid>,
    pub institution_acronym: Option<String>,
    /// The providing organisation's name (the institution's, or the service's own).
    pub organization: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub hours: String,
    pub address: String,
    pub referral_method: String,
    pub max_response_hours: i64,
    /// What to bring or say.
    pub bring: String,
    pub consent_required: bool,
}

#[derive(sqlx::FromRow)]
struct StepRaw {
    step_order: i64,
    guide_service_id: Uuid,
    service_name: String,
    institution_id: Option<Uuid>,
    institution_acronym: Option<String>,
    institution_name: Option<String>,
    organization: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    hours: String,
    address: String,
    referral_method: String,
    max_response_hours: i64,
    bring: String,
    consent_required: i64,
}

impl From<StepRaw> for PathwayStepRow {
    fn from(r: StepRaw) -> Self {
        Self {
            order: r.step_order,
            service_id: r.guide_service_id,
            service_name: r.service_name,
            institution_id: r.institution_id,
            institution_acronym: r.institution_acronym,
            organization: r.institution_name.or(r.organization).unwrap_or_default(),
            phone: r.phone,
            email: r.email,
            hours: r.hours,
            address: r.address,
            referral_method: r.referral_method,
            max_response_hours: r.max_response_hours,
            bring: r.bring,
            consent_required: r.consent_required != 0,
        }
    }
}

/// A step to store.
#[derive(Debug, Clone)]
pub struct NewStep {
    pub order: i64,
    pub service_id: Uuid,
    pub max_response_hours: i64,
    pub bring: String,
    pub consent_required: bool,
}

/// Filters of the service list. `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub country: Option<String>,
    /// Contains-match on service, organisation or institution name (a LIKE pattern).
    pub name_like: Option<String>,
    /// Services located in this area.
    pub area_id: Option<Uuid>,
    /// Keyset cursor for API pages: ids after this one, in id order.
    pub after: Option<Uuid>,
    pub by_id: bool,
    pub limit: i64,
}

const SERVICE_COLS: &str = "s.guide_service_id, s.country_code, s.institution_id, s.organization, s.name, \
    s.description, s.area_id, s.address, s.hours, s.phone, s.email, s.intake_criteria, s.cost, \
    s.languages, s.referral_method, s.next_step, s.created_at, s.updated_at, s.version";
const PATHWAY_COLS: &str = "p.guide_pathway_id, p.country_code, p.area_id, p.need, p.status, \
    p.created_at, p.updated_at, p.version";

/// Services matching `f`, with their institution's and area's names.
pub async fn list_services(db: &Db, f: &ServiceFilter) -> anyhow::Result<Vec<ServiceListRow>> {
    let order = if f.by_id {
        "s.guide_service_id"
    } else {
        "lower(s.name), s.guide_service_id"
    };
    let sql = format!(
        "select {SERVICE_COLS}, i.acronym as institution_acronym, i.name as institution_name, \
         a.name as area_name from guide_service s \
         left join institution i on i.institution_id = s.institution_id \
         left join area a on a.area_id = s.area_id \
         where ($1 is null or s.country_code = $1) \
         and ($2 is null or lower(s.name) like $2 escape '\\' or lower(coalesce(s.organization, '')) like $2 escape '\\' \
              or lower(coalesce(i.name, '')) like $2 escape '\\' or lower(coalesce(i.acronym, '')) like $2 escape '\\') \
         and ($3 is null or s.area_id = $3) and ($4 is null or s.guide_service_id > $4) \
         order by {order} limit $5"
    );
    on_db!(db, p => sqlx::query_as(&sql)
        .bind(&f.country).bind(&f.name_like).bind(f.area_id).bind(f.after).bind(f.limit)
        .fetch_all(p).await)
    .context("list guide services")
}

/// One service with its names.
pub async fn get_service(db: &Db, id: Uuid) -> anyhow::Result<Option<ServiceListRow>> {
    let sql = format!(
        "select {SERVICE_COLS}, i.acronym as institution_acronym, i.name as institution_name, \
         a.name as area_name from guide_service s \
         left join institution i on i.institution_id = s.institution_id \
         left join area a on a.area_id = s.area_id where s.guide_service_id = $1"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("get guide service")
}

/// One service, inside a write transaction.
pub async fn get_service_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<ServiceRow>> {
    let sql = format!("select {SERVICE_COLS} from guide_service s where s.guide_service_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
        .context("get guide service")
}

/// Inserts a service.
pub async fn insert_service(tx: &mut Tx, s: &ServiceRow) -> anyhow::Result<()> {
    let sql = "insert into guide_service (guide_service_id, country_code, institution_id, organization, \
        name, description, area_id, address, hours, phone, email, intake_criteria, cost, languages, \
        referral_method, next_step, created_at, updated_at, version) \
        values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(s.guide_service_id).bind(&s.country_code).bind(s.institution_id).bind(&s.organization)
        .bind(&s.name).bind(&s.description).bind(s.area_id).bind(&s.address).bind(&s.hours)
        .bind(&s.phone).bind(&s.email).bind(&s.intake_criteria).bind(&s.cost).bind(&s.languages)
        .bind(&s.referral_method).bind(&s.next_step).bind(s.created_at).bind(s.updated_at)
        .bind(s.version)
        .execute(c).await.map(|_| ()))
    .context("insert guide service")
}

/// Updates a service if its version is still `expected`; false when stale.
pub async fn update_service(tx: &mut Tx, s: &ServiceRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update guide_service set institution_id = $2, organization = $3, name = $4, \
        description = $5, area_id = $6, address = $7, hours = $8, phone = $9, email = $10, \
        intake_criteria = $11, cost = $12, languages = $13, referral_method = $14, next_step = $15, \
        updated_at = $16, version = version + 1 where guide_service_id = $1 and version = $17";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(s.guide_service_id).bind(s.institution_id).bind(&s.organization).bind(&s.name)
        .bind(&s.description).bind(s.area_id).bind(&s.address).bind(&s.hours).bind(&s.phone)
        .bind(&s.email).bind(&s.intake_criteria).bind(&s.cost).bind(&s.languages)
        .bind(&s.referral_method).bind(&s.next_step).bind(s.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update guide service")?;
    Ok(n == 1)
}

/// The pathway of exactly this area and need, whatever its status.
pub async fn get_pathway(db: &Db, area: Uuid, need: &str) -> anyhow::Result<Option<PathwayRow>> {
    let sql =
        format!("select {PATHWAY_COLS} from guide_pathway p where p.area_id = $1 and p.need = $2");
    on_db!(db, p => sqlx::query_as(&sql).bind(area).bind(need).fetch_optional(p).await)
        .context("get pathway")
}

/// The pathway of exactly this area and need, inside a write transaction.
pub async fn get_pathway_tx(
    tx: &mut Tx,
    area: Uuid,
    need: &str,
) -> anyhow::Result<Option<PathwayRow>> {
    let sql =
        format!("select {PATHWAY_COLS} from guide_pathway p where p.area_id = $1 and p.need = $2");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(area).bind(need).fetch_optional(c).await)
        .context("get pathway")
}

/// Inserts a pathway (no steps).
pub async fn insert_pathway(tx: &mut Tx, p: &PathwayRow) -> anyhow::Result<()> {
    let sql = "insert into guide_pathway (guide_pathway_id, country_code, area_id, need, status, \
        created_at, updated_at, version) values ($1,$2,$3,$4,$5,$6,$7,$8)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(p.guide_pathway_id).bind(&p.country_code).bind(p.area_id).bind(&p.need)
        .bind(&p.status).bind(p.created_at).bind(p.updated_at).bind(p.version)
        .execute(c).await.map(|_| ()))
    .context("insert pathway")
}

/// Sets a pathway's status if its version is still `expected`; false when stale.
pub async fn update_pathway(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    now: OffsetDateTime,
    expected: i64,
) -> anyhow::Result<bool> {
    let sql = "update guide_pathway set status = $2, updated_at = $3, version = version + 1 \
               where guide_pathway_id = $1 and version = $4";
    let n = on_tx!(tx, c => sqlx::query(sql).bind(id).bind(status).bind(now).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update pathway")?;
    Ok(n == 1)
}

/// Replaces a pathway's steps.
pub async fn replace_steps(tx: &mut Tx, pathway: Uuid, steps: &[NewStep]) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("delete from guide_pathway_step where guide_pathway_id = $1")
        .bind(pathway).execute(c).await.map(|_| ()))
    .context("clear pathway steps")?;
    for s in steps {
        let sql = "insert into guide_pathway_step (guide_pathway_id, step_order, guide_service_id, \
            max_response_hours, bring, consent_required) values ($1,$2,$3,$4,$5,$6)";
        on_tx!(tx, c => sqlx::query(sql)
            .bind(pathway).bind(s.order).bind(s.service_id).bind(s.max_response_hours)
            .bind(&s.bring).bind(i64::from(s.consent_required))
            .execute(c).await.map(|_| ()))
        .context("insert pathway step")?;
    }
    Ok(())
}

/// The steps of a pathway, in order.
pub async fn steps_of(db: &Db, pathway: Uuid) -> anyhow::Result<Vec<PathwayStepRow>> {
    let sql = "select st.step_order, s.guide_service_id, s.name as service_name, s.institution_id, \
        i.acronym as institution_acronym, i.name as institution_name, s.organization, s.phone, \
        s.email, s.hours, s.address, s.referral_method, st.max_response_hours, st.bring, \
        st.consent_required from guide_pathway_step st \
        join guide_service s on s.guide_service_id = st.guide_service_id \
        left join institution i on i.institution_id = s.institution_id \
        where st.guide_pathway_id = $1 order by st.step_order";
    let rows: Vec<StepRaw> = on_db!(db, p => sqlx::query_as(sql).bind(pathway).fetch_all(p).await)
        .context("pathway steps")?;
    Ok(rows.into_iter().map(PathwayStepRow::from).collect())
}

/// The pathways of `area` and of every area above it (depth 0 is `area` itself), for
/// `need` when given, published ones only when `published`; nearest first.
pub async fn pathways_up(
    db: &Db,
    area: Uuid,
    need: Option<&str>,
    published: bool,
) -> anyhow::Result<Vec<(PathwayRow, i64, String)>> {
    #[derive(sqlx::FromRow)]
    struct UpRow {
        #[sqlx(flatten)]
        p: PathwayRow,
        depth: i64,
        area_name: String,
    }
    let sql = format!(
        "with recursive up (area_id, parent_id, name, depth) as ( \
           select area_id, parent_id, name, cast(0 as bigint) from area where area_id = $1 \
           union all \
           select a.area_id, a.parent_id, a.name, up.depth + 1 from area a join up on a.area_id = up.parent_id) \
         select {PATHWAY_COLS}, up.depth as depth, up.name as area_name from guide_pathway p \
         join up on up.area_id = p.area_id \
         where ($2 is null or p.need = $2) and ($3 = 0 or p.status = 'published') \
         order by up.depth, p.need"
    );
    let rows: Vec<UpRow> = on_db!(db, p => sqlx::query_as(&sql)
        .bind(area).bind(need).bind(i64::from(published)).fetch_all(p).await)
    .context("pathways up the area hierarchy")?;
    Ok(rows
        .into_iter()
        .map(|r| (r.p, r.depth, r.area_name))
        .collect())
}

/// Every pathway of a country (or all), with its area's name, for the guide's index.
pub async fn list_pathways(
    db: &Db,
    country: Option<&str>,
) -> anyhow::Result<Vec<(PathwayRow, String, i64)>> {
    #[derive(sqlx::FromRow)]
    struct ListRow {
        #[sqlx(flatten)]
        p: PathwayRow,
        area_name: String,
        steps: i64,
    }
    let sql = format!(
        "select {PATHWAY_COLS}, a.name as area_name, \
         (select count(*) from guide_pathway_step st where st.guide_pathway_id = p.guide_pathway_id) as steps \
         from guide_pathway p join area a on a.area_id = p.area_id \
         where ($1 is null or p.country_code = $1) order by lower(a.name), p.need"
    );
    let rows: Vec<ListRow> = on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await)
        .context("list pathways")?;
    Ok(rows
        .into_iter()
        .map(|r| (r.p, r.area_name, r.steps))
        .collect())
}

/// Whether the area's "who to call" page is public, and the setting's version.
pub async fn area_public(db: &Db, area: Uuid) -> anyhow::Result<bool> {
    let r: Option<(i64,)> =
        on_db!(db, p => sqlx::query_as("select public_page from guide_area where area_id = $1")
        .bind(area).fetch_optional(p).await)
        .context("read guide area")?;
    Ok(r.is_some_and(|(v,)| v != 0))
}

/// Switches the area's public page on or off.
pub async fn set_area_public(
    tx: &mut Tx,
    area: Uuid,
    public: bool,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let sql = "insert into guide_area (area_id, public_page, updated_at, version) values ($1, $2, $3, 1) \
        on conflict (area_id) do update set public_page = excluded.public_page, \
        updated_at = excluded.updated_at, version = guide_area.version + 1";
    on_tx!(tx, c => sqlx::query(sql).bind(area).bind(i64::from(public)).bind(now)
        .execute(c).await.map(|_| ()))
    .context("set guide area public")
}

/// Areas whose "who to call" page is public.
pub async fn public_areas(db: &Db) -> anyhow::Result<Vec<(Uuid, String, String)>> {
    on_db!(db, p => sqlx::query_as(
        "select a.area_id, a.name, a.country_code from guide_area g join area a on a.area_id = g.area_id \
         where g.public_page <> 0 order by a.country_code, lower(a.name)")
        .fetch_all(p).await)
    .context("public guide areas")
}
