//! Adaptation pages: the list, the new and edit forms, and the adaptation page with its
//! presentations in order (move up/down, remove, local notes, add one), the master
//! changes awaiting a decision (old and new value per field, take or leave) and the
//! presentations new in the master, and the institution's own material (the section of
//! `training_material`: list, download links, upload form and remove buttons for those
//! who manage the adaptation). Plain forms and POST–redirect–GET; no JavaScript.

use super::err;
use super::training_material::{self as material, MaterialSection};
use super::{FormState, Shell, render, render_status};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{FormMap, UserCtx};
use askama::Template;
use atlas_core::By;
use atlas_core::directory::Query;
use atlas_core::training::{Module, Presentation};
use atlas_core::training_adaptation::{Adaptation, AdaptationDetail};
use atlas_core::training_material::MaterialOwner;
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::auth::{Action, Actor, Owner, authorize, can};
use atlas_domain::directory::CountryCode;
use atlas_domain::training::CourseStage;
use atlas_domain::training_adaptation::{AdaptationInput, FieldChange};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

fn stages() -> Vec<&'static str> {
    CourseStage::ALL.iter().map(|c| c.as_str()).collect()
}

#[derive(Template)]
#[template(path = "training/adaptations.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Adaptation>,
    can_create: bool,
}

/// GET /training/adaptations
pub async fn list(State(state): State<AppState>, u: UserCtx) -> Response {
    match state.app.adaptations(u.actor()).await {
        Ok(rows) => render(&ListPage {
            s: Shell::new(&u.ctx, "adaptations-title"),
            rows,
            can_create: can(u.actor(), Action::ManageAdaptations),
        }),
        Err(e) => err(e),
    }
}

/// One master presentation offered in a form: (id, "module.presentation title").
type Choice = (String, String);

fn label(m: &Module, p: &Presentation) -> String {
    format!("{}.{} {}", m.ordinal, p.ordinal, p.title)
}

#[derive(Template)]
#[template(path = "training/adaptation_form.html")]
struct FormPage {
    s: Shell,
    f: FormState,
    /// The adaptation edited; `None` for a new one.
    edit: Option<Uuid>,
    stale: bool,
    institutions: Vec<(String, String)>,
    stages: Vec<&'static str>,
    /// Master presentations by module (new adaptations only).
    modules: Vec<(String, Vec<Choice>)>,
    /// Selected presentation ids (new adaptations only).
    selected: Vec<String>,
}

impl FormPage {
    fn is_selected(&self, id: &str) -> bool {
        self.selected.iter().any(|s| s == id)
    }
}

/// Institutions the actor may adapt the curriculum for, as (id, label).
async fn institutions(state: &AppState, actor: &Actor) -> Vec<(String, String)> {
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
                authorize(actor, Action::ManageAdaptations, Some(&o)).is_ok()
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

async fn new_form(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    selected: Vec<String>,
) -> Result<FormPage, AppError> {
    let modules = state
        .app
        .curriculum(u.actor())
        .await?
        .into_iter()
        .map(|(m, ps)| {
            let head = format!("{}. {}", m.ordinal, m.title);
            let ps = ps
                .iter()
                .map(|p| (p.training_presentation_id.to_string(), label(&m, p)))
                .collect();
            (head, ps)
        })
        .collect();
    Ok(FormPage {
        s: Shell::new(&u.ctx, "adaptation-new"),
        f,
        edit: None,
        stale: false,
        institutions: institutions(state, u.actor()).await,
        stages: stages(),
        modules,
        selected,
    })
}

/// GET /training/adaptations/new
pub async fn new(State(state): State<AppState>, u: UserCtx) -> Response {
    if let Err(e) = authorize(u.actor(), Action::ManageAdaptations, None) {
        return err(e);
    }
    let f = FormState::with([("stage", "adapting".to_owned())]);
    match new_form(&state, &u, f, Vec::new()).await {
        Ok(p) => render(&p),
        Err(e) => err(e),
    }
}

fn input(form: &FormMap) -> AdaptationInput {
    let mut presentations: Vec<String> = form
        .0
        .keys()
        .filter_map(|k| k.strip_prefix("p-").map(str::to_owned))
        .collect();
    presentations.sort();
    AdaptationInput {
        institution_id: form.s("institution_id"),
        title: form.s("title"),
        framework: form.s("framework"),
        stage: form.s("stage"),
        notes: form.s("notes"),
        presentations,
        version: form.s("version"),
    }
}

fn values(i: &AdaptationInput) -> FormState {
    FormState::with([
        ("institution_id", i.institution_id.clone()),
        ("title", i.title.clone()),
        ("framework", i.framework.clone()),
        ("stage", i.stage.clone()),
        ("notes", i.notes.clone()),
        ("version", i.version.clone()),
    ])
}

/// POST /training/adaptations
pub async fn create(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let mut i = input(&form);
    // Keep the master's order for the selection: sort ids by their place in the
    // curriculum (ids the master does not know stay, so the use case can refuse them).
    if let Ok(cur) = state.app.curriculum(u.actor()).await {
        let order: Vec<String> = cur
            .iter()
            .flat_map(|(_, ps)| ps.iter().map(|p| p.training_presentation_id.to_string()))
            .collect();
        i.presentations
            .sort_by_key(|p| order.iter().position(|o| o == p).unwrap_or(usize::MAX));
    }
    match state.app.create_adaptation(By::User(u.actor()), &i).await {
        Ok(a) => Redirect::to(&format!(
            "/training/adaptations/{}",
            a.training_adaptation_id
        ))
        .into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let f = FormState {
                errors,
                ..values(&i)
            };
            match new_form(&state, &u, f, i.presentations.clone()).await {
                Ok(p) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &p),
                Err(e) => err(e),
            }
        }
        Err(e) => err(e),
    }
}

