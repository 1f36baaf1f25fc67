//! Directory pages: countries, areas and institutions — list, view, create, edit.

use super::err;
use super::{FormState, Shell, render, render_status};
use crate::AppState;
use crate::extract::{FormMap, Params, UserCtx};
use askama::Template;
use atlas_core::By;
use atlas_core::directory::{Area, CountrySummary, Institution, Query};
use atlas_domain::Error as RuleError;
use atlas_domain::auth::{Action, Actor, Scope, scope};
use atlas_domain::directory::{
    AreaInput, AreaLevel, COUNTRIES, CountryCode, InstitutionInput, InstitutionKind,
    InstitutionLevel,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

const LIST_LIMIT: i64 = 200;

#[derive(Template)]
#[template(path = "directory/index.html")]
struct IndexPage {
    s: Shell,
    countries: Vec<CountrySummary>,
}

#[derive(Template)]
#[template(path = "directory/areas.html")]
struct AreasPage {
    s: Shell,
    rows: Vec<Area>,
    truncated: bool,
    q: String,
    country: String,
    level: String,
    countries: Vec<String>,
    levels: Vec<&'static str>,
    can_write: bool,
}

#[derive(Template)]
#[template(path = "directory/area.html")]
struct AreaPage {
    s: Shell,
    a: Area,
    parents: Vec<(Uuid, String)>,
    children: Vec<Area>,
    institutions: Vec<Institution>,
    updated: String,
    can_write: bool,
}

#[derive(Template)]
#[template(path = "directory/area_form.html")]
struct AreaForm {
    s: Shell,
    f: FormState,
    action: String,
    is_new: bool,
    stale: bool,
    countries: Vec<String>,
    levels: Vec<&'static str>,
    parents: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "directory/institutions.html")]
struct InstitutionsPage {
    s: Shell,
    rows: Vec<Institution>,
    truncated: bool,
    q: String,
    country: String,
    kind: String,
    countries: Vec<String>,
    kinds: Vec<&'static str>,
    can_write: bool,
}

#[derive(Template)]
#[template(path = "directory/institution.html")]
struct InstitutionPage {
    s: Shell,
    i: Institution,
    area: Option<(Uuid, String)>,
    updated: String,
    can_write: bool,
}

#[derive(Template)]
#[template(path = "directory/institution_form.html")]
struct InstitutionForm {
    s: Shell,
    f: FormState,
    action: String,
    is_new: bool,
    stale: bool,
    countries: Vec<String>,
    kinds: Vec<&'static str>,
    levels: Vec<&'static str>,
    areas: Vec<(String, String)>,
}

/// Countries the actor may write in (for the forms' country choice).
fn writable_countries(actor: &Actor) -> Vec<String> {
    match scope(actor.role, Action::WriteDirectory) {
        Some(Scope::All) => COUNTRIES.iter().map(|c| (*c).to_owned()).collect(),
        Some(_) => vec![actor.country.as_str().to_owned()],
        None => Vec::new(),
    }
}

fn can_write_in(actor: &Actor, country: &str) -> bool {
    writable_countries(actor).iter().any(|c| c == country)
}

fn visible_countries(actor: &Actor) -> Vec<String> {
    match scope(actor.role, Action::ReadDirectory) {
        Some(Scope::All) => COUNTRIES.iter().map(|c| (*c).to_owned()).collect(),
        _ => vec![actor.country.as_str().to_owned()],
    }
}

