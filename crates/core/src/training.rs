//! Training program use cases: the master curriculum (modules and presentations, with
//! revision history and stale-edit refusal), courses (created and edited, optionally
//! naming one of their institution's adaptations) with their sessions, facilitators and
//! enrolments, attendance taken on a roster, and the figures computed from attendance.
//!
//! Access: the curriculum and the figures carry no personal data and every role reads
//! them (figures limited to the own country for country-scoped roles). Course pages name
//! participants, so they need `ManageCourses` over the course's institution or
//! `TakeAttendance`; a facilitator takes attendance only for courses they facilitate
//! (checked here against `training_facilitator`). Anything out of reach is "not found".

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, ListScope, Owner, Role, authorize, list_scope};
use atlas_domain::directory::{CountryCode, parse_version};
use atlas_domain::training::{
    AttendanceStatus, CourseDraft, CourseInput, EnrolDraft, EnrolInput, ModuleDraft, ModuleInput,
    PresentationDraft, PresentationInput, SessionDraft, SessionInput, check_mark, join_codes,
    national_id_hash, parse_date,
};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::training::{
    self as st, CourseFilter, CourseRow, FiguresFilter, ModuleRow, RevisionRow, TrainedGroup,
};
use uuid::Uuid;

pub use atlas_store::training::{
    AccountChoice, CourseRow as Course, EnrolledView, FacilitatorView, Figures, MarkRow,
    ModuleRow as Module, PresentationRow as Presentation, RevisionView, SessionRow as Session,
};

/// The figures of one country (or all) and period with their breakdowns.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FiguresReport {
    /// The country the figures are for; `None` means every country.
    pub country: Option<String>,
    /// First and last day of the period (inclusive); `None`: open.
    pub from: Option<String>,
    pub to: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
    /// Individuals trained by sex code.
    pub by_sex: Vec<(String, i64)>,
    /// Individuals trained by age band code.
    pub by_age_band: Vec<(String, i64)>,
    /// Individuals trained by occupation code.
    pub by_occupation: Vec<(String, i64)>,
    /// Individuals trained by the acronym of the institution they work for.
    pub by_institution: Vec<(String, i64)>,
    /// Individuals trained by the country of the institution they work for.
    pub by_country: Vec<(String, i64)>,
    /// Mean knowledge gain by the institution running the courses (aggregates only).
    pub gain_by_institution: Vec<atlas_store::training_tests::InstitutionGain>,
}

/// Sums `groups` by `key`, largest first (ties by key). Each person is in one group.
fn sum_by(groups: &[TrainedGroup], key: impl Fn(&TrainedGroup) -> &str) -> Vec<(String, i64)> {
    let mut m: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for g in groups {
        *m.entry(key(g)).or_default() += g.people;
    }
    let mut v: Vec<(String, i64)> = m.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// A period of the figures: `from` and `to` as `YYYY-MM-DD` (either may be empty), `to`
/// not before `from`. Errors name the field.
pub fn parse_period(from: &str, to: &str) -> Result<(Option<String>, Option<String>)> {
    let mut e = FieldErrors::new();
    let mut one = |name: &str, v: &str| -> Option<time::Date> {
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        let d = atlas_domain::training::parse_date(v);
        if d.is_none() {
            e.add(name, "field-date");
        }
        d
    };
    let (f, t) = (one("from", from), one("to", to));
    if let (Some(f), Some(t)) = (f, t)
        && t < f
    {
        e.add("to", "field-date-order");
    }
    Ok(e.into_result((f.map(|d| d.to_string()), t.map(|d| d.to_string())))?)
}

/// A course and what the actor may do with it.
#[derive(Debug, Clone)]
pub struct CourseAccess {
    pub course: CourseRow,
    /// May add sessions, facilitators and enrol participants.
    pub manage: bool,
    /// May take attendance.
    pub attend: bool,
}

/// One roster: a session of a course, the people enrolled and their current marks.
#[derive(Debug, Clone)]
pub struct Roster {
    pub course: CourseRow,
    pub session: st::SessionRow,
    pub enrolled: Vec<EnrolledView>,
    pub marks: Vec<MarkRow>,
}

/// Attendance submitted on a roster: the course the roster was for and one status per
/// participant id (unmarked people are left out).
#[derive(Debug, Clone, Default)]
pub struct AttendanceInput {
    pub training_course_id: String,
    pub marks: Vec<(String, String)>,
}

fn owner(c: &CourseRow) -> Result<Owner> {
    Ok(Owner {
        institution_id: Some(c.institution_id),
        country: CountryCode::parse(&c.country_code).context("unknown country stored")?,
    })
}

fn changed_by(by: By<'_>) -> Option<Uuid> {
    by.audit_actor().map(|a| a.0)
}

fn audit_event(by: By<'_>, action: &str, entity: &str, id: Uuid, summary: String) -> NewEvent {
    NewEvent::new(by.audit_actor(), action, entity, id, summary)
}

fn curriculum_editor(by: By<'_>) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize(a, Action::EditCurriculum, None)?),
        By::Operator => Ok(()),
    }
}

