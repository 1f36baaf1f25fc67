//! Results editing pages: the model edit form (own text, its language, translations,
//! gaps, partners), the download of a lifecycle move's evidence file, and the edit forms
//! of results framework nodes and indicators. Every form keeps the user's input on a
//! refusal (422) and on a stale version (409, with the current version to retry on).

use super::training_material::content_disposition;
use super::{FormState, Shell, render_status};
use super::{err, status_of};
use crate::AppState;
use crate::extract::{FormMap, UserCtx};
use crate::i18n::Lang;
use askama::Template;
use atlas_core::By;
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::results::Direction;
use atlas_domain::results_edit::{
    IndicatorEditInput, MODEL_TEXT, ModelEditInput, NodeEditInput, PROFILE_TEXT, TEXT_LANGS,
    TextField,
};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use uuid::Uuid;

/// One translation fieldset of a form: the language's code and native name, and its
/// fields as (form name, label key, multiline).
pub struct TrSet {
    pub lang: &'static str,
    pub native: &'static str,
    pub fields: Vec<(String, &'static str, bool)>,
}

/// The translation fieldsets of `fields` in every interface language.
pub fn tr_sets(fields: &[TextField], label: fn(&str) -> &'static str) -> Vec<TrSet> {
    Lang::ALL
        .iter()
        .map(|l| TrSet {
            lang: l.code(),
            native: l.native_name(),
            fields: fields
                .iter()
                .map(|f| {
                    (
                        format!("{}_{}", f.name, l.code()),
                        label(f.name),
                        f.multiline,
                    )
                })
                .collect(),
        })
        .collect()
}

/// The submitted translation fields of `fields` (`<field>_<lang>`), as the domain
/// reads them.
pub fn tr_values(form: &FormMap, fields: &[TextField]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in fields {
        for l in TEXT_LANGS {
            let k = format!("{}_{l}", f.name);
            if let Some(v) = form.0.get(&k) {
                out.insert(k, v.clone());
            }
        }
    }
    out
}

/// The language options of a text: (code, native name).
pub fn text_langs() -> Vec<(&'static str, &'static str)> {
    Lang::ALL
        .iter()
        .map(|l| (l.code(), l.native_name()))
        .collect()
}

fn model_label(f: &str) -> &'static str {
    if f == "name" {
        "field-name"
    } else {
        "field-summary"
    }
}

/// Labels of the profile's translatable fields.
pub fn profile_label(f: &str) -> &'static str {
    match f {
        "overview" => "profile-overview",
        "contact" => "profile-contact",
        _ => "profile-funding",
    }
}

/// The profile's translation fieldsets.
pub fn profile_tr_sets() -> Vec<TrSet> {
    tr_sets(&PROFILE_TEXT, profile_label)
}

#[derive(Template)]
#[template(path = "results/model_edit.html")]
struct ModelEditPage {
    s: Shell,
    f: FormState,
    id: Uuid,
    stale: bool,
    gaps: Vec<(Uuid, String)>,
    institutions: Vec<(Uuid, String, String)>,
    langs: Vec<(&'static str, &'static str)>,
    tr: Vec<TrSet>,
}

fn join_ids(ids: &[Uuid]) -> String {
    ids.iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

async fn model_edit_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    f: Option<FormState>,
    stale: bool,
) -> Result<ModelEditPage, Response> {
    let m = state.app.model_for_edit(u.actor(), id).await.map_err(err)?;
    let mut f = f.unwrap_or_else(|| {
        let mut f = FormState::with([
            ("name", m.model.name.clone()),
            ("summary", m.model.summary.clone()),
            ("text_lang", m.model.text_lang.clone()),
            ("gap_ids", join_ids(&m.gap_ids)),
            ("partner_ids", join_ids(&m.partner_ids)),
        ]);
        for t in &m.texts {
            f.values.insert(format!("name_{}", t.lang), t.name.clone());
            f.values
                .insert(format!("summary_{}", t.lang), t.summary.clone());
        }
        f
    });
    if stale || !f.values.contains_key("version") {
        f.values
            .insert("version".into(), m.model.version.to_string());
    }
    Ok(ModelEditPage {
        s: Shell::new(&u.ctx, "model-edit").titled(&m.model.name),
        f,
        id,
        stale,
        gaps: m.gaps,
        institutions: m.institutions,
        langs: text_langs(),
        tr: tr_sets(&MODEL_TEXT, model_label),
    })
}

/// GET /results/models/{id}/edit
pub async fn edit_model(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match model_edit_page(&state, &u, id, None, false).await {
        Ok(p) => render_status(StatusCode::OK, &p),
        Err(r) => r,
    }
}

/// Checked ids of a checkbox group named `name-<uuid>`, as a comma list.
fn checked_ids(f: &FormMap, name: &str) -> String {
    let prefix = format!("{name}-");
    let mut v: Vec<&str> = f.0.keys().filter_map(|k| k.strip_prefix(&prefix)).collect();
    v.sort_unstable();
    v.join(",")
}

/// POST /results/models/{id}
pub async fn update_model(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = ModelEditInput {
        name: form.s("name"),
        summary: form.s("summary"),
        text_lang: form.s("text_lang"),
        gap_ids: checked_ids(&form, "gap_ids"),
        partner_ids: checked_ids(&form, "partner_ids"),
        version: form.s("version"),
        translated: tr_values(&form, &MODEL_TEXT),
    };
    let (errors, stale) = match state
        .app
        .update_model(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => return Redirect::to(&format!("/results/models/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(e))) => (e, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..FormState::with([
            ("name", input.name.clone()),
            ("summary", input.summary.clone()),
            ("text_lang", input.text_lang.clone()),
            ("gap_ids", input.gap_ids.clone()),
            ("partner_ids", input.partner_ids.clone()),
            ("version", input.version.clone()),
        ])
    };
    f.values.extend(input.translated.clone());
    match model_edit_page(&state, &u, id, Some(f), stale).await {
        Ok(p) => render_status(status_of(stale), &p),
        Err(r) => r,
    }
}

