//! Countries, areas and institutions.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored area.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AreaRow {
    pub area_id: Uuid,
    pub country_code: String,
    pub parent_id: Option<Uuid>,
    pub level: String,
    pub name: String,
    pub code: Option<String>,
    pub boundary: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A stored institution.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstitutionRow {
    pub institution_id: Uuid,
    pub country_code: String,
    pub name: String,
    pub acronym: String,
    pub kind: String,
    pub level: String,
    pub area_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// Filters for listing areas and institutions. `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Restricts to one country (from the caller's scope or from the query).
    pub country: Option<String>,
    /// A second country restriction from the caller's scope; both must hold.
    pub scope_country: Option<String>,
    /// Contains-match on the name (already a LIKE pattern, see [`crate::like_contains`]).
    pub name_like: Option<String>,
    /// Exact match on the acronym (institutions), case-insensitive.
    pub acronym: Option<String>,
    /// Exact level (areas) or kind (institutions).
    pub level: Option<String>,
    /// Children of this area (areas).
    pub parent_id: Option<Uuid>,
    /// Keyset cursor: only ids after this one, in id order.
    pub after: Option<Uuid>,
    /// Order by id (API pages) instead of by name (HTML lists).
    pub by_id: bool,
    /// At most this many rows.
    pub limit: i64,
}

const AREA_COLS: &str = "area_id, country_code, parent_id, level, name, code, boundary, created_at, updated_at, version";
const INST_COLS: &str = "institution_id, country_code, name, acronym, kind, level, area_id, created_at, updated_at, version";

/// The program's countries.
pub async fn list_countries(db: &Db) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, p => sqlx::query_as("select country_code from country order by country_code").fetch_all(p).await)
        .context("list countries")?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Areas matching `f`.
pub async fn list_areas(db: &Db, f: &ListFilter) -> anyhow::Result<Vec<AreaRow>> {
    let order = if f.by_id {
        "area_id"
    } else {
        "lower(name), area_id"
    };
    let sql = format!(
        "select {AREA_COLS} from area where ($1 is null or country_code = $1) \
         and ($2 is null or country_code = $2) \
         and ($3 is null or lower(name) like $3 escape '\\') \
         and ($4 is null or level = $4) and ($5 is null or parent_id = $5) \
         and ($6 is null or area_id > $6) order by {order} limit $7"
    );
    on_db!(db, p => sqlx::query_as(&sql)
        .bind(&f.country).bind(&f.scope_country).bind(&f.name_like)
        .bind(&f.level).bind(f.parent_id).bind(f.after).bind(f.limit)
        .fetch_all(p).await)
    .context("list areas")
}

/// One area.
pub async fn get_area(db: &Db, id: Uuid) -> anyhow::Result<Option<AreaRow>> {
    let sql = format!("select {AREA_COLS} from area where area_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get area")
}

/// One area, read inside a write transaction.
pub async fn get_area_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<AreaRow>> {
    let sql = format!("select {AREA_COLS} from area where area_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get area")
}

/// True when a sibling area (same country and parent) already has this name.
pub async fn area_name_taken(
    tx: &mut Tx,
    country: &str,
    parent: Option<Uuid>,
    name: &str,
    except: Option<Uuid>,
) -> anyhow::Result<bool> {
    let sql = "select count(*) from area where country_code = $1 \
               and ((parent_id is null and $2 is null) or parent_id = $2) \
               and lower(name) = lower($3) and ($4 is null or area_id <> $4)";
    let n: (i64,) = on_tx!(tx, c => sqlx::query_as(sql).bind(country).bind(parent).bind(name).bind(except).fetch_one(c).await)
        .context("check area name")?;
    Ok(n.0 > 0)
}

/// Inserts an area.
pub async fn insert_area(tx: &mut Tx, a: &AreaRow) -> anyhow::Result<()> {
    let sql = format!("insert into area ({AREA_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(a.area_id).bind(&a.country_code).bind(a.parent_id).bind(&a.level).bind(&a.name)
        .bind(&a.code).bind(&a.boundary).bind(a.created_at).bind(a.updated_at).bind(a.version)
        .execute(c).await.map(|_| ()))
    .context("insert area")?;
    Ok(())
}