fn module_row(id: Uuid, d: ModuleDraft, now: time::OffsetDateTime, version: i64) -> ModuleRow {
    ModuleRow {
        training_module_id: id,
        ordinal: d.ordinal,
        title: d.title,
        summary: d.summary,
        objectives: d.objectives,
        stage: d.stage.as_str().to_owned(),
        crime_types: join_codes(&d.crime_types),
        audiences: join_codes(&d.audiences),
        duration_minutes: d.duration_minutes,
        language: d.language.as_str().to_owned(),
        created_at: now,
        updated_at: now,
        version,
    }
}

async fn revision(
    tx: &mut atlas_store::Tx,
    by: By<'_>,
    m: &ModuleRow,
    now: time::OffsetDateTime,
) -> Result<()> {
    let snapshot = serde_json::to_string(m).context("snapshot module")?;
    record_revision(
        tx,
        by,
        "training_module",
        m.training_module_id,
        m.version,
        snapshot,
        now,
    )
    .await
}

pub(crate) async fn record_revision(
    tx: &mut atlas_store::Tx,
    by: By<'_>,
    entity_type: &str,
    entity_id: Uuid,
    version: i64,
    snapshot: String,
    now: time::OffsetDateTime,
) -> Result<()> {
    st::insert_revision(
        tx,
        &RevisionRow {
            training_revision_id: Uuid::now_v7(),
            entity_type: entity_type.into(),
            entity_id,
            version,
            snapshot,
            changed_by: changed_by(by),
            created_at: now,
        },
    )
    .await?;
    Ok(())
}

async fn presentation_revision(
    tx: &mut atlas_store::Tx,
    by: By<'_>,
    p: &st::PresentationRow,
    now: time::OffsetDateTime,
) -> Result<()> {
    let snapshot = serde_json::to_string(p).context("snapshot presentation")?;
    record_revision(
        tx,
        by,
        "training_presentation",
        p.training_presentation_id,
        p.version,
        snapshot,
        now,
    )
    .await
}

fn presentation_row(
    id: Uuid,
    d: PresentationDraft,
    now: time::OffsetDateTime,
    version: i64,
) -> st::PresentationRow {
    st::PresentationRow {
        training_presentation_id: id,
        training_module_id: d.training_module_id,
        ordinal: d.ordinal,
        title: d.title,
        summary: d.summary,
        duration_minutes: d.duration_minutes,
        objectives: d.objectives,
        crime_types: join_codes(&d.crime_types),
        audiences: join_codes(&d.audiences),
        created_at: now,
        updated_at: now,
        version,
    }
}

/// Refuses (field error) an adaptation that does not exist or belongs to another
/// institution than the course's.
async fn check_adaptation(
    tx: &mut atlas_store::Tx,
    adaptation: Option<Uuid>,
    institution: Uuid,
    e: &mut FieldErrors,
) -> Result<()> {
    if let Some(aid) = adaptation
        && atlas_store::training_adaptation::institution_of_tx(tx, aid).await? != Some(institution)
    {
        e.add("training_adaptation_id", "field-reference");
    }
    Ok(())
}