fn when(t: time::OffsetDateTime) -> String {
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

/// GET /directory
pub async fn index(State(state): State<AppState>, u: UserCtx) -> Response {
    match state.app.countries(u.actor()).await {
        Ok(countries) => render(&IndexPage {
            s: Shell::new(&u.ctx, "directory-title"),
            countries,
        }),
        Err(e) => err(e),
    }
}

fn list_query(p: &Params, kind_key: &str) -> Query {
    Query {
        country: p.get("country").and_then(CountryCode::parse),
        name: p.get("name").map(str::to_owned),
        kind: p.get(kind_key).map(str::to_owned),
        limit: LIST_LIMIT + 1,
        ..Default::default()
    }
}

/// GET /directory/areas
pub async fn areas(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let q = list_query(&p, "level");
    let mut rows = match state.app.areas(u.actor(), &q).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let truncated = rows.len() as i64 > LIST_LIMIT;
    rows.truncate(LIST_LIMIT as usize);
    render(&AreasPage {
        s: Shell::new(&u.ctx, "directory-areas"),
        rows,
        truncated,
        q: p.get("name").unwrap_or("").to_owned(),
        country: q.country.map(|c| c.as_str().to_owned()).unwrap_or_default(),
        level: p.get("level").unwrap_or("").to_owned(),
        countries: visible_countries(u.actor()),
        levels: AreaLevel::ALL.iter().map(|l| l.as_str()).collect(),
        can_write: !writable_countries(u.actor()).is_empty(),
    })
}

/// GET /directory/areas/{id}
pub async fn area(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    let actor = u.actor();
    let a = match state.app.area(By::User(actor), id).await {
        Ok(a) => a,
        Err(e) => return err(e),
    };
    let mut parents = Vec::new();
    let mut next = a.parent_id;
    while let Some(pid) = next {
        match state.app.area(By::User(actor), pid).await {
            Ok(p) => {
                next = p.parent_id;
                parents.insert(0, (p.area_id, p.name));
            }
            Err(_) => break,
        }
    }
    let children = match state
        .app
        .areas(
            actor,
            &Query {
                parent_id: Some(id),
                limit: 500,
                ..Default::default()
            },
        )
        .await
    {
        Ok(c) => c,
        Err(e) => return err(e),
    };
    let institutions = match state
        .app
        .institutions(
            actor,
            &Query {
                country: CountryCode::parse(&a.country_code),
                limit: 500,
                ..Default::default()
            },
        )
        .await
    {
        Ok(i) => i.into_iter().filter(|i| i.area_id == Some(id)).collect(),
        Err(e) => return err(e),
    };
    let can_write = can_write_in(actor, &a.country_code);
    render(&AreaPage {
        s: Shell::new(&u.ctx, "directory-areas").titled(&a.name),
        updated: when(a.updated_at),
        a,
        parents,
        children,
        institutions,
        can_write,
    })
}

async fn parent_choices(state: &AppState, actor: &Actor) -> Vec<(String, String)> {
    let q = Query {
        limit: 500,
        ..Default::default()
    };
    state
        .app
        .areas(actor, &q)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.level != "neighbourhood" && can_write_in(actor, &a.country_code))
        .map(|a| {
            (
                a.area_id.to_string(),
                format!("{} ({}, {})", a.name, a.level, a.country_code),
            )
        })
        .collect()
}

fn area_values(i: &AreaInput) -> FormState {
    FormState::with([
        ("country", i.country.clone()),
        ("parent_id", i.parent_id.clone()),
        ("level", i.level.clone()),
        ("name", i.name.clone()),
        ("code", i.code.clone()),
        ("boundary", i.boundary.clone()),
        ("version", i.version.clone()),
    ])
}

fn area_input(f: &FormMap) -> AreaInput {
    AreaInput {
        country: f.s("country"),
        parent_id: f.s("parent_id"),
        level: f.s("level"),
        name: f.s("name"),
        code: f.s("code"),
        boundary: f.s("boundary"),
        version: f.s("version"),
    }
}

/// GET /directory/areas/new
pub async fn new_area(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let countries = writable_countries(u.actor());
    if countries.is_empty() {
        return err(RuleError::Forbidden);
    }
    let f = FormState::with([
        ("country", p.get("country").unwrap_or("").to_owned()),
        ("parent_id", p.get("parent").unwrap_or("").to_owned()),
    ]);
    let parents = parent_choices(&state, u.actor()).await;
    render(&AreaForm {
        s: Shell::new(&u.ctx, "area-new"),
        f,
        action: "/directory/areas".into(),
        is_new: true,
        stale: false,
        countries,
        levels: AreaLevel::ALL.iter().map(|l| l.as_str()).collect(),
        parents,
    })
}

