//! Training pages: the figures dashboard, the master curriculum with the module and
//! presentation edit forms and their revision history, courses (list, new, edit, course
//! page with sessions, facilitators and enrolments) and the attendance roster of a session.

use super::{FormState, Shell, render, render_status};
use super::{err, status_of};
use crate::AppState;
use crate::extract::{FormMap, Params, UserCtx};
use askama::Template;
use atlas_core::By;
use atlas_core::certificates::Certificate;
use atlas_core::directory::Query;
use atlas_core::training::{
    AccountChoice, AttendanceInput, Course, EnrolledView, FacilitatorView, FiguresReport, Module,
    Presentation, RevisionView, Session,
};
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::auth::{Action, Actor, Owner, Scope, authorize, can, scope};
use atlas_domain::directory::{COUNTRIES, CountryCode};
use atlas_domain::training::{
    AgeBand, AttendanceStatus, CourseInput, CourseStage, CrimeType, EnrolInput, ModuleInput,
    ModuleLanguage, Occupation, PresentationInput, SessionInput, Sex, Stage,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

fn codes<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| f(*v)).collect()
}

fn when(t: time::OffsetDateTime) -> String {
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

#[derive(Template)]
#[template(path = "training/dashboard.html")]
struct DashboardPage {
    s: Shell,
    /// None when the filter is invalid (its errors are in `f`).
    r: Option<FiguresReport>,
    f: FormState,
    country: String,
    countries: Vec<String>,
    can_courses: bool,
    can_adaptations: bool,
    mean_gain: Option<String>,
    /// (institution acronym, mean gain, pairs).
    gains: Vec<(String, String, i64)>,
}

/// GET /training?country=&from=&to=
pub async fn dashboard(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let actor = u.actor();
    let all = scope(actor.role, Action::ReadTrainingFigures) == Some(Scope::All);
    let country = p.get("country").and_then(CountryCode::parse);
    let (from, to) = (p.get("from").unwrap_or(""), p.get("to").unwrap_or(""));
    let mut f = FormState::with([("from", from.to_owned()), ("to", to.to_owned())]);
    let (r, status) = match atlas_core::training::parse_period(from, to) {
        Ok(period) => match state
            .app
            .training_figures(actor, country.as_ref(), period)
            .await
        {
            Ok(r) => (Some(r), StatusCode::OK),
            Err(e) => return err(e),
        },
        Err(atlas_core::Error::Rule(RuleError::Invalid(e))) => {
            f.errors = e;
            (None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return err(e),
    };
    render_status(
        status,
        &DashboardPage {
            s: Shell::new(&u.ctx, "training-title"),
            mean_gain: r
                .as_ref()
                .and_then(|r| r.figures.mean_knowledge_gain)
                .map(fmt_gain),
            gains: r
                .as_ref()
                .map(|r| {
                    r.gain_by_institution
                        .iter()
                        .map(|g| {
                            (
                                g.institution_acronym.clone(),
                                fmt_gain(g.mean_gain),
                                g.pairs,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            country: r
                .as_ref()
                .and_then(|r| r.country.clone())
                .or_else(|| country.map(|c| c.as_str().to_owned()))
                .unwrap_or_default(),
            r,
            f,
            countries: if all {
                COUNTRIES.iter().map(|c| (*c).to_owned()).collect()
            } else {
                Vec::new()
            },
            can_courses: can(actor, Action::ManageCourses) || can(actor, Action::TakeAttendance),
            can_adaptations: can(actor, Action::ReadAdaptations),
        },
    )
}

#[derive(Template)]
#[template(path = "training/curriculum.html")]
struct CurriculumPage {
    s: Shell,
    modules: Vec<(Module, Vec<Presentation>)>,
    can_edit: bool,
    total: usize,
}

/// GET /training/curriculum
pub async fn curriculum(State(state): State<AppState>, u: UserCtx) -> Response {
    match state.app.curriculum(u.actor()).await {
        Ok(modules) => render(&CurriculumPage {
            s: Shell::new(&u.ctx, "training-curriculum"),
            total: modules.iter().map(|m| m.1.len()).sum(),
            modules,
            can_edit: can(u.actor(), Action::EditCurriculum),
        }),
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "training/module_form.html")]
struct ModuleForm {
    s: Shell,
    f: FormState,
    id: Uuid,
    stale: bool,
    revisions: Vec<(i64, String, String)>,
    stages: Vec<&'static str>,
    crimes: Vec<&'static str>,
    audiences: Vec<&'static str>,
    languages: Vec<&'static str>,
}

fn module_values(i: &ModuleInput) -> FormState {
    FormState::with([
        ("ordinal", i.ordinal.clone()),
        ("title", i.title.clone()),
        ("summary", i.summary.clone()),
        ("objectives", i.objectives.clone()),
        ("stage", i.stage.clone()),
        ("crime_types", i.crime_types.clone()),
        ("audiences", i.audiences.clone()),
        ("duration_minutes", i.duration_minutes.clone()),
        ("language", i.language.clone()),
        ("version", i.version.clone()),
    ])
}

fn checked(f: &FormMap, name: &str, all: &[&'static str]) -> String {
    all.iter()
        .filter(|c| f.0.contains_key(&format!("{name}-{c}")))
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

fn module_input(f: &FormMap) -> ModuleInput {
    ModuleInput {
        ordinal: f.s("ordinal"),
        title: f.s("title"),
        summary: f.s("summary"),
        objectives: f.s("objectives"),
        stage: f.s("stage"),
        crime_types: checked(f, "crime_types", &codes(CrimeType::ALL, CrimeType::as_str)),
        audiences: checked(f, "audiences", &codes(Occupation::ALL, Occupation::as_str)),
        duration_minutes: f.s("duration_minutes"),
        language: f.s("language"),
        version: f.s("version"),
    }
}

fn module_form(
    s: Shell,
    f: FormState,
    id: Uuid,
    stale: bool,
    revs: Vec<RevisionView>,
) -> ModuleForm {
    ModuleForm {
        s,
        f,
        id,
        stale,
        revisions: revs
            .into_iter()
            .map(|r| {
                (
                    r.version,
                    r.changed_by.unwrap_or_else(|| "—".into()),
                    when(r.created_at),
                )
            })
            .collect(),
        stages: codes(Stage::ALL, Stage::as_str),
        crimes: codes(CrimeType::ALL, CrimeType::as_str),
        audiences: codes(Occupation::ALL, Occupation::as_str),
        languages: codes(ModuleLanguage::ALL, ModuleLanguage::as_str),
    }
}

/// GET /training/curriculum/modules/{id}/edit
pub async fn edit_module(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    if let Err(e) = authorize(u.actor(), Action::EditCurriculum, None) {
        return err(e);
    }
    let (m, revs) = match state.app.module(u.actor(), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let f = FormState::with([
        ("ordinal", m.ordinal.to_string()),
        ("title", m.title.clone()),
        ("summary", m.summary.clone()),
        ("objectives", m.objectives.clone()),
        ("stage", m.stage.clone()),
        ("crime_types", m.crime_types.clone()),
        ("audiences", m.audiences.clone()),
        ("duration_minutes", m.duration_minutes.to_string()),
        ("language", m.language.clone()),
        ("version", m.version.to_string()),
    ]);
    render(&module_form(
        Shell::new(&u.ctx, "module-edit").titled(&m.title),
        f,
        id,
        false,
        revs,
    ))
}

/// POST /training/curriculum/modules/{id}
pub async fn update_module(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = module_input(&form);
    let (errors, stale) = match state
        .app
        .update_module(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => return Redirect::to(&format!("/training/curriculum#m-{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..module_values(&input)
    };
    let revs = match state.app.module(u.actor(), id).await {
        Ok((cur, revs)) => {
            if stale {
                f.values.insert("version".into(), cur.version.to_string());
            }
            revs
        }
        Err(e) => return err(e),
    };
    render_status(
        status_of(stale),
        &module_form(Shell::new(&u.ctx, "module-edit"), f, id, stale, revs),
    )
}

#[derive(Template)]
#[template(path = "training/presentation_form.html")]
struct PresentationForm {
    s: Shell,
    f: FormState,
    /// The presentation edited; `None` for a new one in `module`.
    id: Option<Uuid>,
    module: Module,
    stale: bool,
    revisions: Vec<(i64, String, String)>,
    crimes: Vec<&'static str>,
    audiences: Vec<&'static str>,
}

fn presentation_input(f: &FormMap) -> PresentationInput {
    PresentationInput {
        ordinal: f.s("ordinal"),
        title: f.s("title"),
        summary: f.s("summary"),
        duration_minutes: f.s("duration_minutes"),
        objectives: f.s("objectives"),
        crime_types: checked(f, "crime_types", &codes(CrimeType::ALL, CrimeType::as_str)),
        audiences: checked(f, "audiences", &codes(Occupation::ALL, Occupation::as_str)),
        version: f.s("version"),
        ..Default::default()
    }
}

fn presentation_form(
    s: Shell,
    f: FormState,
    id: Option<Uuid>,
    module: Module,
    stale: bool,
    revs: Vec<RevisionView>,
) -> PresentationForm {
    PresentationForm {
        s,
        f,
        id,
        module,
        stale,
        revisions: revs
            .into_iter()
            .map(|r| {
                (
                    r.version,
                    r.changed_by.unwrap_or_else(|| "—".into()),
                    when(r.created_at),
                )
            })
            .collect(),
        crimes: codes(CrimeType::ALL, CrimeType::as_str),
        audiences: codes(Occupation::ALL, Occupation::as_str),
    }
}

/// GET /training/curriculum/presentations/{id}/edit
pub async fn edit_presentation(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    if let Err(e) = authorize(u.actor(), Action::EditCurriculum, None) {
        return err(e);
    }
    let (p, m, revs) = match state.app.presentation(u.actor(), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let f = FormState::with([
        ("ordinal", p.ordinal.to_string()),
        ("title", p.title.clone()),
        ("summary", p.summary.clone()),
        ("objectives", p.objectives.clone()),
        ("crime_types", p.crime_types.clone()),
        ("audiences", p.audiences.clone()),
        ("duration_minutes", p.duration_minutes.to_string()),
        ("version", p.version.to_string()),
    ]);
    render(&presentation_form(
        Shell::new(&u.ctx, "presentation-edit").titled(&p.title),
        f,
        Some(id),
        m,
        false,
        revs,
    ))
}

/// POST /training/curriculum/presentations/{id}
pub async fn update_presentation(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = presentation_input(&form);
    let (errors, stale) = match state
        .app
        .update_presentation(By::User(u.actor()), id, &input)
        .await
    {
        Ok(p) => {
            return Redirect::to(&format!("/training/curriculum#m-{}", p.training_module_id))
                .into_response();
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..FormState::with([
            ("ordinal", input.ordinal.clone()),
            ("title", input.title.clone()),
            ("summary", input.summary.clone()),
            ("objectives", input.objectives.clone()),
            ("crime_types", input.crime_types.clone()),
            ("audiences", input.audiences.clone()),
            ("duration_minutes", input.duration_minutes.clone()),
            ("version", input.version.clone()),
        ])
    };
    let (m, revs) = match state.app.presentation(u.actor(), id).await {
        Ok((cur, m, revs)) => {
            if stale {
                f.values.insert("version".into(), cur.version.to_string());
            }
            (m, revs)
        }
        Err(e) => return err(e),
    };
    render_status(
        status_of(stale),
        &presentation_form(
            Shell::new(&u.ctx, "presentation-edit"),
            f,
            Some(id),
            m,
            stale,
            revs,
        ),
    )
}

/// GET /training/curriculum/modules/{id}/presentations/new
pub async fn new_presentation(
    State(state): State<AppState>,
    u: UserCtx,
    Path(module): Path<Uuid>,
) -> Response {
    if let Err(e) = authorize(u.actor(), Action::EditCurriculum, None) {
        return err(e);
    }
    let (m, _) = match state.app.module(u.actor(), module).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let next = match state.app.curriculum(u.actor()).await {
        Ok(c) => c
            .iter()
            .find(|(x, _)| x.training_module_id == module)
            .map_or(1, |(_, ps)| {
                ps.iter().map(|p| p.ordinal).max().unwrap_or(0) + 1
            }),
        Err(e) => return err(e),
    };
    // A new presentation starts with its module's crime types and audiences.
    let f = FormState::with([
        ("ordinal", next.to_string()),
        ("crime_types", m.crime_types.clone()),
        ("audiences", m.audiences.clone()),
        ("duration_minutes", "45".to_owned()),
    ]);
    render(&presentation_form(
        Shell::new(&u.ctx, "presentation-new"),
        f,
        None,
        m,
        false,
        Vec::new(),
    ))
}

/// POST /training/curriculum/modules/{id}/presentations
pub async fn create_presentation(
    State(state): State<AppState>,
    u: UserCtx,
    Path(module): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = PresentationInput {
        training_module_id: module.to_string(),
        ..presentation_input(&form)
    };
    let errors = match state
        .app
        .create_presentation(By::User(u.actor()), &input)
        .await
    {
        Ok(p) => {
            return Redirect::to(&format!("/training/curriculum#m-{}", p.training_module_id))
                .into_response();
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => errors,
        Err(e) => return err(e),
    };
    let m = match state.app.module(u.actor(), module).await {
        Ok((m, _)) => m,
        Err(e) => return err(e),
    };
    let f = FormState {
        errors,
        ..FormState::with([
            ("ordinal", input.ordinal.clone()),
            ("title", input.title.clone()),
            ("summary", input.summary.clone()),
            ("objectives", input.objectives.clone()),
            ("crime_types", input.crime_types.clone()),
            ("audiences", input.audiences.clone()),
            ("duration_minutes", input.duration_minutes.clone()),
        ])
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &presentation_form(
            Shell::new(&u.ctx, "presentation-new"),
            f,
            None,
            m,
            false,
            Vec::new(),
        ),
    )
}

#[derive(Template)]
#[template(path = "training/courses.html")]
struct CoursesPage {
    s: Shell,
    rows: Vec<Course>,
    can_create: bool,
}

/// GET /training/courses
pub async fn courses(State(state): State<AppState>, u: UserCtx) -> Response {
    match state.app.courses(u.actor()).await {
        Ok(rows) => render(&CoursesPage {
            s: Shell::new(&u.ctx, "training-courses"),
            rows,
            can_create: can(u.actor(), Action::ManageCourses),
        }),
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "training/course_form.html")]
struct CourseForm {
    s: Shell,
    f: FormState,
    /// The course edited; `None` for a new course.
    edit: Option<Uuid>,
    stale: bool,
    institutions: Vec<(String, String)>,
    areas: Vec<(String, String)>,
    stages: Vec<&'static str>,
    /// Adaptations the course may run, as (id, label).
    adaptations: Vec<(String, String)>,
}

/// Institutions the actor may run courses for, as (id, label).
async fn course_institutions(state: &AppState, actor: &Actor) -> Vec<(String, String)> {
    let q = Query {
        limit: 500,
        ..Default::default()
    };
    state
        .app
        .institutions(actor, &q)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|i| {
            CountryCode::parse(&i.country_code).is_some_and(|country| {
                let o = Owner {
                    institution_id: Some(i.institution_id),
                    country,
                };
                authorize(actor, Action::ManageCourses, Some(&o)).is_ok()
            })
        })
        .map(|i| {
            (
                i.institution_id.to_string(),
                format!("{} — {}", i.acronym, i.name),
            )
        })
        .collect()
}

async fn course_form(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    edit: Option<&Course>,
    stale: bool,
) -> CourseForm {
    let areas = state
        .app
        .areas(
            u.actor(),
            &Query {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            (
                a.area_id.to_string(),
                format!("{} ({})", a.name, a.country_code),
            )
        })
        .collect();
    let institutions = match edit {
        Some(_) => Vec::new(),
        None => course_institutions(state, u.actor()).await,
    };
    // The adaptations of the course's institution, or of every institution offered.
    let adaptations = state
        .app
        .adaptation_choices(edit.map(|c| c.institution_id))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(id, inst, title)| {
            if edit.is_some() {
                return Some((id.to_string(), title));
            }
            let i = inst.to_string();
            institutions
                .iter()
                .find(|(x, _)| *x == i)
                .map(|(_, label)| {
                    let acr = label.split(" — ").next().unwrap_or_default();
                    (id.to_string(), format!("{acr} — {title}"))
                })
        })
        .collect();
    CourseForm {
        s: match edit {
            Some(c) => Shell::new(&u.ctx, "course-edit").titled(&c.title),
            None => Shell::new(&u.ctx, "course-new"),
        },
        f,
        edit: edit.map(|c| c.training_course_id),
        stale,
        institutions,
        areas,
        stages: codes(CourseStage::ALL, CourseStage::as_str),
        adaptations,
    }
}

fn course_input(form: &FormMap) -> CourseInput {
    CourseInput {
        institution_id: form.s("institution_id"),
        title: form.s("title"),
        framework: form.s("framework"),
        stage: form.s("stage"),
        area_id: form.s("area_id"),
        is_virtual: form.s("is_virtual"),
        capacity: form.s("capacity"),
        attendance_min_percent: form.s("attendance_min_percent"),
        post_test_min_percent: form.s("post_test_min_percent"),
        training_adaptation_id: form.s("training_adaptation_id"),
        version: form.s("version"),
    }
}

fn course_values(input: &CourseInput) -> FormState {
    FormState::with([
        ("institution_id", input.institution_id.clone()),
        ("title", input.title.clone()),
        ("framework", input.framework.clone()),
        ("stage", input.stage.clone()),
        ("area_id", input.area_id.clone()),
        ("is_virtual", input.is_virtual.clone()),
        ("capacity", input.capacity.clone()),
        (
            "attendance_min_percent",
            input.attendance_min_percent.clone(),
        ),
        ("post_test_min_percent", input.post_test_min_percent.clone()),
        (
            "training_adaptation_id",
            input.training_adaptation_id.clone(),
        ),
        ("version", input.version.clone()),
    ])
}

/// GET /training/courses/{id}/edit
pub async fn edit_course(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let acc = match state.app.course(By::User(u.actor()), id).await {
        Ok(a) if a.manage => a,
        Ok(_) => return err(RuleError::NotFound),
        Err(e) => return err(e),
    };
    let c = &acc.course;
    let f = FormState::with([
        ("title", c.title.clone()),
        ("framework", c.framework.clone().unwrap_or_default()),
        ("stage", c.stage.clone()),
        (
            "area_id",
            c.area_id.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("is_virtual", if c.is_virtual { "1" } else { "" }.to_owned()),
        ("capacity", c.capacity.to_string()),
        (
            "attendance_min_percent",
            c.attendance_min_percent.to_string(),
        ),
        (
            "post_test_min_percent",
            c.post_test_min_percent
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ),
        (
            "training_adaptation_id",
            c.training_adaptation_id
                .map(|a| a.to_string())
                .unwrap_or_default(),
        ),
        ("version", c.version.to_string()),
    ]);
    render(&course_form(&state, &u, f, Some(c), false).await)
}

/// POST /training/courses/{id}
pub async fn update_course(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = course_input(&form);
    let (errors, stale) = match state
        .app
        .update_course(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => return Redirect::to(&format!("/training/courses/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let acc = match state.app.course(By::User(u.actor()), id).await {
        Ok(a) => a,
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..course_values(&input)
    };
    if stale {
        f.values
            .insert("version".into(), acc.course.version.to_string());
    }
    render_status(
        status_of(stale),
        &course_form(&state, &u, f, Some(&acc.course), stale).await,
    )
}

/// GET /training/courses/new
pub async fn new_course(State(state): State<AppState>, u: UserCtx) -> Response {
    if let Err(e) = authorize(u.actor(), Action::ManageCourses, None) {
        return err(e);
    }
    let f = FormState::with([
        ("stage", "adapting".to_owned()),
        ("capacity", "30".to_owned()),
        ("attendance_min_percent", "100".to_owned()),
    ]);
    render(&course_form(&state, &u, f, None, false).await)
}

/// POST /training/courses
pub async fn create_course(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let input = course_input(&form);
    match state.app.create_course(By::User(u.actor()), &input).await {
        Ok(c) => {
            Redirect::to(&format!("/training/courses/{}", c.training_course_id)).into_response()
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let f = FormState {
                errors,
                ..course_values(&input)
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &course_form(&state, &u, f, None, false).await,
            )
        }
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "training/course.html")]
struct CoursePage {
    s: Shell,
    c: Course,
    manage: bool,
    attend: bool,
    sessions: Vec<Session>,
    facilitators: Vec<FacilitatorView>,
    enrolled: Vec<EnrolledView>,
    session_form: FormState,
    enrol_form: FormState,
    fac_form: FormState,
    institutions: Vec<(String, String)>,
    fac_choices: Vec<AccountChoice>,
    certificates: Vec<Certificate>,
    revoke_form: FormState,
    sexes: Vec<&'static str>,
    ages: Vec<&'static str>,
    occupations: Vec<&'static str>,
    results: Vec<ResultRow>,
    /// Mean knowledge gain of the course, one decimal; `None` without pairs.
    mean_gain: Option<String>,
}

/// A participant's attendance, test scores and whether they meet the course's
/// certificate thresholds.
struct ResultRow {
    name: String,
    percent: i64,
    pre: Option<i64>,
    post: Option<i64>,
    gain: Option<i64>,
    meets: bool,
    /// (kind, token) of the participant's unused test links.
    links: Vec<(String, String)>,
}

/// A gain in percentage points with one decimal and its sign (`+12.5`).
pub(crate) fn fmt_gain(g: f64) -> String {
    format!("{g:+.1}")
}

fn results(
    c: &Course,
    sessions: usize,
    enrolled: &[EnrolledView],
    scores: &[atlas_core::training_tests::ScoreRow],
    links: &[atlas_core::training_tests::TestLink],
) -> (Vec<ResultRow>, Option<String>) {
    use atlas_domain::training::{attendance_percent, meets_thresholds};
    use atlas_domain::training_tests::{gain, mean_gain};
    let total = sessions as i64;
    let score = |p: Uuid, k: &str| {
        scores
            .iter()
            .find(|s| s.participant_id == p && s.kind == k)
            .map(|s| s.score)
    };
    let rows: Vec<ResultRow> = enrolled
        .iter()
        .map(|p| {
            let (pre, post) = (
                score(p.participant_id, "pre"),
                score(p.participant_id, "post"),
            );
            ResultRow {
                name: p.full_name.clone(),
                percent: attendance_percent(p.attended, total),
                pre,
                post,
                gain: gain(pre, post),
                meets: meets_thresholds(
                    p.attended,
                    total,
                    c.attendance_min_percent,
                    c.post_test_min_percent,
                    post,
                ),
                links: links
                    .iter()
                    .filter(|l| l.link.participant_id == p.participant_id && !l.link.used)
                    .map(|l| (l.link.kind.clone(), l.token.clone()))
                    .collect(),
            }
        })
        .collect();
    let mean = mean_gain(rows.iter().filter_map(|r| r.gain)).map(fmt_gain);
    (rows, mean)
}

#[derive(Default)]
struct CourseForms {
    session: FormState,
    enrol: FormState,
    fac: FormState,
    revoke: FormState,
}

/// The course page with a rejected revocation form (the certificate id is in its values).
pub(crate) async fn course_page_with_revoke(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    revoke: FormState,
) -> Response {
    let forms = CourseForms {
        revoke,
        ..Default::default()
    };
    course_page(state, u, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn course_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    forms: CourseForms,
    status: StatusCode,
) -> Response {
    let (acc, sessions, facilitators, enrolled) =
        match state.app.course_detail(By::User(u.actor()), id).await {
            Ok(x) => x,
            Err(e) => return err(e),
        };
    let certificates = if acc.manage {
        match state.app.course_certificates(By::User(u.actor()), id).await {
            Ok(c) => c,
            Err(e) => return err(e),
        }
    } else {
        Vec::new()
    };
    let (institutions, fac_choices) = if acc.manage {
        let insts = state
            .app
            .institutions(
                u.actor(),
                &Query {
                    country: CountryCode::parse(&acc.course.country_code),
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.institution_id.to_string(), i.acronym))
            .collect();
        let fac = match state.app.facilitator_choices(&acc.course).await {
            Ok(f) => f,
            Err(e) => return err(e),
        };
        (insts, fac)
    } else {
        (Vec::new(), Vec::new())
    };
    let scores = match state.app.course_scores(By::User(u.actor()), id).await {
        Ok(s) => s,
        Err(e) => return err(e),
    };
    let links = match state.app.test_links(By::User(u.actor()), id).await {
        Ok((_, l)) => l,
        Err(e) => return err(e),
    };
    let (results, mean_gain) = results(&acc.course, sessions.len(), &enrolled, &scores, &links);
    let mut enrol = forms.enrol;
    if enrol.v("enrolled_on").is_empty() {
        enrol
            .values
            .insert("enrolled_on".into(), state.app.now().date().to_string());
    }
    render_status(
        status,
        &CoursePage {
            s: Shell::new(&u.ctx, "training-courses").titled(&acc.course.title),
            manage: acc.manage,
            attend: acc.attend,
            c: acc.course,
            sessions,
            facilitators,
            enrolled,
            session_form: forms.session,
            enrol_form: enrol,
            fac_form: forms.fac,
            institutions,
            fac_choices,
            certificates,
            revoke_form: forms.revoke,
            sexes: codes(Sex::ALL, Sex::as_str),
            ages: codes(AgeBand::ALL, AgeBand::as_str),
            occupations: codes(Occupation::ALL, Occupation::as_str),
            results,
            mean_gain,
        },
    )
}

/// GET /training/courses/{id}
pub async fn course(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    course_page(&state, &u, id, CourseForms::default(), StatusCode::OK).await
}

/// POST /training/courses/{id}/sessions
pub async fn add_session(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = SessionInput {
        held_on: form.s("held_on"),
        place: form.s("place"),
    };
    match state.app.add_session(By::User(u.actor()), id, &input).await {
        Ok(_) => Redirect::to(&format!("/training/courses/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let session = FormState {
                errors,
                ..FormState::with([("held_on", input.held_on), ("place", input.place)])
            };
            let forms = CourseForms {
                session,
                ..Default::default()
            };
            course_page(&state, &u, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => err(e),
    }
}

/// POST /training/courses/{id}/facilitators
pub async fn add_facilitator(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let account = form.s("account_id");
    let pilot = !form.s("is_pilot").is_empty();
    match state
        .app
        .add_facilitator(By::User(u.actor()), id, &account, pilot)
        .await
    {
        Ok(()) => Redirect::to(&format!("/training/courses/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let fac = FormState {
                errors,
                ..FormState::with([("account_id", account)])
            };
            let forms = CourseForms {
                fac,
                ..Default::default()
            };
            course_page(&state, &u, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => err(e),
    }
}

/// POST /training/courses/{id}/enrolments
pub async fn enrol(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = EnrolInput {
        full_name: form.s("full_name"),
        sex: form.s("sex"),
        age_band: form.s("age_band"),
        occupation: form.s("occupation"),
        institution_id: form.s("institution_id"),
        national_id: form.s("national_id"),
        contact: form.s("contact"),
        enrolled_on: form.s("enrolled_on"),
    };
    match state.app.enrol(By::User(u.actor()), id, &input).await {
        Ok(_) => Redirect::to(&format!("/training/courses/{id}#enrolled")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            // The national id is never echoed back into the page.
            let enrol = FormState {
                errors,
                ..FormState::with([
                    ("full_name", input.full_name),
                    ("sex", input.sex),
                    ("age_band", input.age_band),
                    ("occupation", input.occupation),
                    ("institution_id", input.institution_id),
                    ("contact", input.contact),
                    ("enrolled_on", input.enrolled_on),
                ])
            };
            let forms = CourseForms {
                enrol,
                ..Default::default()
            };
            course_page(&state, &u, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => err(e),
    }
}

/// One person on the roster.
struct RosterRow {
    id: String,
    name: String,
    occupation: String,
    current: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "training/roster.html")]
struct RosterPage {
    s: Shell,
    c: Course,
    session: Session,
    rows: Vec<RosterRow>,
    statuses: Vec<&'static str>,
    errors: FormState,
    /// Problems with the roster as a whole (wrong course, nothing marked).
    top_errors: Vec<&'static str>,
    /// Just saved (after the redirect).
    saved: bool,
}

async fn roster_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    submitted: Option<(&FormMap, FieldErrors)>,
    saved: bool,
) -> Response {
    let r = match state.app.roster(By::User(u.actor()), id).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let errors = submitted.as_ref().map(|s| s.1.clone()).unwrap_or_default();
    let rows = r
        .enrolled
        .iter()
        .map(|p| {
            let field = format!("status-{}", p.participant_id);
            let current = match &submitted {
                Some((f, _)) => f.s(&field),
                None => r
                    .marks
                    .iter()
                    .find(|m| m.participant_id == p.participant_id)
                    .map(|m| m.status.clone())
                    .unwrap_or_default(),
            };
            RosterRow {
                id: p.participant_id.to_string(),
                name: p.full_name.clone(),
                occupation: p.occupation.clone(),
                current,
                error: errors.get(&field),
            }
        })
        .collect();
    let status = if submitted.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = format!("{} · {}", r.course.title, r.session.held_on);
    render_status(
        status,
        &RosterPage {
            s: Shell::new(&u.ctx, "roster-title").titled(&title),
            c: r.course,
            session: r.session,
            rows,
            statuses: codes(AttendanceStatus::ALL, AttendanceStatus::as_str),
            saved,
            top_errors: ["training_course_id", "marks"]
                .iter()
                .filter_map(|f| errors.get(f))
                .collect(),
            errors: FormState {
                errors,
                ..Default::default()
            },
        },
    )
}

/// GET /training/sessions/{id}/attendance
pub async fn roster(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
    roster_page(&state, &u, id, None, p.get("saved").is_some()).await
}

/// POST /training/sessions/{id}/attendance
pub async fn take_attendance(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let mut marks: Vec<(String, String)> = form
        .0
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("status-").map(|p| (p.to_owned(), v.clone())))
        .collect();
    marks.sort();
    let input = AttendanceInput {
        training_course_id: form.s("training_course_id"),
        marks,
    };
    match state
        .app
        .take_attendance(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/training/sessions/{id}/attendance?saved=1")).into_response()
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            roster_page(&state, &u, id, Some((&form, errors)), false).await
        }
        Err(e) => err(e),
    }
}