impl App {
    /// The figures (and breakdowns) the actor may read: their own country for
    /// country-scoped roles (another country is not found), else `country` or all.
    pub async fn training_figures(
        &self,
        actor: &Actor,
        country: Option<&CountryCode>,
        period: (Option<String>, Option<String>),
    ) -> Result<FiguresReport> {
        let country = match list_scope(actor, Action::ReadTrainingFigures)? {
            ListScope::All => country.map(|c| c.as_str().to_owned()),
            ListScope::Country(own) => match country {
                Some(c) if *c != own => return Err(RuleError::NotFound.into()),
                _ => Some(own.as_str().to_owned()),
            },
            ListScope::Institution(_) => Some(actor.country.as_str().to_owned()),
        };
        let filter = FiguresFilter {
            country: country.clone(),
            from: period.0.clone(),
            to: period.1.clone(),
        };
        let (figures, groups) = st::figures(&self.db, &filter).await?;
        Ok(FiguresReport {
            figures,
            by_sex: sum_by(&groups, |g| &g.sex),
            by_age_band: sum_by(&groups, |g| &g.age_band),
            by_occupation: sum_by(&groups, |g| &g.occupation),
            by_institution: sum_by(&groups, |g| &g.institution),
            by_country: sum_by(&groups, |g| &g.country_code),
            gain_by_institution: atlas_store::training_tests::gain_by_institution(
                &self.db,
                filter.country.as_deref(),
            )
            .await?,
            country,
            from: period.0,
            to: period.1,
        })
    }

