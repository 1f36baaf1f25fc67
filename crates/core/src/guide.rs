//! Guide use cases, first part: the service directory and referral pathways.
//!
//! Reading: every signed-in user reads the directory and the published pathways
//! (`ReadGuide`); drafts are seen only by those who may manage them. Writing: services,
//! pathways and the public switch of an area need `ManageGuideDirectory` over the
//! record's country. A pathway step may only send to a service of the area's country.
//! A lookup for an area walks up the hierarchy (barrio → municipality → province) to the
//! nearest published pathway for the need, so a barrio without its own pathway uses its
//! municipality's.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, Owner, authorize, authorize_create, can};
use atlas_domain::directory::{CountryCode, parse_version};
use atlas_domain::guide::{
    Need, PathwayDraft, PathwayInput, PathwayStatus, ServiceDraft, ServiceInput,
};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::directory::{self as st_dir, AreaRow};
use atlas_store::guide::{
    self as st, NewStep, PathwayRow, PathwayStepRow, ServiceFilter, ServiceListRow, ServiceRow,
};
use uuid::Uuid;

/// Query of the service list.
#[derive(Debug, Clone, Default)]
pub struct ServiceQuery {
    pub country: Option<CountryCode>,
    pub name: Option<String>,
    pub area_id: Option<Uuid>,
    pub after: Option<Uuid>,
    pub by_id: bool,
    pub limit: i64,
}

/// The pathway that answers a need in an area, and where it comes from.
#[derive(Debug, Clone)]
pub struct ResolvedPathway {
    pub need: Need,
    pub pathway: PathwayRow,
    /// The area that owns the pathway (the asked area or one above it).
    pub from_area: String,
    /// True when the pathway belongs to an area above the asked one.
    pub inherited: bool,
    pub steps: Vec<PathwayStepRow>,
}

/// The "who to call" sheet of an area: for each need, the pathway that answers it.
#[derive(Debug, Clone)]
pub struct WhoToCall {
    pub area: AreaRow,
    pub needs: Vec<(Need, Option<ResolvedPathway>)>,
    pub public: bool,
}

/// What the pathway editor shows: the area's own pathway for the need (any status),
/// its steps and the services it may send to.
#[derive(Debug, Clone)]
pub struct PathwayEditor {
    pub area: AreaRow,
    pub need: Need,
    pub pathway: Option<PathwayRow>,
    pub steps: Vec<PathwayStepRow>,
    pub services: Vec<ServiceListRow>,
}

fn country_of(code: &str) -> Result<CountryCode> {
    Ok(CountryCode::parse(code).context("unknown country stored")?)
}

fn service_owner(s: &ServiceRow) -> Result<Owner> {
    Ok(Owner {
        institution_id: s.institution_id,
        country: country_of(&s.country_code)?,
    })
}

fn area_owner(a: &AreaRow) -> Result<Owner> {
    Ok(Owner {
        institution_id: None,
        country: country_of(&a.country_code)?,
    })
}

fn check(by: By<'_>, action: Action, owner: &Owner) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize(a, action, Some(owner))?),
        By::Operator => Ok(()),
    }
}

/// True when the actor may manage the guide directory of `country`.
pub fn may_manage(actor: &Actor, country: &str) -> bool {
    CountryCode::parse(country).is_some_and(|c| {
        authorize(
            actor,
            Action::ManageGuideDirectory,
            Some(&Owner {
                institution_id: None,
                country: c,
            }),
        )
        .is_ok()
    })
}

fn service_row(d: ServiceDraft, id: Uuid, now: time::OffsetDateTime, version: i64) -> ServiceRow {
    ServiceRow {
        guide_service_id: id,
        country_code: d.country.as_str().to_owned(),
        institution_id: d.institution_id,
        organization: d.organization,
        name: d.name,
        description: d.description,
        area_id: d.area_id,
        address: d.address,
        hours: d.hours,
        phone: d.phone.map(|p| p.as_str().to_owned()),
        email: d.email,
        intake_criteria: d.intake_criteria,
        cost: d.cost,
        languages: d.languages.join(","),
        referral_method: d.referral_method.as_str().to_owned(),
        next_step: d.next_step.as_str().to_owned(),
        created_at: now,
        updated_at: now,
        version,
    }
}