fn edit_page(u: &UserCtx, a: &Adaptation, f: FormState, stale: bool) -> FormPage {
    FormPage {
        s: Shell::new(&u.ctx, "adaptation-edit").titled(&a.title),
        f,
        edit: Some(a.training_adaptation_id),
        stale,
        institutions: Vec::new(),
        stages: stages(),
        modules: Vec::new(),
        selected: Vec::new(),
    }
}

/// GET /training/adaptations/{id}/edit
pub async fn edit(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    let a = match state.app.adaptation_for_edit(By::User(u.actor()), id).await {
        Ok(a) => a,
        Err(e) => return err(e),
    };
    let f = FormState::with([
        ("title", a.title.clone()),
        ("framework", a.framework.clone().unwrap_or_default()),
        ("stage", a.stage.clone()),
        ("notes", a.notes.clone().unwrap_or_default()),
        ("version", a.version.to_string()),
    ]);
    render(&edit_page(&u, &a, f, false))
}

/// POST /training/adaptations/{id}
pub async fn update(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let i = input(&form);
    let (errors, stale) = match state
        .app
        .update_adaptation(By::User(u.actor()), id, &i)
        .await
    {
        Ok(_) => return Redirect::to(&format!("/training/adaptations/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let a = match state.app.adaptation_for_edit(By::User(u.actor()), id).await {
        Ok(a) => a,
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..values(&i)
    };
    if stale {
        f.values.insert("version".into(), a.version.to_string());
    }
    let status = if stale {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(status, &edit_page(&u, &a, f, stale))
}

/// One changed field as shown: label key, old and new value (codes translated).
struct ChangeRow {
    label: String,
    old: String,
    new: String,
}

/// A master change or a new presentation awaiting a decision.
struct Pending {
    id: Uuid,
    title: String,
    taken: i64,
    master: i64,
    rows: Vec<ChangeRow>,
}

/// An item as listed.
struct ItemRow {
    id: Uuid,
    n: usize,
    title: String,
    minutes: i64,
    version: i64,
    note: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "training/adaptation.html")]
struct ShowPage {
    s: Shell,
    a: Adaptation,
    manage: bool,
    items: Vec<ItemRow>,
    changes: Vec<Pending>,
    new_in_master: Vec<Pending>,
    courses: Vec<(Uuid, String, String)>,
    /// Presentations that can be added (not in the adaptation).
    addable: Vec<Choice>,
    /// Translated problems with the last submission.
    problems: Vec<String>,
    stale: bool,
    /// The institution's own material, and its upload form for those who manage it.
    ms: MaterialSection,
}

fn show_value(s: &Shell, field: &str, v: &str) -> String {
    let list = |prefix: &str| {
        v.split(',')
            .filter(|c| !c.is_empty())
            .map(|c| s.code(prefix, c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match field {
        "crime_types" => list("crime-type"),
        "audiences" => list("occupation"),
        _ => v.to_owned(),
    }
}

fn change_rows(s: &Shell, changes: &[FieldChange]) -> Vec<ChangeRow> {
    changes
        .iter()
        .map(|c| ChangeRow {
            label: s.t(&format!("field-{}", c.field.replace('_', "-"))),
            old: c
                .old
                .as_deref()
                .map(|o| show_value(s, c.field, o))
                .unwrap_or_else(|| "—".into()),
            new: show_value(s, c.field, &c.new),
        })
        .collect()
}

async fn show_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    errors: Option<FieldErrors>,
    stale: bool,
) -> Response {
    page(state, u, id, errors, stale, FormState::default(), None).await
}

/// The adaptation page with its material upload form in state `f` (a rejected upload),
/// answered with `status`.
pub async fn page_with_material(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    f: FormState,
    status: StatusCode,
) -> Response {
    page(state, u, id, None, false, f, Some(status)).await
}

async fn page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    errors: Option<FieldErrors>,
    stale: bool,
    mut material_form: FormState,
    status: Option<StatusCode>,
) -> Response {
    let d: AdaptationDetail = match state.app.adaptation(By::User(u.actor()), id).await {
        Ok(d) => d,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "adaptations-title").titled(&d.adaptation.title);
    // An adaptation has no language of its own: offer the reader's for new material.
    if material_form.v("language").is_empty() {
        material_form
            .values
            .insert("language".into(), s.lang().to_owned());
    }
    let owner = MaterialOwner::adaptation(id);
    let ms = match material::section(state, u, owner, material_form, d.manage).await {
        Ok(ms) => ms,
        Err(e) => return err(e),
    };
    let addable = if d.manage {
        match state.app.curriculum(u.actor()).await {
            Ok(cur) => cur
                .iter()
                .flat_map(|(m, ps)| {
                    ps.iter()
                        .filter(|p| {
                            !d.items.iter().any(|i| {
                                i.item.training_presentation_id == p.training_presentation_id
                            })
                        })
                        .map(|p| (p.training_presentation_id.to_string(), label(m, p)))
                })
                .collect(),
            Err(e) => return err(e),
        }
    } else {
        Vec::new()
    };
    let changes = d
        .items
        .iter()
        .filter(|i| i.pending)
        .map(|i| Pending {
            id: i.item.training_presentation_id,
            title: i.item.title.clone(),
            taken: i.item.presentation_version,
            master: i.item.master_version,
            rows: change_rows(&s, &i.changes),
        })
        .collect();
    let new_in_master = d
        .new_in_master
        .iter()
        .map(|p| Pending {
            id: p.training_presentation_id,
            title: format!(
                "{}.{} {}",
                p.module_ordinal, p.presentation_ordinal, p.title
            ),
            taken: 0,
            master: p.version,
            rows: vec![
                ChangeRow {
                    label: s.t("field-summary"),
                    old: String::new(),
                    new: p.summary.clone(),
                },
                ChangeRow {
                    label: s.t("field-duration-minutes"),
                    old: String::new(),
                    new: p.duration_minutes.to_string(),
                },
            ],
        })
        .collect();
    let items = d
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| ItemRow {
            id: i.item.training_presentation_id,
            n: n + 1,
            title: i.item.title.clone(),
            minutes: i.item.duration_minutes,
            version: i.item.presentation_version,
            note: i.item.local_note.clone().unwrap_or_default(),
            pending: i.pending,
        })
        .collect();
    let problems = errors
        .map(|e| e.0.iter().map(|x| s.t(x.key)).collect::<Vec<_>>())
        .unwrap_or_default();
    let status = if let Some(st) = status {
        st
    } else if stale {
        StatusCode::CONFLICT
    } else if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &ShowPage {
            s,
            manage: d.manage,
            a: d.adaptation,
            items,
            changes,
            new_in_master,
            courses: d.courses,
            addable,
            problems,
            stale,
            ms,
        },
    )
}

/// GET /training/adaptations/{id}
pub async fn show(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    show_page(&state, &u, id, None, false).await
}

/// After a change on the adaptation page: back to it, or the page again with the
/// problem (422) or the stale notice (409).
async fn after(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    r: atlas_core::Result<()>,
    anchor: &str,
) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/training/adaptations/{id}{anchor}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(e))) => {
            show_page(state, u, id, Some(e), false).await
        }
        Err(atlas_core::Error::Rule(RuleError::Stale)) => show_page(state, u, id, None, true).await,
        Err(e) => err(e),
    }
}