    /// The master curriculum: modules in order, each with its presentations.
    pub async fn curriculum(&self, actor: &Actor) -> Result<Vec<(Module, Vec<Presentation>)>> {
        authorize(actor, Action::ReadTrainingFigures, None)?;
        let mut pres = st::list_presentations(&self.db).await?;
        Ok(st::list_modules(&self.db)
            .await?
            .into_iter()
            .map(|m| {
                let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut pres)
                    .into_iter()
                    .partition(|p| p.training_module_id == m.training_module_id);
                pres = rest;
                let mut mine = mine;
                mine.sort_by_key(|p| p.ordinal);
                (m, mine)
            })
            .collect())
    }

    /// One module and its revisions (newest first).
    pub async fn module(&self, actor: &Actor, id: Uuid) -> Result<(Module, Vec<RevisionView>)> {
        authorize(actor, Action::ReadTrainingFigures, None)?;
        let m = st::get_module(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let revs = st::list_revisions(&self.db, "training_module", id).await?;
        Ok((m, revs))
    }

    /// Adds a module to the master curriculum (version 1, with its first revision).
    pub async fn create_module(&self, by: By<'_>, input: &ModuleInput) -> Result<Module> {
        curriculum_editor(by)?;
        let d = ModuleDraft::parse(input)?;
        let now = self.now();
        let row = module_row(Uuid::now_v7(), d, now, 1);
        let mut tx = self.db.begin().await?;
        st::insert_module(&mut tx, &row).await?;
        revision(&mut tx, by, &row, now).await?;
        let ev = audit_event(
            by,
            "training.module.create",
            "training_module",
            row.training_module_id,
            format!("version={}", row.version),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits a module if `input.version` is still current (else `Stale`); bumps the
    /// version and keeps a revision snapshot.
    pub async fn update_module(&self, by: By<'_>, id: Uuid, input: &ModuleInput) -> Result<Module> {
        curriculum_editor(by)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_module_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let d = ModuleDraft::parse(input)?;
        let version = parse_version(&input.version)?;
        let row = ModuleRow {
            created_at: cur.created_at,
            ..module_row(id, d, now, version + 1)
        };
        if !st::update_module(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        revision(&mut tx, by, &row, now).await?;
        let ev = audit_event(
            by,
            "training.module.update",
            "training_module",
            id,
            format!("version={}", row.version),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a presentation to a module.
    pub async fn create_presentation(
        &self,
        by: By<'_>,
        input: &PresentationInput,
    ) -> Result<Presentation> {
        curriculum_editor(by)?;
        let d = PresentationDraft::parse(input)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if st::get_module_tx(&mut tx, d.training_module_id)
            .await?
            .is_none()
        {
            return Err(RuleError::Invalid(FieldErrors::single(
                "training_module_id",
                "field-reference",
            ))
            .into());
        }
        let row = presentation_row(Uuid::now_v7(), d, now, 1);
        st::insert_presentation(&mut tx, &row).await?;
        presentation_revision(&mut tx, by, &row, now).await?;
        let ev = audit_event(
            by,
            "training.presentation.create",
            "training_presentation",
            row.training_presentation_id,
            format!("module={}", row.training_module_id),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// One presentation, its module and its revisions (newest first).
    pub async fn presentation(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(Presentation, Module, Vec<RevisionView>)> {
        authorize(actor, Action::ReadTrainingFigures, None)?;
        let p = st::get_presentation(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let m = st::get_module(&self.db, p.training_module_id)
            .await?
            .context("presentation without module")?;
        let revs = st::list_revisions(&self.db, "training_presentation", id).await?;
        Ok((p, m, revs))
    }

    /// Edits a presentation if `input.version` is still current (else `Stale`); bumps the
    /// version and keeps a revision snapshot, which adaptations compare against. The
    /// presentation stays in its module (`input.training_module_id` is ignored).
    pub async fn update_presentation(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &PresentationInput,
    ) -> Result<Presentation> {
        curriculum_editor(by)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_presentation_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let d = PresentationDraft::parse(&PresentationInput {
            training_module_id: cur.training_module_id.to_string(),
            ..input.clone()
        })?;
        let version = parse_version(&input.version)?;
        let row = st::PresentationRow {
            created_at: cur.created_at,
            ..presentation_row(id, d, now, version + 1)
        };
        if !st::update_presentation(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        presentation_revision(&mut tx, by, &row, now).await?;
        let ev = audit_event(
            by,
            "training.presentation.update",
            "training_presentation",
            id,
            format!("version={}", row.version),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Courses the actor may open: within their `ManageCourses` scope, or for a
    /// facilitator the courses they facilitate. Roles with neither are forbidden.
    pub async fn courses(&self, actor: &Actor) -> Result<Vec<Course>> {
        let f = match list_scope(actor, Action::ManageCourses) {
            Ok(ListScope::All) => CourseFilter::default(),
            Ok(ListScope::Country(c)) => CourseFilter {
                country: Some(c.as_str().to_owned()),
                ..Default::default()
            },
            Ok(ListScope::Institution(i)) => CourseFilter {
                institution_id: Some(i),
                ..Default::default()
            },
            Err(_) => {
                authorize(actor, Action::TakeAttendance, None)?;
                CourseFilter {
                    institution_id: Some(actor.institution_id),
                    facilitator: Some(actor.user_id),
                    ..Default::default()
                }
            }
        };
        Ok(st::list_courses(&self.db, &f).await?)
    }

    async fn access(&self, by: By<'_>, course: CourseRow) -> Result<CourseAccess> {
        let By::User(a) = by else {
            return Ok(CourseAccess {
                course,
                manage: true,
                attend: true,
            });
        };
        let o = owner(&course)?;
        let manage = authorize(a, Action::ManageCourses, Some(&o)).is_ok();
        let mut attend = authorize(a, Action::TakeAttendance, Some(&o)).is_ok();
        if attend && a.role == Role::Facilitator {
            attend = st::is_facilitator(&self.db, course.training_course_id, a.user_id).await?;
        }
        if !manage && !attend {
            return Err(RuleError::NotFound.into());
        }
        Ok(CourseAccess {
            course,
            manage,
            attend,
        })
    }

    /// One course with what the actor may do on it; not found when out of reach.
    pub async fn course(&self, by: By<'_>, id: Uuid) -> Result<CourseAccess> {
        let c = st::get_course(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        self.access(by, c).await
    }

    /// Sessions, facilitators and enrolled people of a course the actor may open.
    pub async fn course_detail(
        &self,
        by: By<'_>,
        id: Uuid,
    ) -> Result<(
        CourseAccess,
        Vec<Session>,
        Vec<FacilitatorView>,
        Vec<EnrolledView>,
    )> {
        let acc = self.course(by, id).await?;
        Ok((
            acc,
            st::list_sessions(&self.db, id).await?,
            st::list_facilitators(&self.db, id).await?,
            st::list_enrolled(&self.db, id).await?,
        ))
    }

    /// Accounts of the course's institution that may be named facilitator.
    pub async fn facilitator_choices(&self, course: &Course) -> Result<Vec<AccountChoice>> {
        Ok(st::facilitator_choices(&self.db, course.institution_id).await?)
    }

    /// Creates a course for an institution within the actor's `ManageCourses` scope.
    pub async fn create_course(&self, by: By<'_>, input: &CourseInput) -> Result<Course> {
        if let By::User(a) = by {
            authorize(a, Action::ManageCourses, None)?;
        }
        let d = CourseDraft::parse(input)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let inst = atlas_store::directory::get_institution_tx(&mut tx, d.institution_id).await?;
        let mut e = FieldErrors::new();
        let Some(inst) = inst else {
            return Err(RuleError::Invalid(FieldErrors::single(
                "institution_id",
                "field-reference",
            ))
            .into());
        };
        let o = Owner {
            institution_id: Some(inst.institution_id),
            country: CountryCode::parse(&inst.country_code).context("unknown country stored")?,
        };
        if let By::User(a) = by
            && authorize(a, Action::ManageCourses, Some(&o)).is_err()
        {
            e.add("institution_id", "field-reference");
        }
        if let Some(aid) = d.area_id {
            match atlas_store::directory::get_area_tx(&mut tx, aid).await? {
                Some(a) if a.country_code == inst.country_code => {}
                _ => e.add("area_id", "field-reference"),
            }
        }
        check_adaptation(
            &mut tx,
            d.training_adaptation_id,
            inst.institution_id,
            &mut e,
        )
        .await?;
        e.into_result(())?;
        let row = CourseRow {
            training_course_id: Uuid::now_v7(),
            institution_id: inst.institution_id,
            title: d.title,
            framework: d.framework,
            stage: d.stage.as_str().to_owned(),
            area_id: d.area_id,
            is_virtual: d.is_virtual,
            capacity: d.capacity,
            attendance_min_percent: d.attendance_min_percent,
            post_test_min_percent: d.post_test_min_percent,
            training_adaptation_id: d.training_adaptation_id,
            created_at: now,
            updated_at: now,
            version: 1,
            country_code: inst.country_code,
            institution_acronym: inst.acronym,
        };
        st::insert_course(&mut tx, &row).await?;
        let ev = audit_event(
            by,
            "training.course.create",
            "training_course",
            row.training_course_id,
            format!("institution={} stage={}", row.institution_id, row.stage),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits a course of an institution within the actor's `ManageCourses` scope (else
    /// not found): title, framework, stage, place, capacity, thresholds and adaptation
    /// (one of the course's institution's). A stale `input.version` is refused.
    pub async fn update_course(&self, by: By<'_>, id: Uuid, input: &CourseInput) -> Result<Course> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = self.managed_course_tx(&mut tx, by, id).await?;
        let d = CourseDraft::parse(&CourseInput {
            institution_id: cur.institution_id.to_string(),
            ..input.clone()
        })?;
        let version = parse_version(&input.version)?;
        let mut e = FieldErrors::new();
        if let Some(aid) = d.area_id {
            match atlas_store::directory::get_area_tx(&mut tx, aid).await? {
                Some(a) if a.country_code == cur.country_code => {}
                _ => e.add("area_id", "field-reference"),
            }
        }
        check_adaptation(
            &mut tx,
            d.training_adaptation_id,
            cur.institution_id,
            &mut e,
        )
        .await?;
        e.into_result(())?;
        let row = CourseRow {
            title: d.title,
            framework: d.framework,
            stage: d.stage.as_str().to_owned(),
            area_id: d.area_id,
            is_virtual: d.is_virtual,
            capacity: d.capacity,
            attendance_min_percent: d.attendance_min_percent,
            post_test_min_percent: d.post_test_min_percent,
            training_adaptation_id: d.training_adaptation_id,
            updated_at: now,
            version: version + 1,
            ..cur.clone()
        };
        if !st::update_course(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        let ev = audit_event(
            by,
            "training.course.update",
            "training_course",
            id,
            format!(
                "version={} stage={} adaptation={}",
                row.version,
                row.stage,
                row.training_adaptation_id
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "-".into())
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn managed_course_tx(
        &self,
        tx: &mut atlas_store::Tx,
        by: By<'_>,
        id: Uuid,
    ) -> Result<CourseRow> {
        let c = st::get_course_tx(tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        if let By::User(a) = by {
            authorize(a, Action::ManageCourses, Some(&owner(&c)?))?;
        }
        Ok(c)
    }

    /// Adds a session to a course.
    pub async fn add_session(
        &self,
        by: By<'_>,
        course: Uuid,
        input: &SessionInput,
    ) -> Result<Session> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.managed_course_tx(&mut tx, by, course).await?;
        let d = SessionDraft::parse(input)?;
        let row = st::SessionRow {
            training_session_id: Uuid::now_v7(),
            training_course_id: course,
            held_on: d.held_on.to_string(),
            place: d.place,
            created_at: now,
            updated_at: now,
        };
        st::insert_session(&mut tx, &row).await?;
        let ev = audit_event(
            by,
            "training.session.create",
            "training_session",
            row.training_session_id,
            format!("course={course} held_on={}", row.held_on),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Names an account of the course's institution (a facilitator or training
    /// coordinator) as facilitator of the course.
    pub async fn add_facilitator(
        &self,
        by: By<'_>,
        course: Uuid,
        account: &str,
        is_pilot: bool,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let c = self.managed_course_tx(&mut tx, by, course).await?;
        let bad = || RuleError::Invalid(FieldErrors::single("account_id", "field-reference"));
        let id = Uuid::parse_str(account.trim()).map_err(|_| bad())?;
        match st::account_tx(&mut tx, id).await? {
            Some(a)
                if a.institution_id == c.institution_id
                    && (a.role == "facilitator" || a.role == "training_coordinator") => {}
            _ => return Err(bad().into()),
        }
        if !st::insert_facilitator(&mut tx, course, id, is_pilot, now).await? {
            return Err(RuleError::Invalid(FieldErrors::single(
                "account_id",
                "facilitator-already",
            ))
            .into());
        }
        let ev = audit_event(
            by,
            "training.facilitator.add",
            "training_course",
            course,
            format!("account={id} pilot={is_pilot}"),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enrols a person in a course. With a national id, a participant already known in
    /// the course's country is reused (so one person is counted once in the figures);
    /// otherwise a participant is created. Returns the participant id.
    pub async fn enrol(&self, by: By<'_>, course: Uuid, input: &EnrolInput) -> Result<Uuid> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let c = self.managed_course_tx(&mut tx, by, course).await?;
        let d = EnrolDraft::parse(input)?;
        let mut e = FieldErrors::new();
        match atlas_store::directory::get_institution_tx(&mut tx, d.institution_id).await? {
            Some(i) if i.country_code == c.country_code => {}
            _ => e.add("institution_id", "field-reference"),
        }
        if st::enrolled_count_tx(&mut tx, course).await? >= c.capacity {
            e.add("full_name", "course-full");
        }
        e.into_result(())?;
        let hash = d
            .national_id
            .as_deref()
            .map(|n| national_id_hash(&self.settings.index_key, &c.country_code, n));
        let existing = match &hash {
            Some(h) => st::participant_by_hash_tx(&mut tx, &c.country_code, h).await?,
            None => None,
        };
        let pid = match existing {
            Some(p) => {
                if st::enrolled_on_tx(&mut tx, course, p.participant_id)
                    .await?
                    .is_some()
                {
                    return Err(RuleError::Invalid(FieldErrors::single(
                        "national_id",
                        "participant-already-enrolled",
                    ))
                    .into());
                }
                p.participant_id
            }
            None => {
                let p = st::ParticipantRow {
                    participant_id: Uuid::now_v7(),
                    full_name: d.full_name,
                    sex: d.sex.as_str().to_owned(),
                    age_band: d.age_band.as_str().to_owned(),
                    occupation: d.occupation.as_str().to_owned(),
                    institution_id: d.institution_id,
                    country_code: c.country_code.clone(),
                    national_id_hash: hash,
                    contact: d.contact,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                };
                st::insert_participant(&mut tx, &p).await?;
                let ev = audit_event(
                    by,
                    "training.participant.create",
                    "participant",
                    p.participant_id,
                    format!("institution={}", p.institution_id),
                );
                st_audit::append(&mut tx, now, &ev).await?;
                p.participant_id
            }
        };
        let eid = Uuid::now_v7();
        st::insert_enrolment(&mut tx, eid, course, pid, &d.enrolled_on.to_string(), now).await?;
        let ev = audit_event(
            by,
            "training.participant.enrol",
            "enrolment",
            eid,
            format!("course={course} participant={pid}"),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(pid)
    }

    /// The roster of a session: who is enrolled and their current marks.
    pub async fn roster(&self, by: By<'_>, session: Uuid) -> Result<Roster> {
        let s = st::get_session(&self.db, session)
            .await?
            .ok_or(RuleError::NotFound)?;
        let acc = self.course(by, s.training_course_id).await?;
        if !acc.attend {
            return Err(RuleError::NotFound.into());
        }
        Ok(Roster {
            enrolled: st::list_enrolled(&self.db, s.training_course_id).await?,
            marks: st::list_marks(&self.db, session).await?,
            course: acc.course,
            session: s,
        })
    }

    /// Records a roster in one transaction: every mark is checked first (a session of the
    /// named course, a person enrolled in it, no "absent" before their enrolment date);
    /// any problem rejects the whole roster with one message per field.
    pub async fn take_attendance(
        &self,
        by: By<'_>,
        session: Uuid,
        input: &AttendanceInput,
    ) -> Result<usize> {
        let s = st::get_session(&self.db, session)
            .await?
            .ok_or(RuleError::NotFound)?;
        let acc = self.course(by, s.training_course_id).await?;
        if !acc.attend {
            return Err(RuleError::NotFound.into());
        }
        let now = self.now();
        let mut e = FieldErrors::new();
        // The roster names the course it was drawn for; a session of another course is
        // refused (a stale or tampered form).
        let named = Uuid::parse_str(input.training_course_id.trim()).ok();
        if named.is_none() {
            e.add("training_course_id", "field-reference");
        }
        let course_id = named.unwrap_or(s.training_course_id);
        let held_on = parse_date(&s.held_on).context("stored session date")?;
        let mut tx = self.db.begin().await?;
        let mut good = Vec::new();
        let mut counts = [0usize; 4];
        for (pid, status) in &input.marks {
            let field = format!("status-{pid}");
            let Some(st_) = AttendanceStatus::parse(status) else {
                e.add(&field, "field-choice");
                continue;
            };
            let Ok(p) = Uuid::parse_str(pid) else {
                e.add(&field, "field-reference");
                continue;
            };
            let Some(enrolled) = st::enrolled_on_tx(&mut tx, s.training_course_id, p).await? else {
                e.add(&field, "field-reference");
                continue;
            };
            let enrolled = parse_date(&enrolled).context("stored enrolment date")?;
            if let Err(k) = check_mark(course_id, s.training_course_id, held_on, enrolled, st_) {
                let f = if k == "attendance-session-other-course" {
                    "training_course_id"
                } else {
                    field.as_str()
                };
                if e.get(f).is_none() {
                    e.add(f, k);
                }
                continue;
            }
            counts[AttendanceStatus::ALL
                .iter()
                .position(|x| *x == st_)
                .unwrap_or(0)] += 1;
            good.push((p, st_));
        }
        if input.marks.is_empty() {
            e.add("marks", "attendance-empty");
        }
        e.into_result(())?;
        let taken_by = changed_by(by);
        for (p, st_) in &good {
            st::upsert_mark(&mut tx, session, *p, st_.as_str(), taken_by, now).await?;
        }
        let ev = audit_event(
            by,
            "training.attendance.take",
            "training_session",
            session,
            format!(
                "course={} present={} late={} excused={} absent={}",
                s.training_course_id, counts[0], counts[1], counts[2], counts[3]
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(good.len())
    }
}