impl App {
    /// Services matching `q` (every signed-in user).
    pub async fn guide_services(
        &self,
        actor: &Actor,
        q: &ServiceQuery,
    ) -> Result<Vec<ServiceListRow>> {
        authorize(actor, Action::ReadGuide, None)?;
        Ok(st::list_services(
            &self.db,
            &ServiceFilter {
                country: q.country.as_ref().map(|c| c.as_str().to_owned()),
                name_like: q
                    .name
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .map(atlas_store::like_contains),
                area_id: q.area_id,
                after: q.after,
                by_id: q.by_id,
                limit: q.limit.clamp(1, 1000),
            },
        )
        .await?)
    }

    /// One service.
    pub async fn guide_service(&self, actor: &Actor, id: Uuid) -> Result<ServiceListRow> {
        let s = st::get_service(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        authorize(actor, Action::ReadGuide, Some(&service_owner(&s.service)?))?;
        Ok(s)
    }

    /// Checks a service's institution and area belong to its country.
    async fn check_service_refs(&self, tx: &mut atlas_store::Tx, d: &ServiceDraft) -> Result<()> {
        let mut e = FieldErrors::new();
        if let Some(i) = d.institution_id {
            match st_dir::get_institution_tx(tx, i).await? {
                Some(i) if i.country_code == d.country.as_str() => {}
                _ => e.add("institution_id", "field-reference"),
            }
        }
        if let Some(a) = d.area_id {
            match st_dir::get_area_tx(tx, a).await? {
                Some(a) if a.country_code == d.country.as_str() => {}
                _ => e.add("area_id", "field-reference"),
            }
        }
        Ok(e.into_result(())?)
    }

    /// Adds a service to the directory.
    pub async fn create_guide_service(
        &self,
        by: By<'_>,
        input: &ServiceInput,
    ) -> Result<ServiceRow> {
        let d = ServiceDraft::parse(input)?;
        if let By::User(a) = by {
            authorize_create(
                a,
                Action::ManageGuideDirectory,
                &Owner {
                    institution_id: d.institution_id,
                    country: d.country.clone(),
                },
            )?;
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.check_service_refs(&mut tx, &d).await?;
        let row = service_row(d, Uuid::now_v7(), now, 1);
        st::insert_service(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.service.create",
                "guide_service",
                row.guide_service_id,
                format!("country={}", row.country_code),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits a service (its country is fixed); a stale version is refused.
    pub async fn update_guide_service(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &ServiceInput,
    ) -> Result<ServiceRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_service_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        check(by, Action::ReadGuide, &service_owner(&cur)?)?;
        check(by, Action::ManageGuideDirectory, &service_owner(&cur)?)?;
        let d = ServiceDraft::parse(&ServiceInput {
            country: cur.country_code.clone(),
            ..input.clone()
        })?;
        let version = parse_version(&input.version)?;
        self.check_service_refs(&mut tx, &d).await?;
        let mut row = service_row(d, id, now, version + 1);
        row.created_at = cur.created_at;
        if !st::update_service(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.service.update",
                "guide_service",
                id,
                format!("version={}", row.version),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The ordered steps of the nearest published pathway for `need`, starting at
    /// `area_id` and walking up the area hierarchy (barrio → municipality → province).
    /// Empty when no area on the way has one. No actor: pathways are readable by every
    /// signed-in user and the caller has already authorised its own use case.
    pub async fn pathway_steps(
        &self,
        area_id: Uuid,
        need: Need,
    ) -> std::result::Result<Vec<PathwayStepRow>, crate::Error> {
        let up = st::pathways_up(&self.db, area_id, Some(need.as_str()), true).await?;
        match up.into_iter().next() {
            Some((p, _, _)) => Ok(st::steps_of(&self.db, p.guide_pathway_id).await?),
            None => Ok(Vec::new()),
        }
    }

    /// The nearest published pathway for `need` from `area_id` up, with its steps.
    /// Not found when the area does not exist.
    pub async fn resolve_pathway(
        &self,
        actor: &Actor,
        area_id: Uuid,
        need: Need,
    ) -> Result<Option<ResolvedPathway>> {
        let area = st_dir::get_area(&self.db, area_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        authorize(actor, Action::ReadGuide, Some(&area_owner(&area)?))?;
        let up = st::pathways_up(&self.db, area_id, Some(need.as_str()), true).await?;
        let Some((pathway, depth, from_area)) = up.into_iter().next() else {
            return Ok(None);
        };
        let steps = st::steps_of(&self.db, pathway.guide_pathway_id).await?;
        Ok(Some(ResolvedPathway {
            need,
            pathway,
            from_area,
            inherited: depth > 0,
            steps,
        }))
    }

    async fn who_to_call_of(&self, area: AreaRow) -> Result<WhoToCall> {
        let up = st::pathways_up(&self.db, area.area_id, None, true).await?;
        let mut needs = Vec::with_capacity(Need::ALL.len());
        for need in Need::ALL {
            // `up` is nearest first, so the first pathway of the need wins.
            let found = up.iter().find(|(p, _, _)| p.need == need.as_str());
            let resolved = match found {
                Some((p, depth, from)) => Some(ResolvedPathway {
                    need: *need,
                    pathway: p.clone(),
                    from_area: from.clone(),
                    inherited: *depth > 0,
                    steps: st::steps_of(&self.db, p.guide_pathway_id).await?,
                }),
                None => None,
            };
            needs.push((*need, resolved));
        }
        let public = st::area_public(&self.db, area.area_id).await?;
        Ok(WhoToCall {
            area,
            needs,
            public,
        })
    }

    /// The "who to call" sheet of an area for a signed-in user.
    pub async fn who_to_call(&self, actor: &Actor, area_id: Uuid) -> Result<WhoToCall> {
        let area = st_dir::get_area(&self.db, area_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        authorize(actor, Action::ReadGuide, Some(&area_owner(&area)?))?;
        self.who_to_call_of(area).await
    }

    /// The public "who to call" sheet: only for an area whose public page is switched
    /// on; any other area, existing or not, is not found.
    pub async fn public_who_to_call(&self, area_id: Uuid) -> Result<WhoToCall> {
        if !st::area_public(&self.db, area_id).await? {
            return Err(RuleError::NotFound.into());
        }
        let area = st_dir::get_area(&self.db, area_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        self.who_to_call_of(area).await
    }

    /// Areas whose public page is on: (id, name, country).
    pub async fn public_guide_areas(&self) -> Result<Vec<(Uuid, String, String)>> {
        Ok(st::public_areas(&self.db).await?)
    }

    /// Every pathway of `country` with its area's name and step count; drafts only for
    /// those who may manage them.
    pub async fn guide_pathways(
        &self,
        actor: &Actor,
        country: &CountryCode,
    ) -> Result<Vec<(PathwayRow, String, i64)>> {
        authorize(actor, Action::ReadGuide, None)?;
        let manage = may_manage(actor, country.as_str());
        Ok(st::list_pathways(&self.db, Some(country.as_str()))
            .await?
            .into_iter()
            .filter(|(p, _, _)| manage || p.status == PathwayStatus::Published.as_str())
            .collect())
    }

    /// The editor of the area's own pathway for `need`.
    pub async fn pathway_editor(
        &self,
        actor: &Actor,
        area_id: Uuid,
        need: Need,
    ) -> Result<PathwayEditor> {
        let area = st_dir::get_area(&self.db, area_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        authorize(
            actor,
            Action::ManageGuideDirectory,
            Some(&area_owner(&area)?),
        )?;
        let pathway = st::get_pathway(&self.db, area_id, need.as_str()).await?;
        let steps = match &pathway {
            Some(p) => st::steps_of(&self.db, p.guide_pathway_id).await?,
            None => Vec::new(),
        };
        let services = st::list_services(
            &self.db,
            &ServiceFilter {
                country: Some(area.country_code.clone()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
        Ok(PathwayEditor {
            area,
            need,
            pathway,
            steps,
            services,
        })
    }

    /// Saves the area's pathway for `need`: status and the whole ordered list of
    /// steps. The first save creates it (version empty or 1 is not checked then);
    /// later saves must name the version read.
    pub async fn save_pathway(
        &self,
        by: By<'_>,
        area_id: Uuid,
        need: Need,
        input: &PathwayInput,
    ) -> Result<PathwayRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let area = st_dir::get_area_tx(&mut tx, area_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        check(by, Action::ManageGuideDirectory, &area_owner(&area)?)?;
        let d = PathwayDraft::parse(input)?;
        let mut e = FieldErrors::new();
        for (n, s) in input.steps.iter().enumerate() {
            let Ok(id) = Uuid::parse_str(s.service_id.trim()) else {
                continue;
            };
            match st::get_service_tx(&mut tx, id).await? {
                Some(sv) if sv.country_code == area.country_code => {}
                _ => e.add(&format!("steps[{}].service_id", n + 1), "field-reference"),
            }
        }
        e.into_result(())?;
        let cur = st::get_pathway_tx(&mut tx, area_id, need.as_str()).await?;
        let row = match cur {
            Some(p) => {
                let version = parse_version(&input.version)?;
                if !st::update_pathway(&mut tx, p.guide_pathway_id, d.status.as_str(), now, version)
                    .await?
                {
                    return Err(RuleError::Stale.into());
                }
                PathwayRow {
                    status: d.status.as_str().to_owned(),
                    updated_at: now,
                    version: version + 1,
                    ..p
                }
            }
            None => {
                let p = PathwayRow {
                    guide_pathway_id: Uuid::now_v7(),
                    country_code: area.country_code.clone(),
                    area_id,
                    need: need.as_str().to_owned(),
                    status: d.status.as_str().to_owned(),
                    created_at: now,
                    updated_at: now,
                    version: 1,
                };
                st::insert_pathway(&mut tx, &p).await?;
                p
            }
        };
        let steps: Vec<NewStep> = d
            .steps
            .iter()
            .map(|s| NewStep {
                order: s.order,
                service_id: s.service_id,
                max_response_hours: s.max_response_hours,
                bring: s.bring.clone(),
                consent_required: s.consent_required,
            })
            .collect();
        st::replace_steps(&mut tx, row.guide_pathway_id, &steps).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.pathway.save",
                "guide_pathway",
                row.guide_pathway_id,
                format!(
                    "area={} need={} status={} steps={}",
                    area_id,
                    need.as_str(),
                    row.status,
                    steps.len()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Switches an area's public "who to call" page on or off.
    pub async fn set_guide_public(&self, by: By<'_>, area_id: Uuid, public: bool) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let area = st_dir::get_area_tx(&mut tx, area_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        check(by, Action::ManageGuideDirectory, &area_owner(&area)?)?;
        st::set_area_public(&mut tx, area_id, public, now).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "guide.area.public",
                "area",
                area_id,
                format!("public={public}"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// True when the actor may manage some guide directory (for navigation).
    pub fn can_manage_guide(&self, actor: &Actor) -> bool {
        can(actor, Action::ManageGuideDirectory)
    }
}

/// The service directory shaped after Open Referral HSDS 3: organisations, services,
/// locations (with their address), phones and the links of services to locations. Ids
/// are the platform's own: an institution's id for a directory institution, the first
/// (lowest id) service's id for an organisation named on services; a service's location,
/// phone and service-at-location reuse the service's id (ids are unique per table).
pub mod hsds {
    use serde::Serialize;
    use uuid::Uuid;

    #[derive(Debug, Clone, Serialize)]
    pub struct Organization {
        pub id: Uuid,
        pub name: String,
        pub description: String,
        pub email: Option<String>,
    }

    #[derive(Debug, Clone, Serialize)]
    pub struct Language {
        pub code: String,
    }

    #[derive(Debug, Clone, Serialize)]
    pub struct Schedule {
        pub description: String,
    }

    #[derive(Debug, Clone, Serialize)]
    pub struct Service {
        pub id: Uuid,
        pub organization_id: Uuid,
        pub name: String,
        pub description: String,
        pub email: Option<String>,
        pub status: String,
        pub eligibility_description: String,
        pub fees_description: String,
        pub application_process: String,
        pub languages: Vec<Language>,
        pub schedules: Vec<Schedule>,
    }

    #[derive(Debug, Clone, Serialize)]
    pub struct Address {
        pub address_1: String,
        pub city: String,
        pub country: String,
        pub address_type: String,
    }

    #[derive(Debug, Clone, Serialize)]
    pub struct Location {
        pub id: Uuid,
        pub location_type: String,
        pub organization_id: Uuid,
        pub name: String,
        pub addresses: Vec<Address>,
    }

    #[derive(Debug, Clone, Serialize)]
    pub struct Phone {
        pub id: Uuid,
        pub service_id: Uuid,
        pub number: String,
        #[serde(rename = "type")]
        pub kind: String,
    }

    #[derive(Debug, Clone, Serialize)]
    pub struct ServiceAtLocation {
        pub id: Uuid,
        pub service_id: Uuid,
        pub location_id: Uuid,
    }

    #[derive(Debug, Clone, Serialize)]
    pub struct Export {
        pub organizations: Vec<Organization>,
        pub services: Vec<Service>,
        pub locations: Vec<Location>,
        pub phones: Vec<Phone>,
        pub service_at_locations: Vec<ServiceAtLocation>,
    }
}

impl App {
    /// The directory of `country` as HSDS 3 tables (every signed-in user).
    pub async fn hsds_export(&self, actor: &Actor, country: &CountryCode) -> Result<hsds::Export> {
        let rows = self
            .guide_services(
                actor,
                &ServiceQuery {
                    country: Some(country.clone()),
                    by_id: true,
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await?;
        let mut out = hsds::Export {
            organizations: Vec::new(),
            services: Vec::new(),
            locations: Vec::new(),
            phones: Vec::new(),
            service_at_locations: Vec::new(),
        };
        for r in &rows {
            let s = &r.service;
            let name = r.organization_name();
            let org_id = match s.institution_id {
                Some(i) => i,
                None => rows
                    .iter()
                    .find(|o| o.service.institution_id.is_none() && o.organization_name() == name)
                    .map(|o| o.service.guide_service_id)
                    .unwrap_or(s.guide_service_id),
            };
            if !out.organizations.iter().any(|o| o.id == org_id) {
                out.organizations.push(hsds::Organization {
                    id: org_id,
                    name: name.clone(),
                    description: r.institution_acronym.clone().unwrap_or_default(),
                    email: None,
                });
            }
            out.services.push(hsds::Service {
                id: s.guide_service_id,
                organization_id: org_id,
                name: s.name.clone(),
                description: s.description.clone(),
                email: s.email.clone(),
                status: "active".into(),
                eligibility_description: s.intake_criteria.clone(),
                fees_description: s.cost.clone(),
                application_process: format!(
                    "referral_method={}; next_step={}",
                    s.referral_method, s.next_step
                ),
                languages: s
                    .languages
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(|l| hsds::Language { code: l.to_owned() })
                    .collect(),
                schedules: if s.hours.is_empty() {
                    Vec::new()
                } else {
                    vec![hsds::Schedule {
                        description: s.hours.clone(),
                    }]
                },
            });
            if r.area_name.is_some() || !s.address.is_empty() {
                out.locations.push(hsds::Location {
                    id: s.guide_service_id,
                    location_type: "physical".into(),
                    organization_id: org_id,
                    name: r.area_name.clone().unwrap_or_else(|| name.clone()),
                    addresses: vec![hsds::Address {
                        address_1: s.address.clone(),
                        city: r.area_name.clone().unwrap_or_default(),
                        country: s.country_code.clone(),
                        address_type: "physical".into(),
                    }],
                });
                out.service_at_locations.push(hsds::ServiceAtLocation {
                    id: s.guide_service_id,
                    service_id: s.guide_service_id,
                    location_id: s.guide_service_id,
                });
            }
            if let Some(p) = &s.phone {
                out.phones.push(hsds::Phone {
                    id: s.guide_service_id,
                    service_id: s.guide_service_id,
                    number: p.clone(),
                    kind: "voice".into(),
                });
            }
        }
        Ok(out)
    }
}
