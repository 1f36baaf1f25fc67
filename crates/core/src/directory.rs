//! Directory use cases: countries, areas and institutions.
//!
//! Reads are scoped by the policy (country-scoped roles see their own country; a record
//! elsewhere is "not found"). Writes check references (parent area of the right level in
//! the same country, area of an institution in its country) and duplicates, and stale
//! edits are refused (optimistic concurrency on `version`).

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{
    Action, Actor, ListScope, Owner, authorize, authorize_create, list_scope,
};
use atlas_domain::directory::{
    AreaDraft, AreaInput, AreaLevel, CountryCode, InstitutionDraft, InstitutionInput, parse_version,
};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::directory::{self as st, AreaRow, InstitutionRow, ListFilter};
use uuid::Uuid;

pub use atlas_store::directory::{AreaRow as Area, InstitutionRow as Institution};

/// A country with the size of its directory.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CountrySummary {
    pub code: String,
    pub areas: i64,
    pub institutions: i64,
}

/// Query for listing areas or institutions.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub country: Option<CountryCode>,
    pub name: Option<String>,
    pub acronym: Option<String>,
    /// Area level, or institution kind.
    pub kind: Option<String>,
    pub parent_id: Option<Uuid>,
    pub after: Option<Uuid>,
    pub by_id: bool,
    pub limit: i64,
}

fn owner_of(country: &str) -> Result<Owner> {
    Ok(Owner {
        institution_id: None,
        country: CountryCode::parse(country).context("unknown country stored")?,
    })
}

fn check(by: By<'_>, action: Action, owner: &Owner) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize(a, action, Some(owner))?),
        By::Operator => Ok(()),
    }
}

fn check_create(by: By<'_>, owner: &Owner) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize_create(a, Action::WriteDirectory, owner)?),
        By::Operator => Ok(()),
    }
}

fn filter(actor: &Actor, q: &Query) -> Result<ListFilter> {
    let scope_country = match list_scope(actor, Action::ReadDirectory)? {
        ListScope::All => None,
        ListScope::Country(c) => Some(c.as_str().to_owned()),
        // No directory role is institution-scoped; fail closed to the own country.
        ListScope::Institution(_) => Some(actor.country.as_str().to_owned()),
    };
    Ok(ListFilter {
        country: q.country.as_ref().map(|c| c.as_str().to_owned()),
        scope_country,
        name_like: q
            .name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(atlas_store::like_contains),
        acronym: q.acronym.clone().filter(|a| !a.trim().is_empty()),
        level: q.kind.clone().filter(|k| !k.is_empty()),
        parent_id: q.parent_id,
        after: q.after,
        by_id: q.by_id,
        limit: q.limit.clamp(1, 500),
    })
}

impl App {
    /// Countries the actor may see, with directory sizes.
    pub async fn countries(&self, actor: &Actor) -> Result<Vec<CountrySummary>> {
        let scope = list_scope(actor, Action::ReadDirectory)?;
        Ok(st::counts_by_country(&self.db)
            .await?
            .into_iter()
            .filter(|(c, _, _)| match &scope {
                ListScope::All => true,
                _ => c == actor.country.as_str(),
            })
            .map(|(code, areas, institutions)| CountrySummary {
                code,
                areas,
                institutions,
            })
            .collect())
    }

    /// Areas matching `q` within the actor's scope.
    pub async fn areas(&self, actor: &Actor, q: &Query) -> Result<Vec<AreaRow>> {
        Ok(st::list_areas(&self.db, &filter(actor, q)?).await?)
    }