/// Updates an area if its stored version is still `expected`; false when it is stale.
pub async fn update_area(tx: &mut Tx, a: &AreaRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update area set name = $2, code = $3, boundary = $4, updated_at = $5, version = version + 1 \
               where area_id = $1 and version = $6";
    let r = on_tx!(tx, c => sqlx::query(sql)
        .bind(a.area_id).bind(&a.name).bind(&a.code).bind(&a.boundary).bind(a.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update area")?;
    Ok(r == 1)
}

/// Institutions matching `f` (`level` filters the kind).
pub async fn list_institutions(db: &Db, f: &ListFilter) -> anyhow::Result<Vec<InstitutionRow>> {
    let order = if f.by_id {
        "institution_id"
    } else {
        "lower(name), institution_id"
    };
    let sql = format!(
        "select {INST_COLS} from institution where ($1 is null or country_code = $1) \
         and ($2 is null or country_code = $2) \
         and ($3 is null or lower(name) like $3 escape '\\' or lower(acronym) like $3 escape '\\') \
         and ($4 is null or kind = $4) and ($5 is null or lower(acronym) = lower($5)) \
         and ($6 is null or institution_id > $6) order by {order} limit $7"
    );
    on_db!(db, p => sqlx::query_as(&sql)
        .bind(&f.country).bind(&f.scope_country).bind(&f.name_like)
        .bind(&f.level).bind(&f.acronym).bind(f.after).bind(f.limit)
        .fetch_all(p).await)
    .context("list institutions")
}

/// One institution.
pub async fn get_institution(db: &Db, id: Uuid) -> anyhow::Result<Option<InstitutionRow>> {
    let sql = format!("select {INST_COLS} from institution where institution_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("get institution")
}

/// One institution, read inside a write transaction.
pub async fn get_institution_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<InstitutionRow>> {
    let sql = format!("select {INST_COLS} from institution where institution_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
        .context("get institution")
}

/// Which of name and acronym are already used by another institution of the country.
pub async fn institution_taken(
    tx: &mut Tx,
    country: &str,
    name: &str,
    acronym: &str,
    except: Option<Uuid>,
) -> anyhow::Result<(bool, bool)> {
    let sql = "select \
        coalesce(sum(case when lower(name) = lower($2) then 1 else 0 end), 0), \
        coalesce(sum(case when lower(acronym) = lower($3) then 1 else 0 end), 0) \
        from institution where country_code = $1 and ($4 is null or institution_id <> $4)";
    let (n, a): (i64, i64) = on_tx!(tx, c => sqlx::query_as(sql).bind(country).bind(name).bind(acronym).bind(except).fetch_one(c).await)
        .context("check institution names")?;
    Ok((n > 0, a > 0))
}

/// Inserts an institution.
pub async fn insert_institution(tx: &mut Tx, i: &InstitutionRow) -> anyhow::Result<()> {
    let sql =
        format!("insert into institution ({INST_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(i.institution_id).bind(&i.country_code).bind(&i.name).bind(&i.acronym).bind(&i.kind)
        .bind(&i.level).bind(i.area_id).bind(i.created_at).bind(i.updated_at).bind(i.version)
        .execute(c).await.map(|_| ()))
    .context("insert institution")?;
    Ok(())
}

/// Updates an institution if its version is still `expected`; false when stale.
pub async fn update_institution(
    tx: &mut Tx,
    i: &InstitutionRow,
    expected: i64,
) -> anyhow::Result<bool> {
    let sql = "update institution set name = $2, acronym = $3, kind = $4, level = $5, area_id = $6, \
               updated_at = $7, version = version + 1 where institution_id = $1 and version = $8";
    let r = on_tx!(tx, c => sqlx::query(sql)
        .bind(i.institution_id).bind(&i.name).bind(&i.acronym).bind(&i.kind).bind(&i.level)
        .bind(i.area_id).bind(i.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update institution")?;
    Ok(r == 1)
}

/// Number of areas and institutions per country, for the directory overview.
pub async fn counts_by_country(db: &Db) -> anyhow::Result<Vec<(String, i64, i64)>> {
    let sql = "select c.country_code, \
        (select count(*) from area a where a.country_code = c.country_code), \
        (select count(*) from institution i where i.country_code = c.country_code) \
        from country c order by c.country_code";
    on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await).context("count directory")
}