/// POST /training/adaptations/{id}/items
pub async fn add_item(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let r = state
        .app
        .add_adaptation_item(By::User(u.actor()), id, &form.s("training_presentation_id"))
        .await;
    after(&state, &u, id, r, "#items").await
}

/// POST /training/adaptations/{id}/items/{presentation}/move
pub async fn move_item(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, p)): Path<(Uuid, Uuid)>,
    form: FormMap,
) -> Response {
    let r = state
        .app
        .move_adaptation_item(By::User(u.actor()), id, p, &form.s("direction"))
        .await;
    after(&state, &u, id, r, "#items").await
}

/// POST /training/adaptations/{id}/items/{presentation}/remove
pub async fn remove_item(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, p)): Path<(Uuid, Uuid)>,
) -> Response {
    let r = state
        .app
        .remove_adaptation_item(By::User(u.actor()), id, p)
        .await;
    after(&state, &u, id, r, "#items").await
}

/// POST /training/adaptations/{id}/items/{presentation}/note
pub async fn note(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, p)): Path<(Uuid, Uuid)>,
    form: FormMap,
) -> Response {
    let r = state
        .app
        .set_adaptation_note(By::User(u.actor()), id, p, &form.s("local_note"))
        .await;
    after(&state, &u, id, r, "#items").await
}

/// POST /training/adaptations/{id}/changes/{presentation}
pub async fn decide(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, p)): Path<(Uuid, Uuid)>,
    form: FormMap,
) -> Response {
    let r = state
        .app
        .decide_adaptation_change(
            By::User(u.actor()),
            id,
            p,
            &form.s("decision"),
            &form.s("master_version"),
        )
        .await;
    after(&state, &u, id, r, "#changes").await
}