/// POST /directory/areas
pub async fn create_area(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let input = area_input(&form);
    match state.app.create_area(By::User(u.actor()), &input).await {
        Ok(a) => Redirect::to(&format!("/directory/areas/{}", a.area_id)).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let parents = parent_choices(&state, u.actor()).await;
            let f = FormState {
                errors,
                ..area_values(&input)
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AreaForm {
                    s: Shell::new(&u.ctx, "area-new"),
                    f,
                    action: "/directory/areas".into(),
                    is_new: true,
                    stale: false,
                    countries: writable_countries(u.actor()),
                    levels: AreaLevel::ALL.iter().map(|l| l.as_str()).collect(),
                    parents,
                },
            )
        }
        Err(e) => err(e),
    }
}

/// GET /directory/areas/{id}/edit
pub async fn edit_area(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let a = match state.app.area(By::User(u.actor()), id).await {
        Ok(a) => a,
        Err(e) => return err(e),
    };
    if !can_write_in(u.actor(), &a.country_code) {
        return err(RuleError::NotFound);
    }
    let f = FormState::with([
        ("name", a.name.clone()),
        ("code", a.code.clone().unwrap_or_default()),
        ("boundary", a.boundary.clone().unwrap_or_default()),
        ("version", a.version.to_string()),
    ]);
    render(&AreaForm {
        s: Shell::new(&u.ctx, "area-edit").titled(&a.name),
        f,
        action: format!("/directory/areas/{id}"),
        is_new: false,
        stale: false,
        countries: Vec::new(),
        levels: Vec::new(),
        parents: Vec::new(),
    })
}

