//! Results pages: a country's results (key figures, gap assessment, models of practice,
//! fact sheet settings), the gap form (new and edit, with stale-edit refusal), the model
//! form, the model page with its timeline and lifecycle move form, the fact sheet
//! profile form, the printable country fact sheet (public when published), and the
//! results framework (nodes and indicators with targets and actuals for a period) with
//! each indicator's page (targets, manual values with evidence).

use super::{FormState, Shell, render, render_status};
use super::{err, status_of};
use crate::AppState;
use crate::extract::{Ctx, FormMap, Params, UserCtx};
use crate::i18n::{I18n, Lang};
use askama::Template;
use atlas_core::By;
use atlas_core::results::{Framework, GapView, IndicatorDetail, KeyResults, ModelDetail, Overview};
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::auth::{Action, Actor, Owner, Scope, authorize, scope};
use atlas_domain::directory::{COUNTRIES, CountryCode};
use atlas_domain::results::{
    Direction, GapInput, IndicatorInput, IndicatorSource, IndicatorUnit, ModelInput, ModelStage,
    ModuleCode, MoveInput, NodeInput, Period, PeriodKind, PeriodValueInput, ProfileInput,
    ResultLevel, Severity, allowed_moves,
};
use atlas_domain::results_disagg::Disaggregation;
use atlas_domain::results_edit::pick;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

fn when(t: time::OffsetDateTime) -> String {
    t.date().to_string()
}

fn may_manage(actor: &Actor, country: &CountryCode) -> bool {
    let o = Owner {
        institution_id: None,
        country: country.clone(),
    };
    authorize(actor, Action::ManageResults, Some(&o)).is_ok()
}

/// The country asked for, else the user's own; `None` for an unknown code.
fn country_of(p: &Params, actor: &Actor) -> Option<CountryCode> {
    match p.get("country") {
        None => Some(actor.country.clone()),
        Some(c) => CountryCode::parse(c),
    }
}

/// Checked ids of a checkbox group named `name-<uuid>`, as a comma list.
fn checked_ids(f: &FormMap, name: &str) -> String {
    let prefix = format!("{name}-");
    let mut v: Vec<&str> = f.0.keys().filter_map(|k| k.strip_prefix(&prefix)).collect();
    v.sort_unstable();
    v.join(",")
}

/// The key results as sentences, in the page's language.
fn key_sentences(i: &I18n, k: &KeyResults) -> Vec<String> {
    let mut v = vec![i.ta(
        "results-sentence-training",
        &[
            ("institutions", k.institutions_targeted.to_string()),
            ("individuals", k.individuals_trained.to_string()),
        ],
    )];
    if k.institutions_integrated > 0 {
        v.push(i.tn("results-sentence-integrated", k.institutions_integrated));
    }
    if k.all_models_in_implementation {
        v.push(i.tn("results-sentence-all-implemented", k.models_total));
    } else if k.models_total > 0 {
        v.push(i.ta(
            "results-sentence-some-implemented",
            &[
                ("n", k.models_in_implementation.to_string()),
                ("total", k.models_total.to_string()),
            ],
        ));
    }
    if let Some(n) = k.mapping_exercises {
        v.push(i.tn("results-sentence-mapping", n));
    }
    if let Some(b) = &k.budget_allocated {
        v.push(i.ta(
            "results-sentence-budget",
            &[
                ("amount", grouped(b.amount, i.lang_code())),
                ("currency", b.currency.clone()),
            ],
        ));
    }
    v
}