    /// One area, or not found when outside the actor's scope.
    pub async fn area(&self, by: By<'_>, id: Uuid) -> Result<AreaRow> {
        let a = st::get_area(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        check(by, Action::ReadDirectory, &owner_of(&a.country_code)?)?;
        Ok(a)
    }

    /// Creates an area.
    pub async fn create_area(&self, by: By<'_>, input: &AreaInput) -> Result<AreaRow> {
        let d = AreaDraft::parse(input)?;
        check_create(
            by,
            &Owner {
                institution_id: None,
                country: d.country.clone(),
            },
        )?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut e = FieldErrors::new();
        if let Some(pid) = d.parent_id {
            match st::get_area_tx(&mut tx, pid).await? {
                Some(p)
                    if p.country_code == d.country.as_str()
                        && AreaLevel::parse(&p.level) == d.level.parent_level() => {}
                Some(p) if p.country_code == d.country.as_str() => {
                    e.add("parent_id", "area-parent-level")
                }
                _ => e.add("parent_id", "field-reference"),
            }
        }
        if e.is_empty()
            && st::area_name_taken(&mut tx, d.country.as_str(), d.parent_id, &d.name, None).await?
        {
            e.add("name", "area-name-taken");
        }
        e.into_result(())?;
        let row = AreaRow {
            area_id: Uuid::now_v7(),
            country_code: d.country.as_str().to_owned(),
            parent_id: d.parent_id,
            level: d.level.as_str().to_owned(),
            name: d.name,
            code: d.code,
            boundary: d.boundary,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_area(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "directory.area.create",
                "area",
                row.area_id,
                format!("country={} level={}", row.country_code, row.level),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits an area's name, code and boundary (country, level and parent are fixed).
    pub async fn update_area(&self, by: By<'_>, id: Uuid, input: &AreaInput) -> Result<AreaRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_area_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        check(by, Action::ReadDirectory, &owner_of(&cur.country_code)?)?;
        check(by, Action::WriteDirectory, &owner_of(&cur.country_code)?)?;
        let merged = AreaInput {
            country: cur.country_code.clone(),
            parent_id: cur.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            level: cur.level.clone(),
            ..input.clone()
        };
        let d = AreaDraft::parse(&merged)?;
        let version = parse_version(&input.version)?;
        if st::area_name_taken(&mut tx, &cur.country_code, cur.parent_id, &d.name, Some(id)).await?
        {
            return Err(RuleError::Invalid(FieldErrors::single("name", "area-name-taken")).into());
        }
        let row = AreaRow {
            name: d.name,
            code: d.code,
            boundary: d.boundary,
            updated_at: now,
            version: version + 1,
            ..cur
        };
        if !st::update_area(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "directory.area.update",
                "area",
                id,
                format!("version={}", row.version),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Institutions matching `q` within the actor's scope.
    pub async fn institutions(&self, actor: &Actor, q: &Query) -> Result<Vec<InstitutionRow>> {
        Ok(st::list_institutions(&self.db, &filter(actor, q)?).await?)
    }

    /// One institution, or not found when outside the actor's scope.
    pub async fn institution(&self, by: By<'_>, id: Uuid) -> Result<InstitutionRow> {
        let i = st::get_institution(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        check(by, Action::ReadDirectory, &owner_of(&i.country_code)?)?;
        Ok(i)
    }

    async fn check_institution_refs(
        &self,
        tx: &mut atlas_store::Tx,
        d: &InstitutionDraft,
        except: Option<Uuid>,
    ) -> Result<()> {
        let mut e = FieldErrors::new();
        if let Some(aid) = d.area_id {
            match st::get_area_tx(tx, aid).await? {
                Some(a) if a.country_code == d.country.as_str() => {}
                _ => e.add("area_id", "field-reference"),
            }
        }
        let (name, acronym) =
            st::institution_taken(tx, d.country.as_str(), &d.name, &d.acronym, except).await?;
        if name {
            e.add("name", "institution-name-taken");
        }
        if acronym {
            e.add("acronym", "institution-acronym-taken");
        }
        Ok(e.into_result(())?)
    }

    /// Creates an institution.
    pub async fn create_institution(
        &self,
        by: By<'_>,
        input: &InstitutionInput,
    ) -> Result<InstitutionRow> {
        let d = InstitutionDraft::parse(input)?;
        check_create(
            by,
            &Owner {
                institution_id: None,
                country: d.country.clone(),
            },
        )?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.check_institution_refs(&mut tx, &d, None).await?;
        let row = InstitutionRow {
            institution_id: Uuid::now_v7(),
            country_code: d.country.as_str().to_owned(),
            name: d.name,
            acronym: d.acronym,
            kind: d.kind.as_str().to_owned(),
            level: d.level.as_str().to_owned(),
            area_id: d.area_id,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_institution(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "directory.institution.create",
                "institution",
                row.institution_id,
                format!("country={} kind={}", row.country_code, row.kind),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits an institution (its country is fixed).
    pub async fn update_institution(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &InstitutionInput,
    ) -> Result<InstitutionRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_institution_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        check(by, Action::ReadDirectory, &owner_of(&cur.country_code)?)?;
        check(by, Action::WriteDirectory, &owner_of(&cur.country_code)?)?;
        let d = InstitutionDraft::parse(&InstitutionInput {
            country: cur.country_code.clone(),
            ..input.clone()
        })?;
        let version = parse_version(&input.version)?;
        self.check_institution_refs(&mut tx, &d, Some(id)).await?;
        let row = InstitutionRow {
            name: d.name,
            acronym: d.acronym,
            kind: d.kind.as_str().to_owned(),
            level: d.level.as_str().to_owned(),
            area_id: d.area_id,
            updated_at: now,
            version: version + 1,
            ..cur
        };
        if !st::update_institution(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "directory.institution.update",
                "institution",
                id,
                format!("version={}", row.version),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }
}

impl App {
    /// Institutions with this acronym (case-insensitive), optionally in one country; for
    /// the operator's command line, which names institutions by acronym.
    pub async fn institutions_by_acronym(
        &self,
        acronym: &str,
        country: Option<&CountryCode>,
    ) -> Result<Vec<InstitutionRow>> {
        let f = ListFilter {
            acronym: Some(acronym.to_owned()),
            country: country.map(|c| c.as_str().to_owned()),
            limit: 10,
            ..Default::default()
        };
        Ok(st::list_institutions(&self.db, &f).await?)
    }
}