/// POST /directory/areas/{id}
pub async fn update_area(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = area_input(&form);
    let result = state.app.update_area(By::User(u.actor()), id, &input).await;
    let (errors, stale) = match result {
        Ok(_) => return Redirect::to(&format!("/directory/areas/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (Default::default(), true),
        Err(e) => return err(e),
    };
    // A stale edit keeps the user's text and shows the current version number, so a
    // second submit is a deliberate overwrite of what they have now seen.
    let mut f = FormState {
        errors,
        ..area_values(&input)
    };
    if stale && let Ok(cur) = state.app.area(By::User(u.actor()), id).await {
        f.values.insert("version".into(), cur.version.to_string());
    }
    let status = if stale {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &AreaForm {
            s: Shell::new(&u.ctx, "area-edit"),
            f,
            action: format!("/directory/areas/{id}"),
            is_new: false,
            stale,
            countries: Vec::new(),
            levels: Vec::new(),
            parents: Vec::new(),
        },
    )
}

/// GET /directory/institutions
pub async fn institutions(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let q = list_query(&p, "kind");
    let mut rows = match state.app.institutions(u.actor(), &q).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let truncated = rows.len() as i64 > LIST_LIMIT;
    rows.truncate(LIST_LIMIT as usize);
    render(&InstitutionsPage {
        s: Shell::new(&u.ctx, "directory-institutions"),
        rows,
        truncated,
        q: p.get("name").unwrap_or("").to_owned(),
        country: q.country.map(|c| c.as_str().to_owned()).unwrap_or_default(),
        kind: p.get("kind").unwrap_or("").to_owned(),
        countries: visible_countries(u.actor()),
        kinds: InstitutionKind::ALL.iter().map(|k| k.as_str()).collect(),
        can_write: !writable_countries(u.actor()).is_empty(),
    })
}

/// GET /directory/institutions/{id}
pub async fn institution(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let i = match state.app.institution(By::User(u.actor()), id).await {
        Ok(i) => i,
        Err(e) => return err(e),
    };
    let area = match i.area_id {
        Some(aid) => state
            .app
            .area(By::User(u.actor()), aid)
            .await
            .ok()
            .map(|a| (a.area_id, a.name)),
        None => None,
    };
    let can_write = can_write_in(u.actor(), &i.country_code);
    render(&InstitutionPage {
        s: Shell::new(&u.ctx, "directory-institutions").titled(&i.name),
        updated: when(i.updated_at),
        i,
        area,
        can_write,
    })
}

async fn area_choices(state: &AppState, actor: &Actor) -> Vec<(String, String)> {
    state
        .app
        .areas(
            actor,
            &Query {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|a| can_write_in(actor, &a.country_code))
        .map(|a| {
            (
                a.area_id.to_string(),
                format!("{} ({})", a.name, a.country_code),
            )
        })
        .collect()
}

fn inst_input(f: &FormMap) -> InstitutionInput {
    InstitutionInput {
        country: f.s("country"),
        name: f.s("name"),
        acronym: f.s("acronym"),
        kind: f.s("kind"),
        level: f.s("level"),
        area_id: f.s("area_id"),
        version: f.s("version"),
    }
}

fn inst_values(i: &InstitutionInput) -> FormState {
    FormState::with([
        ("country", i.country.clone()),
        ("name", i.name.clone()),
        ("acronym", i.acronym.clone()),
        ("kind", i.kind.clone()),
        ("level", i.level.clone()),
        ("area_id", i.area_id.clone()),
        ("version", i.version.clone()),
    ])
}

async fn inst_form(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    action: String,
    is_new: bool,
    stale: bool,
    title: &str,
) -> InstitutionForm {
    InstitutionForm {
        s: Shell::new(&u.ctx, title),
        f,
        action,
        is_new,
        stale,
        countries: writable_countries(u.actor()),
        kinds: InstitutionKind::ALL.iter().map(|k| k.as_str()).collect(),
        levels: InstitutionLevel::ALL.iter().map(|l| l.as_str()).collect(),
        areas: area_choices(state, u.actor()).await,
    }
}

/// GET /directory/institutions/new
pub async fn new_institution(State(state): State<AppState>, u: UserCtx) -> Response {
    if writable_countries(u.actor()).is_empty() {
        return err(RuleError::Forbidden);
    }
    render(
        &inst_form(
            &state,
            &u,
            FormState::default(),
            "/directory/institutions".into(),
            true,
            false,
            "institution-new",
        )
        .await,
    )
}

/// POST /directory/institutions
pub async fn create_institution(
    State(state): State<AppState>,
    u: UserCtx,
    form: FormMap,
) -> Response {
    let input = inst_input(&form);
    match state
        .app
        .create_institution(By::User(u.actor()), &input)
        .await
    {
        Ok(i) => {
            Redirect::to(&format!("/directory/institutions/{}", i.institution_id)).into_response()
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let f = FormState {
                errors,
                ..inst_values(&input)
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &inst_form(
                    &state,
                    &u,
                    f,
                    "/directory/institutions".into(),
                    true,
                    false,
                    "institution-new",
                )
                .await,
            )
        }
        Err(e) => err(e),
    }
}

/// GET /directory/institutions/{id}/edit
pub async fn edit_institution(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let i = match state.app.institution(By::User(u.actor()), id).await {
        Ok(i) => i,
        Err(e) => return err(e),
    };
    if !can_write_in(u.actor(), &i.country_code) {
        return err(RuleError::NotFound);
    }
    let f = FormState::with([
        ("name", i.name.clone()),
        ("acronym", i.acronym.clone()),
        ("kind", i.kind.clone()),
        ("level", i.level.clone()),
        (
            "area_id",
            i.area_id.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("version", i.version.to_string()),
    ]);
    render(
        &inst_form(
            &state,
            &u,
            f,
            format!("/directory/institutions/{id}"),
            false,
            false,
            "institution-edit",
        )
        .await,
    )
}

/// POST /directory/institutions/{id}
pub async fn update_institution(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = inst_input(&form);
    let (errors, stale) = match state
        .app
        .update_institution(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => return Redirect::to(&format!("/directory/institutions/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (Default::default(), true),
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..inst_values(&input)
    };
    if stale && let Ok(cur) = state.app.institution(By::User(u.actor()), id).await {
        f.values.insert("version".into(), cur.version.to_string());
    }
    let status = if stale {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &inst_form(
            &state,
            &u,
            f,
            format!("/directory/institutions/{id}"),
            false,
            stale,
            "institution-edit",
        )
        .await,
    )
}