/// A whole number with the thousands separator of the language (`5.000.000` in Spanish,
/// `5,000,000` in English and Thai).
fn grouped(n: i64, lang: &str) -> String {
    let sep = if lang == "es" { '.' } else { ',' };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[derive(Template)]
#[template(path = "results/index.html")]
struct IndexPage {
    s: Shell,
    o: Overview,
    key: KeyResults,
    sentences: Vec<String>,
    countries: Vec<&'static str>,
    manage: bool,
}

/// GET /results?country=
pub async fn index(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let actor = u.actor();
    let Some(country) = country_of(&p, actor) else {
        return err(RuleError::NotFound);
    };
    let o = match state.app.results_overview(actor, &country).await {
        Ok(o) => o,
        Err(e) => return err(e),
    };
    let key = match state.app.key_results(actor, &country).await {
        Ok(k) => k,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "results-title");
    let sentences = key_sentences(&s.i18n, &key);
    render(&IndexPage {
        sentences,
        key,
        manage: may_manage(actor, &country),
        countries: if scope(actor.role, Action::ReadResults) == Some(Scope::All) {
            COUNTRIES.to_vec()
        } else {
            Vec::new()
        },
        s,
        o,
    })
}

#[derive(Template)]
#[template(path = "results/gap_form.html")]
struct GapForm {
    s: Shell,
    f: FormState,
    /// `None` for a new gap.
    id: Option<Uuid>,
    country: String,
    stale: bool,
    institutions: Vec<(Uuid, String, String)>,
    severities: Vec<&'static str>,
}

fn gap_values(i: &GapInput) -> FormState {
    FormState::with([
        ("title", i.title.clone()),
        ("description", i.description.clone()),
        ("severity", i.severity.clone()),
        ("evidence_source", i.evidence_source.clone()),
        ("institution_ids", i.institution_ids.clone()),
        ("version", i.version.clone()),
    ])
}

fn gap_input(f: &FormMap, country: &str) -> GapInput {
    GapInput {
        country: country.to_owned(),
        title: f.s("title"),
        description: f.s("description"),
        severity: f.s("severity"),
        evidence_source: f.s("evidence_source"),
        institution_ids: checked_ids(f, "institution_ids"),
        version: f.s("version"),
    }
}

async fn gap_form(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    id: Option<Uuid>,
    country: &CountryCode,
    stale: bool,
) -> Result<GapForm, Response> {
    let institutions = state
        .app
        .results_institutions(u.actor(), country)
        .await
        .map_err(err)?;
    Ok(GapForm {
        s: Shell::new(&u.ctx, if id.is_some() { "gap-edit" } else { "gap-new" }),
        f,
        id,
        country: country.as_str().to_owned(),
        stale,
        institutions,
        severities: Severity::ALL.iter().map(|s| s.as_str()).collect(),
    })
}

/// GET /results/gaps/new?country=
pub async fn new_gap(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    if !may_manage(u.actor(), &country) {
        return err(RuleError::Forbidden);
    }
    let f = FormState::with([("severity", "medium".to_owned())]);
    match gap_form(&state, &u, f, None, &country, false).await {
        Ok(page) => render(&page),
        Err(r) => r,
    }
}

/// POST /results/gaps
pub async fn create_gap(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let input = gap_input(&form, &form.s("country"));
    match state.app.create_gap(By::User(u.actor()), &input).await {
        Ok(g) => Redirect::to(&format!("/results?country={}#gaps", g.country_code)).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let Some(country) = CountryCode::parse(&input.country) else {
                return err(RuleError::Invalid(errors));
            };
            let f = FormState {
                errors,
                ..gap_values(&input)
            };
            match gap_form(&state, &u, f, None, &country, false).await {
                Ok(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(r) => r,
            }
        }
        Err(e) => err(e),
    }
}

fn gap_state(g: &GapView) -> FormState {
    FormState::with([
        ("title", g.gap.title.clone()),
        ("description", g.gap.description.clone()),
        ("severity", g.gap.severity.clone()),
        ("evidence_source", g.gap.evidence_source.clone()),
        (
            "institution_ids",
            g.institutions
                .iter()
                .map(|i| i.0.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("version", g.gap.version.to_string()),
    ])
}

/// GET /results/gaps/{id}/edit
pub async fn edit_gap(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    let g = match state.app.gap(u.actor(), id).await {
        Ok(g) => g,
        Err(e) => return err(e),
    };
    let Some(country) = CountryCode::parse(&g.gap.country_code) else {
        return err(RuleError::NotFound);
    };
    if !may_manage(u.actor(), &country) {
        // A record the user may not edit is not found, as the policy answers on save.
        return err(RuleError::NotFound);
    }
    match gap_form(&state, &u, gap_state(&g), Some(id), &country, false).await {
        Ok(page) => render(&page.with_title(&g.gap.title)),
        Err(r) => r,
    }
}

impl GapForm {
    fn with_title(mut self, t: &str) -> Self {
        self.s = self.s.titled(t);
        self
    }
}

/// POST /results/gaps/{id}
pub async fn update_gap(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = gap_input(&form, "");
    let (errors, stale) = match state.app.update_gap(By::User(u.actor()), id, &input).await {
        Ok(g) => {
            return Redirect::to(&format!("/results?country={}#gaps", g.country_code))
                .into_response();
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let cur = match state.app.gap(u.actor(), id).await {
        Ok(g) => g,
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..gap_values(&input)
    };
    if stale {
        f.values
            .insert("version".into(), cur.gap.version.to_string());
    }
    let Some(country) = CountryCode::parse(&cur.gap.country_code) else {
        return err(RuleError::NotFound);
    };
    match gap_form(&state, &u, f, Some(id), &country, stale).await {
        Ok(page) => render_status(status_of(stale), &page),
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "results/model_form.html")]
struct ModelForm {
    s: Shell,
    f: FormState,
    country: String,
    gaps: Vec<(Uuid, String)>,
    institutions: Vec<(Uuid, String, String)>,
    modules: Vec<&'static str>,
    langs: Vec<(&'static str, &'static str)>,
}

async fn model_form(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    country: &CountryCode,
) -> Result<ModelForm, Response> {
    let o = state
        .app
        .results_overview(u.actor(), country)
        .await
        .map_err(err)?;
    let institutions = state
        .app
        .results_institutions(u.actor(), country)
        .await
        .map_err(err)?;
    Ok(ModelForm {
        s: Shell::new(&u.ctx, "model-new"),
        f,
        country: country.as_str().to_owned(),
        gaps: o
            .gaps
            .into_iter()
            .map(|g| (g.gap.gap_id, g.gap.title))
            .collect(),
        institutions,
        modules: ModuleCode::ALL.iter().map(|m| m.as_str()).collect(),
        langs: super::results_edit::text_langs(),
    })
}

/// GET /results/models/new?country=
pub async fn new_model(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    if !may_manage(u.actor(), &country) {
        return err(RuleError::Forbidden);
    }
    let f = FormState::with([("text_lang", u.ctx.i18n.lang.code().to_owned())]);
    match model_form(&state, &u, f, &country).await {
        Ok(page) => render(&page),
        Err(r) => r,
    }
}

/// POST /results/models
pub async fn create_model(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let input = ModelInput {
        country: form.s("country"),
        name: form.s("name"),
        summary: form.s("summary"),
        module: form.s("module"),
        // A form without the field writes in the language the user reads.
        text_lang: form
            .0
            .get("text_lang")
            .cloned()
            .unwrap_or_else(|| u.ctx.i18n.lang.code().to_owned()),
        gap_ids: checked_ids(&form, "gap_ids"),
        partner_ids: checked_ids(&form, "partner_ids"),
        evidence: form.s("evidence"),
    };
    match state.app.create_model(By::User(u.actor()), &input).await {
        Ok(m) => Redirect::to(&format!("/results/models/{}", m.model_id)).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let Some(country) = CountryCode::parse(&input.country) else {
                return err(RuleError::Invalid(errors));
            };
            let f = FormState {
                errors,
                ..FormState::with([
                    ("name", input.name.clone()),
                    ("summary", input.summary.clone()),
                    ("module", input.module.clone()),
                    ("text_lang", input.text_lang.clone()),
                    ("gap_ids", input.gap_ids.clone()),
                    ("partner_ids", input.partner_ids.clone()),
                    ("evidence", input.evidence.clone()),
                ])
            };
            match model_form(&state, &u, f, &country).await {
                Ok(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(r) => r,
            }
        }
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "results/model.html")]
struct ModelPage {
    s: Shell,
    d: ModelDetail,
    /// Timeline rows: (date, from, to, evidence, who, evidence file as (link, name, size)).
    #[allow(clippy::type_complexity)]
    timeline: Vec<(
        String,
        String,
        String,
        String,
        String,
        Option<(String, String, String)>,
    )>,
    f: FormState,
    stale: bool,
    /// Stages the model may move to next (empty when the user may not move it).
    next: Vec<&'static str>,
    manage: bool,
    /// The largest evidence file, as text.
    limit: String,
}

async fn model_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    f: Option<FormState>,
    stale: bool,
) -> Result<ModelPage, Response> {
    let d = state.app.model(u.actor(), id).await.map_err(err)?;
    let country =
        CountryCode::parse(&d.model.country_code).ok_or_else(|| err(RuleError::NotFound))?;
    let manage = may_manage(u.actor(), &country);
    let s = Shell::new(&u.ctx, "model-title").titled(&d.model.name);
    let timeline = d
        .moves
        .iter()
        .map(|m| {
            (
                when(m.moved_at),
                m.from_stage
                    .as_deref()
                    .map(|c| s.code("model-stage", c))
                    .unwrap_or_default(),
                s.code("model-stage", &m.to_stage),
                m.evidence.clone(),
                m.moved_by
                    .clone()
                    .unwrap_or_else(|| s.t("results-operator")),
                m.file_name.clone().map(|n| {
                    (
                        format!("/results/moves/{}/file", m.model_move_id),
                        n,
                        super::training_material::human_size(m.file_size.unwrap_or(0)),
                    )
                }),
            )
        })
        .collect();
    let next = match ModelStage::parse(&d.model.stage) {
        Some(st) if manage => allowed_moves(st).iter().map(|x| x.as_str()).collect(),
        _ => Vec::new(),
    };
    let mut f = f.unwrap_or_else(|| {
        FormState::with([(
            "stage",
            next.first().map(|x| (*x).to_owned()).unwrap_or_default(),
        )])
    });
    if !f.values.contains_key("version") || stale {
        f.values
            .insert("version".into(), d.model.version.to_string());
    }
    Ok(ModelPage {
        s,
        timeline,
        f,
        stale,
        next,
        manage,
        d,
        limit: super::training_material::limit_text(state),
    })
}

/// GET /results/models/{id}
pub async fn model(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    match model_page(&state, &u, id, None, false).await {
        Ok(p) => render(&p),
        Err(r) => r,
    }
}

/// Reads a move form: url-encoded, or multipart with an optional `file` (the evidence
/// file). `Err` is the response for a body that cannot be read, `Ok(None)` a file over
/// the limit.
async fn read_move_form(
    state: &AppState,
    req: axum::extract::Request,
) -> Result<Option<(MoveInput, Option<(String, Vec<u8>)>)>, Response> {
    use axum::extract::{FromRequest, Multipart};
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    if !multipart {
        let form = FormMap::from_request(req, state).await?;
        return Ok(Some((
            MoveInput {
                stage: form.s("stage"),
                evidence: form.s("evidence"),
                version: form.s("version"),
            },
            None,
        )));
    }
    let mut mp = Multipart::from_request(req, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut input = MoveInput::default();
    let mut file = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(None),
            Err(e) => return Err((e.status(), e.body_text()).into_response()),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let fname = field.file_name().unwrap_or("").to_owned();
            match field.bytes().await {
                // A file input left empty sends an empty part without a name.
                Ok(b) if fname.is_empty() && b.is_empty() => {}
                Ok(b) => file = Some((fname, b.to_vec())),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(None),
                Err(e) => return Err((e.status(), e.body_text()).into_response()),
            }
            continue;
        }
        let text = match field.text().await {
            Ok(t) => t,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(None),
            Err(e) => return Err((e.status(), e.body_text()).into_response()),
        };
        match name.as_str() {
            "stage" => input.stage = text,
            "evidence" => input.evidence = text,
            "version" => input.version = text,
            _ => {}
        }
    }
    Ok(Some((input, file)))
}

/// POST /results/models/{id}/moves (url-encoded, or multipart with an evidence file)
pub async fn move_model(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    req: axum::extract::Request,
) -> Response {
    let (input, file) = match read_move_form(&state, req).await {
        Ok(Some(x)) => x,
        Ok(None) => {
            let f = FormState {
                errors: FieldErrors::single("file", "material-file-too-large"),
                ..Default::default()
            };
            return match model_page(&state, &u, id, Some(f), false).await {
                Ok(p) => render_status(StatusCode::PAYLOAD_TOO_LARGE, &p),
                Err(r) => r,
            };
        }
        Err(r) => return r,
    };
    let file_ref = file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()));
    let (errors, stale) = match state
        .app
        .move_model_with_file(By::User(u.actor()), id, &input, file_ref)
        .await
    {
        Ok(_) => return Redirect::to(&format!("/results/models/{id}#timeline")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let f = FormState {
        errors,
        ..FormState::with([
            ("stage", input.stage.clone()),
            ("evidence", input.evidence.clone()),
            ("version", input.version.clone()),
        ])
    };
    match model_page(&state, &u, id, Some(f), stale).await {
        Ok(p) => render_status(status_of(stale), &p),
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "results/profile_form.html")]
struct ProfileForm {
    s: Shell,
    f: FormState,
    country: String,
    stale: bool,
    langs: Vec<(&'static str, &'static str)>,
    tr: Vec<super::results_edit::TrSet>,
}

/// GET /results/countries/{code}/profile
pub async fn edit_profile(
    State(state): State<AppState>,
    u: UserCtx,
    Path(code): Path<String>,
) -> Response {
    let Some(country) = CountryCode::parse(&code) else {
        return err(RuleError::NotFound);
    };
    let p = match state.app.profile(u.actor(), &country).await {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let mut f = match p {
        Some(p) => FormState::with([
            ("overview", p.overview),
            ("contact", p.contact),
            ("funding", p.funding),
            ("text_lang", p.text_lang),
            (
                "published",
                if p.factsheet_published { "1" } else { "" }.to_owned(),
            ),
            ("version", p.version.to_string()),
        ]),
        None => FormState::with([("text_lang", u.ctx.i18n.lang.code().to_owned())]),
    };
    match state.app.profile_texts(u.actor(), &country).await {
        Ok(texts) => {
            for t in texts {
                for (k, v) in [
                    ("overview", t.overview),
                    ("contact", t.contact),
                    ("funding", t.funding),
                ] {
                    f.values.insert(format!("{k}_{}", t.lang), v);
                }
            }
        }
        Err(e) => return err(e),
    }
    render(&ProfileForm {
        s: Shell::new(&u.ctx, "profile-title"),
        f,
        country: country.as_str().to_owned(),
        stale: false,
        langs: super::results_edit::text_langs(),
        tr: super::results_edit::profile_tr_sets(),
    })
}

/// POST /results/countries/{code}/profile
pub async fn save_profile(
    State(state): State<AppState>,
    u: UserCtx,
    Path(code): Path<String>,
    form: FormMap,
) -> Response {
    let Some(country) = CountryCode::parse(&code) else {
        return err(RuleError::NotFound);
    };
    let input = ProfileInput {
        overview: form.s("overview"),
        contact: form.s("contact"),
        funding: form.s("funding"),
        text_lang: form
            .0
            .get("text_lang")
            .cloned()
            .unwrap_or_else(|| u.ctx.i18n.lang.code().to_owned()),
        translated: super::results_edit::tr_values(
            &form,
            &atlas_domain::results_edit::PROFILE_TEXT,
        ),
        published: form.s("published"),
        version: form.s("version"),
    };
    let (errors, stale) = match state
        .app
        .save_profile(By::User(u.actor()), &country, &input)
        .await
    {
        Ok(_) => {
            return Redirect::to(&format!("/results?country={}#factsheet", country.as_str()))
                .into_response();
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..FormState::with([
            ("overview", input.overview.clone()),
            ("contact", input.contact.clone()),
            ("funding", input.funding.clone()),
            ("text_lang", input.text_lang.clone()),
            ("published", input.published.clone()),
            ("version", input.version.clone()),
        ])
    };
    f.values.extend(input.translated.clone());
    if stale {
        let cur = state.app.profile(u.actor(), &country).await.ok().flatten();
        f.values.insert(
            "version".into(),
            cur.map(|p| p.version.to_string()).unwrap_or_default(),
        );
    }
    render_status(
        status_of(stale),
        &ProfileForm {
            s: Shell::new(&u.ctx, "profile-title"),
            f,
            country: country.as_str().to_owned(),
            stale,
            langs: super::results_edit::text_langs(),
            tr: super::results_edit::profile_tr_sets(),
        },
    )
}

#[derive(Template)]
#[template(path = "results/factsheet.html")]
struct FactsheetPage {
    i: I18n,
    lang: &'static str,
    title: String,
    /// One paragraph per model: (name, module and stage line, summary, partners, the
    /// language of name and summary).
    activities: Vec<(String, String, String, String, String)>,
    /// Overview, contact and funding in the sheet's language where translated, each
    /// with the language it is written in.
    texts: Option<[(String, String); 3]>,
    sentences: Vec<String>,
    /// Other languages of this sheet: (code, native name, link).
    others: Vec<(&'static str, &'static str, String)>,
    published: bool,
}

/// GET /reports/factsheet?country=AR&lang=en|es|th — public when the country published
/// it; a preview for signed-in readers of the country otherwise.
pub async fn factsheet(State(state): State<AppState>, ctx: Ctx, p: Params) -> Response {
    let Some(country) = p.get("country").and_then(CountryCode::parse) else {
        return err(RuleError::NotFound);
    };
    let lang = match p.get("lang") {
        None => ctx.i18n.lang,
        Some(l) => match Lang::parse(l) {
            Some(l) => l,
            None => return err(RuleError::NotFound),
        },
    };
    let viewer = ctx
        .session
        .as_ref()
        .filter(|s| s.stage == atlas_core::auth::Stage::Full)
        .map(|s| &s.actor);
    let sheet = match state.app.factsheet(viewer, &country).await {
        Ok(s) => s,
        Err(e) => return err(e),
    };
    let i = I18n::new(lang);
    let code_of = lang.code();
    let activities = sheet
        .models
        .iter()
        .map(|m| {
            let t = sheet
                .model_texts
                .iter()
                .find(|t| t.model_id == m.model.model_id && t.lang == code_of);
            let name = pick(&m.model.name, t.map(|t| t.name.as_str()));
            let summary = pick(&m.model.summary, t.map(|t| t.summary.as_str()));
            // The text's language for screen readers and hyphenation: the translation's
            // when it is shown, else the model's own.
            let text_lang = if std::ptr::eq(summary, m.model.summary.as_str()) {
                m.model.text_lang.clone()
            } else {
                code_of.to_owned()
            };
            (
                name.to_owned(),
                i.ta(
                    "factsheet-model-line",
                    &[
                        ("module", i.code("model-module", &m.model.module_code)),
                        ("stage", i.code("model-stage", &m.model.stage)),
                    ],
                ),
                summary.to_owned(),
                m.partners
                    .iter()
                    .map(|p| p.1.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                text_lang,
            )
        })
        .collect();
    let texts = sheet.profile.as_ref().map(|p| {
        let t = sheet.profile_texts.iter().find(|t| t.lang == code_of);
        let one = |own: &str, tr: Option<&str>| {
            let v = pick(own, tr);
            let l = if std::ptr::eq(v, own) {
                p.text_lang.clone()
            } else {
                code_of.to_owned()
            };
            (v.to_owned(), l)
        };
        [
            one(&p.overview, t.map(|t| t.overview.as_str())),
            one(&p.contact, t.map(|t| t.contact.as_str())),
            one(&p.funding, t.map(|t| t.funding.as_str())),
        ]
    });
    let sentences = key_sentences(&i, &sheet.key);
    let code = country.as_str();
    render(&FactsheetPage {
        title: i.t1(
            "factsheet-title",
            "country",
            &i.code("country", &code.to_lowercase()),
        ),
        lang: lang.code(),
        others: Lang::ALL
            .iter()
            .filter(|l| **l != lang)
            .map(|l| {
                (
                    l.code(),
                    l.native_name(),
                    format!("/reports/factsheet?country={code}&lang={}", l.code()),
                )
            })
            .collect(),
        published: sheet
            .profile
            .as_ref()
            .is_some_and(|p| p.factsheet_published),
        i,
        activities,
        texts,
        sentences,
    })
}

#[derive(Template)]
#[template(path = "results/framework.html")]
struct FrameworkPage {
    s: Shell,
    fw: Framework,
    period_code: String,
    period_first: String,
    period_last: String,
    manage: bool,
    f: FormState,
    levels: Vec<&'static str>,
    units: Vec<&'static str>,
    directions: Vec<&'static str>,
    sources: Vec<&'static str>,
    disaggs: Vec<&'static str>,
    /// Indicator id → the records behind its actual, for readers allowed to see them.
    links: std::collections::HashMap<String, String>,
}

fn default_period(state: &AppState) -> Period {
    let today = state.app.now().date();
    // A day always lies in a semi-annual period; the fallback is unreachable.
    Period::containing(PeriodKind::SemiAnnual, today).unwrap_or(Period {
        kind: PeriodKind::Month,
        first: today,
        last: today,
    })
}

async fn framework_page(
    state: &AppState,
    u: &UserCtx,
    country: &CountryCode,
    period: Period,
    f: FormState,
) -> Result<FrameworkPage, Response> {
    let fw = state
        .app
        .framework(u.actor(), country, period)
        .await
        .map_err(err)?;
    Ok(FrameworkPage {
        s: Shell::new(&u.ctx, "framework-title"),
        period_code: period.code(),
        period_first: period.first.to_string(),
        period_last: period.last.to_string(),
        manage: may_manage(u.actor(), country),
        f,
        levels: ResultLevel::ALL.iter().map(|x| x.as_str()).collect(),
        units: IndicatorUnit::ALL.iter().map(|x| x.as_str()).collect(),
        directions: Direction::ALL.iter().map(|x| x.as_str()).collect(),
        sources: IndicatorSource::ALL.iter().map(|x| x.as_str()).collect(),
        disaggs: Disaggregation::ALL.iter().map(|x| x.as_str()).collect(),
        links: super::results_dashboard::framework_links(u.actor(), &fw),
        fw,
    })
}

/// GET /results/framework?country=&period=
pub async fn framework(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    let period = match p.get("period") {
        None => default_period(&state),
        Some(code) => match Period::parse(code) {
            Some(p) => p,
            None => {
                return err(RuleError::Invalid(FieldErrors::single(
                    "period",
                    "period-unknown",
                )));
            }
        },
    };
    match framework_page(&state, &u, &country, period, FormState::default()).await {
        Ok(page) => render(&page),
        Err(r) => r,
    }
}

/// POST /results/framework/nodes
pub async fn create_node(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let input = NodeInput {
        country: form.s("country"),
        parent_id: form.s("parent_id"),
        level: form.s("level"),
        code: form.s("code"),
        title: form.s("node_title"),
    };
    match state.app.create_node(By::User(u.actor()), &input).await {
        Ok(n) => {
            Redirect::to(&format!("/results/framework?country={}", n.country_code)).into_response()
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let Some(country) = CountryCode::parse(&input.country) else {
                return err(RuleError::Invalid(errors));
            };
            let mut errors = errors;
            for e in &mut errors.0 {
                if e.field == "title" {
                    "node_title".clone_into(&mut e.field);
                }
            }
            let f = FormState {
                errors,
                ..FormState::with([
                    ("parent_id", input.parent_id.clone()),
                    ("level", input.level.clone()),
                    ("code", input.code.clone()),
                    ("node_title", input.title.clone()),
                ])
            };
            let period = default_period(&state);
            match framework_page(&state, &u, &country, period, f).await {
                Ok(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(r) => r,
            }
        }
        Err(e) => err(e),
    }
}

/// POST /results/framework/indicators
pub async fn create_indicator(
    State(state): State<AppState>,
    u: UserCtx,
    form: FormMap,
) -> Response {
    let input = IndicatorInput {
        result_node_id: form.s("result_node_id"),
        title: form.s("indicator_title"),
        definition: form.s("definition"),
        unit: form.s("unit"),
        direction: form.s("direction"),
        source: form.s("source"),
        baseline: form.s("baseline"),
        disaggregations: Disaggregation::ALL
            .iter()
            .filter(|d| !form.s(&format!("disagg-{}", d.as_str())).is_empty())
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(","),
    };
    match state
        .app
        .create_indicator(By::User(u.actor()), &input)
        .await
    {
        Ok(i) => Redirect::to(&format!("/results/indicators/{}", i.indicator_id)).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(mut errors))) => {
            let Some(country) = CountryCode::parse(&form.s("country")) else {
                return err(RuleError::Invalid(errors));
            };
            for e in &mut errors.0 {
                if e.field == "title" {
                    "indicator_title".clone_into(&mut e.field);
                }
            }
            let mut f = FormState {
                errors,
                ..FormState::with([
                    ("result_node_id", input.result_node_id.clone()),
                    ("indicator_title", input.title.clone()),
                    ("definition", input.definition.clone()),
                    ("unit", input.unit.clone()),
                    ("direction", input.direction.clone()),
                    ("source", input.source.clone()),
                    ("baseline", input.baseline.clone()),
                ])
            };
            for d in atlas_domain::results_disagg::stored_dimensions(&input.disaggregations) {
                f.values
                    .insert(format!("disagg-{}", d.as_str()), "1".into());
            }
            let period = default_period(&state);
            match framework_page(&state, &u, &country, period, f).await {
                Ok(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(r) => r,
            }
        }
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "results/indicator.html")]
struct IndicatorPage {
    s: Shell,
    d: IndicatorDetail,
    values: Vec<(String, i64, String, String, String)>,
    manual: bool,
    manage: bool,
    /// The target form.
    t: FormState,
    /// The manual value form.
    v: FormState,
    /// The value form's parts: (dimension error field, dimension label,
    /// [(field, category label)]).
    parts: Vec<PartsFieldset>,
}

/// One dimension's fieldset: (error field, dimension label, [(field, category label)]).
type PartsFieldset = (String, String, Vec<(String, String)>);

async fn indicator_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    t: FormState,
    v: FormState,
) -> Result<IndicatorPage, Response> {
    let d = state.app.indicator(u.actor(), id).await.map_err(err)?;
    let s = Shell::new(&u.ctx, "indicator-title").titled(&d.indicator.title);
    let dims = atlas_domain::results_disagg::stored_dimensions(&d.indicator.disaggregations);
    let mut parts = Vec::new();
    if !dims.is_empty() && d.indicator.source == IndicatorSource::Manual.as_str() {
        let directory = state
            .app
            .disaggregation_categories(&d.country)
            .await
            .map_err(err)?;
        for dim in dims {
            let cats: Vec<String> = match dim.fixed_categories() {
                Some(c) => c.into_iter().map(str::to_owned).collect(),
                None => directory.get(&dim).cloned().unwrap_or_default(),
            };
            parts.push((
                atlas_domain::results_disagg::dimension_field(dim),
                super::results_export::dimension_label(&s.i18n, dim),
                cats.iter()
                    .map(|c| {
                        (
                            atlas_domain::results_disagg::part_field(dim, c),
                            super::results_export::category_label(&s.i18n, dim, c),
                        )
                    })
                    .collect(),
            ));
        }
    }
    let values = d
        .values
        .iter()
        .map(|x| {
            (
                x.period_code.clone(),
                x.value,
                x.evidence.clone(),
                x.entered_by
                    .clone()
                    .unwrap_or_else(|| s.t("results-operator")),
                when(x.entered_at),
            )
        })
        .collect();
    Ok(IndicatorPage {
        manual: d.indicator.source == IndicatorSource::Manual.as_str(),
        manage: may_manage(u.actor(), &d.country),
        s,
        values,
        t,
        v,
        d,
        parts,
    })
}

/// Empty target and value forms, on the current semi-annual period.
fn fresh_forms(state: &AppState) -> (FormState, FormState) {
    let code = default_period(state).code();
    (
        FormState::with([("target_period", code.clone())]),
        FormState::with([("period", code)]),
    )
}

/// GET /results/indicators/{id}
pub async fn indicator(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let (t, v) = fresh_forms(&state);
    match indicator_page(&state, &u, id, t, v).await {
        Ok(p) => render(&p),
        Err(r) => r,
    }
}

async fn period_value(
    state: AppState,
    u: UserCtx,
    id: Uuid,
    form: FormMap,
    target: bool,
) -> Response {
    // The two forms share a page, so the target form's fields have their own names.
    let (pf, vf) = if target {
        ("target_period", "target")
    } else {
        ("period", "value")
    };
    let input = PeriodValueInput {
        period: form.s(pf),
        value: form.s(vf),
        evidence: form.s("evidence"),
    };
    let by = By::User(u.actor());
    let parts: std::collections::BTreeMap<String, String> = form
        .0
        .iter()
        .filter(|(k, _)| k.starts_with("part-"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let r = if target {
        state.app.set_target(by, id, &input).await
    } else {
        state.app.add_value_parts(by, id, &input, &parts).await
    };
    match r {
        Ok(()) => Redirect::to(&format!("/results/indicators/{id}")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(mut errors))) => {
            for e in &mut errors.0 {
                match e.field.as_str() {
                    "period" => pf.clone_into(&mut e.field),
                    "value" => vf.clone_into(&mut e.field),
                    _ => {}
                }
            }
            let mut kept = FormState {
                errors,
                ..FormState::default()
            };
            kept.values.insert(pf.into(), input.period.clone());
            kept.values.insert(vf.into(), input.value.clone());
            kept.values
                .insert("evidence".into(), input.evidence.clone());
            if !target {
                kept.values.extend(parts);
            }
            let fresh = fresh_forms(&state);
            let (t, v) = if target {
                (kept, fresh.1)
            } else {
                (fresh.0, kept)
            };
            match indicator_page(&state, &u, id, t, v).await {
                Ok(p) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &p),
                Err(r) => r,
            }
        }
        Err(e) => err(e),
    }
}

/// POST /results/indicators/{id}/targets
pub async fn set_target(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    period_value(state, u, id, form, true).await
}

/// POST /results/indicators/{id}/values
pub async fn add_value(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    period_value(state, u, id, form, false).await
}