/// GET /results/moves/{id}/file — the evidence file of a lifecycle move, as an
/// attachment that no browser runs.
pub async fn move_file(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let (f, bytes) = match state.app.move_file(u.actor(), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let ctype = if f.media_type.starts_with("text/") {
        format!("{}; charset=utf-8", f.media_type)
    } else {
        f.media_type.clone()
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    match (
        HeaderValue::from_str(&ctype),
        HeaderValue::from_str(&content_disposition(&f.file_name)),
    ) {
        (Ok(t), Ok(d)) => {
            h.insert(header::CONTENT_TYPE, t);
            h.insert(header::CONTENT_DISPOSITION, d);
        }
        _ => return err(anyhow::anyhow!("evidence {id}: unusable stored headers")),
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox; frame-ancestors 'none'"),
    );
    r
}

#[derive(Template)]
#[template(path = "results/node_form.html")]
struct NodeForm {
    s: Shell,
    f: FormState,
    id: Uuid,
    country: String,
    level: String,
    stale: bool,
}

async fn node_form(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    f: Option<FormState>,
    stale: bool,
) -> Result<NodeForm, Response> {
    let (n, version) = state.app.node_for_edit(u.actor(), id).await.map_err(err)?;
    let mut f = f
        .unwrap_or_else(|| FormState::with([("code", n.code.clone()), ("title", n.title.clone())]));
    if stale || !f.values.contains_key("version") {
        f.values.insert("version".into(), version.to_string());
    }
    Ok(NodeForm {
        s: Shell::new(&u.ctx, "node-edit"),
        f,
        id,
        country: n.country_code,
        level: n.level,
        stale,
    })
}

/// GET /results/framework/nodes/{id}/edit
pub async fn edit_node(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match node_form(&state, &u, id, None, false).await {
        Ok(p) => render_status(StatusCode::OK, &p),
        Err(r) => r,
    }
}

/// POST /results/framework/nodes/{id}
pub async fn update_node(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = NodeEditInput {
        code: form.s("code"),
        title: form.s("title"),
        version: form.s("version"),
    };
    let (errors, stale) = match state.app.update_node(By::User(u.actor()), id, &input).await {
        Ok(()) => {
            let country = state
                .app
                .node_for_edit(u.actor(), id)
                .await
                .map(|(n, _)| n.country_code)
                .unwrap_or_default();
            return Redirect::to(&format!("/results/framework?country={country}#n-{id}"))
                .into_response();
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(e))) => (e, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let f = FormState {
        errors,
        ..FormState::with([
            ("code", input.code.clone()),
            ("title", input.title.clone()),
            ("version", input.version.clone()),
        ])
    };
    match node_form(&state, &u, id, Some(f), stale).await {
        Ok(p) => render_status(status_of(stale), &p),
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "results/indicator_form.html")]
struct IndicatorForm {
    s: Shell,
    f: FormState,
    id: Uuid,
    unit: String,
    source: String,
    directions: Vec<&'static str>,
    stale: bool,
}

async fn indicator_form(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    f: Option<FormState>,
    stale: bool,
) -> Result<IndicatorForm, Response> {
    let version = state
        .app
        .indicator_version(u.actor(), id)
        .await
        .map_err(err)?;
    let d = state.app.indicator(u.actor(), id).await.map_err(err)?;
    let i = d.indicator;
    let mut f = f.unwrap_or_else(|| {
        FormState::with([
            ("title", i.title.clone()),
            ("definition", i.definition.clone()),
            ("direction", i.direction.clone()),
            (
                "baseline",
                i.baseline.map(|b| b.to_string()).unwrap_or_default(),
            ),
        ])
    });
    if stale || !f.values.contains_key("version") {
        f.values.insert("version".into(), version.to_string());
    }
    Ok(IndicatorForm {
        s: Shell::new(&u.ctx, "indicator-edit").titled(&i.title),
        f,
        id,
        unit: i.unit,
        source: i.source,
        directions: Direction::ALL.iter().map(|x| x.as_str()).collect(),
        stale,
    })
}

/// GET /results/indicators/{id}/edit
pub async fn edit_indicator(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match indicator_form(&state, &u, id, None, false).await {
        Ok(p) => render_status(StatusCode::OK, &p),
        Err(r) => r,
    }
}

/// POST /results/indicators/{id}
pub async fn update_indicator(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = IndicatorEditInput {
        title: form.s("title"),
        definition: form.s("definition"),
        direction: form.s("direction"),
        baseline: form.s("baseline"),
        version: form.s("version"),
    };
    let (errors, stale) = match state
        .app
        .update_indicator(By::User(u.actor()), id, &input)
        .await
    {
        Ok(()) => return Redirect::to(&format!("/results/indicators/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(e))) => (e, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let f = FormState {
        errors,
        ..FormState::with([
            ("title", input.title.clone()),
            ("definition", input.definition.clone()),
            ("direction", input.direction.clone()),
            ("baseline", input.baseline.clone()),
            ("version", input.version.clone()),
        ])
    };
    match indicator_form(&state, &u, id, Some(f), stale).await {
        Ok(p) => render_status(status_of(stale), &p),
        Err(r) => r,
    }
}
