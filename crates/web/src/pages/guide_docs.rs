//! Guide pages, second part: the protocol inventory with its steps × protocols matrix,
//! guide documents (text editor, lifecycle, versions compared side by side, printable
//! page) and review rounds (anchored comments, resolutions, meetings, closing).
//! A rejected action re-renders the page it came from with the reasons at the top
//! (422, or 409 for a stale edit).

use super::{FormState, Shell, err, render, render_status, status_of};
use crate::AppState;
use crate::extract::{FormMap, Params, UserCtx};
use crate::i18n::{I18n, Lang};
use askama::Template;
use atlas_core::By;
use atlas_core::directory::Query;
use atlas_core::guide_docs::{GuideView, Inventory, RoundView};
use atlas_core::guide_uses::{GuideUses, UseInput};
use atlas_core::store::guide_docs::DocumentListRow;
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::auth::{Action, Actor, Scope, scope};
use atlas_domain::directory::{COUNTRIES, CountryCode};
use atlas_domain::guide_docs::{
    CommentInput, GuideInput, MeetingInput, ProtocolInput, ProtocolKind, ProtocolScope,
    ProtocolStatus, ResponseStep, RoundInput, SectionDiff, SectionInput, Stage, render_markdown,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

/// Blank section rows the editor offers after the existing sections.
const EXTRA_SECTIONS: usize = 2;

fn country_of(p: &Params, actor: &Actor) -> Option<CountryCode> {
    match p.get("country") {
        None => Some(actor.country.clone()),
        Some(c) => CountryCode::parse(c),
    }
}

fn all_countries(actor: &Actor) -> Vec<&'static str> {
    if scope(actor.role, Action::ReadGuideDocuments) == Some(Scope::All) {
        COUNTRIES.to_vec()
    } else {
        Vec::new()
    }
}

/// The reasons of a rejected action as message keys, and whether it was stale; other
/// errors are answered by the error page.
fn rejection(e: &atlas_core::Error) -> Option<(Vec<&'static str>, bool)> {
    match e.rule() {
        Some(RuleError::Invalid(fe)) => Some((fe.0.iter().map(|f| f.key).collect(), false)),
        Some(RuleError::Stale) => Some((vec!["error-stale-help"], true)),
        _ => None,
    }
}

/// A rendered section: (position, heading, safe HTML).
type Rendered = (i64, String, String);

fn rendered(secs: &[atlas_domain::guide_docs::Section]) -> Vec<Rendered> {
    secs.iter()
        .map(|s| (s.position, s.heading.clone(), render_markdown(&s.body)))
        .collect()
}

// ---- protocol inventory ------------------------------------------------------------

/// One row of the matrix: (step code, coverage code, count, one mark per protocol).
type MatrixRow = (&'static str, &'static str, usize, Vec<bool>);

#[derive(Template)]
#[template(path = "guide/docs/protocols.html")]
struct ProtocolsPage {
    s: Shell,
    country: String,
    countries: Vec<&'static str>,
    inv: Inventory,
    matrix: Vec<MatrixRow>,
}

/// GET /guide/protocols?country=
pub async fn protocols(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    let inv = match state.app.protocol_inventory(u.actor(), &country).await {
        Ok(i) => i,
        Err(e) => return err(e),
    };
    let matrix = inv
        .coverage
        .iter()
        .map(|(step, n, c)| {
            (
                step.as_str(),
                c.as_str(),
                *n,
                inv.protocols
                    .iter()
                    .map(|(_, steps)| steps.contains(step))
                    .collect(),
            )
        })
        .collect();
    render(&ProtocolsPage {
        s: Shell::new(&u.ctx, "guidedoc-protocols"),
        country: country.as_str().to_owned(),
        countries: all_countries(u.actor()),
        inv,
        matrix,
    })
}

#[derive(Template)]
#[template(path = "guide/docs/protocol_form.html")]
struct ProtocolForm {
    s: Shell,
    f: FormState,
    id: Option<Uuid>,
    country: String,
    stale: bool,
    kinds: Vec<&'static str>,
    scopes: Vec<&'static str>,
    statuses: Vec<&'static str>,
    steps: Vec<&'static str>,
    others: Vec<(Uuid, String)>,
}

const PROTOCOL_FIELDS: [&str; 9] = [
    "title",
    "issuing_body",
    "issued_on",
    "kind",
    "scope",
    "link",
    "status",
    "superseded_by",
    "version",
];

fn protocol_input(f: &FormMap, country: &str) -> ProtocolInput {
    ProtocolInput {
        country: country.to_owned(),
        title: f.s("title"),
        issuing_body: f.s("issuing_body"),
        issued_on: f.s("issued_on"),
        kind: f.s("kind"),
        scope: f.s("scope"),
        link: f.s("link"),
        status: f.s("status"),
        superseded_by: f.s("superseded_by"),
        steps: ResponseStep::ALL
            .iter()
            .filter(|s| !f.s(&format!("steps-{}", s.as_str())).is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(","),
        version: f.s("version"),
    }
}

async fn protocol_form(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    id: Option<Uuid>,
    country: &CountryCode,
    status: StatusCode,
    stale: bool,
) -> Response {
    let others = match state.app.protocol_inventory(u.actor(), country).await {
        Ok(i) => i
            .protocols
            .into_iter()
            .filter(|(p, _)| Some(p.guide_protocol_id) != id)
            .map(|(p, _)| (p.guide_protocol_id, p.title))
            .collect(),
        Err(e) => return err(e),
    };
    render_status(
        status,
        &ProtocolForm {
            s: Shell::new(
                &u.ctx,
                if id.is_some() {
                    "guidedoc-protocol-edit"
                } else {
                    "guidedoc-protocol-new"
                },
            ),
            f,
            id,
            country: country.as_str().to_owned(),
            stale,
            kinds: ProtocolKind::ALL.iter().map(|k| k.as_str()).collect(),
            scopes: ProtocolScope::ALL.iter().map(|k| k.as_str()).collect(),
            statuses: ProtocolStatus::ALL.iter().map(|k| k.as_str()).collect(),
            steps: ResponseStep::ALL.iter().map(|k| k.as_str()).collect(),
            others,
        },
    )
}

/// GET /guide/protocols/new?country=
pub async fn new_protocol(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    let f = FormState::with([
        ("kind", "protocol".to_owned()),
        ("scope", "provincial".to_owned()),
        ("status", "in_force".to_owned()),
    ]);
    protocol_form(&state, &u, f, None, &country, StatusCode::OK, false).await
}

fn protocol_state(form: &FormMap, input: &ProtocolInput) -> FormState {
    let mut f = FormState {
        values: PROTOCOL_FIELDS
            .iter()
            .map(|k| ((*k).to_owned(), form.s(k)))
            .collect(),
        errors: FieldErrors::new(),
    };
    f.values.insert("steps".into(), input.steps.clone());
    f
}

async fn rejected_protocol(
    state: &AppState,
    u: &UserCtx,
    form: &FormMap,
    input: &ProtocolInput,
    id: Option<Uuid>,
    country: &CountryCode,
    e: atlas_core::Error,
) -> Response {
    let mut f = protocol_state(form, input);
    let stale = match e.rule() {
        Some(RuleError::Invalid(fe)) => {
            f.errors = fe.clone();
            false
        }
        Some(RuleError::Stale) => true,
        _ => return err(e),
    };
    if stale
        && let Some(id) = id
        && let Ok((cur, _)) = state.app.protocol(u.actor(), id).await
    {
        f.values.insert("version".into(), cur.version.to_string());
    }
    protocol_form(state, u, f, id, country, status_of(stale), stale).await
}

/// POST /guide/protocols
pub async fn create_protocol(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let Some(country) = CountryCode::parse(&form.s("country")) else {
        return err(RuleError::Invalid(FieldErrors::single(
            "country",
            "field-country-invalid",
        )));
    };
    let input = protocol_input(&form, country.as_str());
    match state.app.create_protocol(By::User(u.actor()), &input).await {
        Ok(_) => {
            Redirect::to(&format!("/guide/protocols?country={}", country.as_str())).into_response()
        }
        Err(e) => rejected_protocol(&state, &u, &form, &input, None, &country, e).await,
    }
}

/// GET /guide/protocols/{id}/edit
pub async fn edit_protocol(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let (p, steps) = match state.app.protocol(u.actor(), id).await {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let Some(country) = CountryCode::parse(&p.country_code) else {
        return err(RuleError::NotFound);
    };
    let f = FormState::with([
        ("title", p.title.clone()),
        ("issuing_body", p.issuing_body.clone()),
        ("issued_on", p.issued_on.clone()),
        ("kind", p.kind.clone()),
        ("scope", p.scope.clone()),
        ("link", p.link.clone().unwrap_or_default()),
        ("status", p.status.clone()),
        (
            "superseded_by",
            p.superseded_by.map(|s| s.to_string()).unwrap_or_default(),
        ),
        ("steps", steps.join(",")),
        ("version", p.version.to_string()),
    ]);
    protocol_form(&state, &u, f, Some(id), &country, StatusCode::OK, false).await
}

/// POST /guide/protocols/{id}
pub async fn update_protocol(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let (p, _) = match state.app.protocol(u.actor(), id).await {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let Some(country) = CountryCode::parse(&p.country_code) else {
        return err(RuleError::NotFound);
    };
    let input = protocol_input(&form, country.as_str());
    match state
        .app
        .update_protocol(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/guide/protocols?country={}", country.as_str())).into_response()
        }
        Err(e) => rejected_protocol(&state, &u, &form, &input, Some(id), &country, e).await,
    }
}

// ---- guide documents ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "guide/docs/docs.html")]
struct DocsPage {
    s: Shell,
    country: String,
    countries: Vec<&'static str>,
    rows: Vec<DocumentListRow>,
    f: FormState,
    institutions: Vec<(Uuid, String)>,
    areas: Vec<(Uuid, String)>,
    langs: Vec<(&'static str, &'static str)>,
}

async fn docs_page(
    state: &AppState,
    u: &UserCtx,
    country: &CountryCode,
    f: FormState,
    status: StatusCode,
) -> Response {
    let actor = u.actor();
    let rows = match state.app.guide_documents(actor, country).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let q = Query {
        country: Some(country.clone()),
        limit: 500,
        ..Default::default()
    };
    let institutions = match state.app.institutions(actor, &q).await {
        Ok(r) => r
            .into_iter()
            .filter(|i| {
                atlas_domain::auth::authorize(
                    actor,
                    Action::EditGuides,
                    Some(&atlas_domain::auth::Owner {
                        institution_id: Some(i.institution_id),
                        country: country.clone(),
                    }),
                )
                .is_ok()
            })
            .map(|i| (i.institution_id, format!("{} — {}", i.acronym, i.name)))
            .collect(),
        Err(e) => return err(e),
    };
    let mut areas: Vec<(Uuid, String)> = match state.app.areas(actor, &q).await {
        Ok(r) => r.into_iter().map(|a| (a.area_id, a.name)).collect(),
        Err(e) => return err(e),
    };
    areas.sort_by_key(|a| a.1.to_lowercase());
    render_status(
        status,
        &DocsPage {
            s: Shell::new(&u.ctx, "guidedoc-docs"),
            country: country.as_str().to_owned(),
            countries: all_countries(actor),
            rows,
            f,
            institutions,
            areas,
            langs: Lang::ALL
                .iter()
                .map(|l| (l.code(), l.native_name()))
                .collect(),
        },
    )
}

/// GET /guide/docs?country=
pub async fn docs(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    let f = FormState::with([("language", u.ctx.i18n.lang_code().to_owned())]);
    docs_page(&state, &u, &country, f, StatusCode::OK).await
}

/// POST /guide/docs
pub async fn create_doc(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let input = GuideInput {
        institution_id: form.s("institution_id"),
        area_id: form.s("area_id"),
        title: form.s("title"),
        language: form.s("language"),
    };
    match state
        .app
        .create_guide_document(By::User(u.actor()), &input)
        .await
    {
        Ok(d) => Redirect::to(&format!("/guide/docs/{}", d.guide_document_id)).into_response(),
        Err(e) => match e.rule() {
            Some(RuleError::Invalid(fe)) => {
                let mut f = FormState::with([
                    ("institution_id", input.institution_id.clone()),
                    ("area_id", input.area_id.clone()),
                    ("title", input.title.clone()),
                    ("language", input.language.clone()),
                ]);
                f.errors = fe.clone();
                let country = u.actor().country.clone();
                docs_page(&state, &u, &country, f, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            _ => err(e),
        },
    }
}

#[derive(Template)]
#[template(path = "guide/docs/doc.html")]
struct DocPage {
    s: Shell,
    v: GuideView,
    sections: Vec<Rendered>,
    stages: Vec<&'static str>,
    next: Option<&'static str>,
    errors: Vec<&'static str>,
    users: Vec<(Uuid, String)>,
    institutions: Vec<(Uuid, String)>,
    today: String,
    uses: GuideUses,
}

/// A course's dates as the uses list shows them: "first – last", one date, or nothing.
fn course_dates(first: &Option<String>, last: &Option<String>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a != b => format!("{a} – {b}"),
        (Some(a), _) => a.clone(),
        _ => String::new(),
    }
}

async fn doc_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    errors: Vec<&'static str>,
    status: StatusCode,
) -> Response {
    let actor = u.actor();
    let v = match state.app.guide_document(actor, id).await {
        Ok(v) => v,
        Err(e) => return err(e),
    };
    let uses = match state.app.guide_uses(actor, id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let Some(country) = CountryCode::parse(&v.doc.doc.country_code) else {
        return err(RuleError::NotFound);
    };
    let (mut users, mut institutions) = (Vec::new(), Vec::new());
    if v.may_edit {
        let q = Query {
            country: Some(country.clone()),
            limit: 500,
            ..Default::default()
        };
        institutions = match state.app.institutions(actor, &q).await {
            Ok(r) => r
                .into_iter()
                .map(|i| (i.institution_id, format!("{} — {}", i.acronym, i.name)))
                .collect(),
            Err(e) => return err(e),
        };
        users = state
            .app
            .guide_reviewer_choices(&country)
            .await
            .unwrap_or_default();
    }
    let stage = Stage::parse(&v.doc.doc.stage).unwrap_or(Stage::Analysis);
    render_status(
        status,
        &DocPage {
            s: Shell::new(&u.ctx, "guidedoc-doc").titled(&v.doc.doc.title),
            sections: rendered(&v.sections),
            stages: Stage::ALL
                .iter()
                .filter(|s| s.index() < stage.index())
                .map(|s| s.as_str())
                .collect(),
            next: stage.next().map(|s| s.as_str()),
            errors,
            users,
            institutions,
            today: state.app.now().date().to_string(),
            uses,
            v,
        },
    )
}

/// POST /guide/docs/{id}/uses (course, section, note)
pub async fn add_use(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = UseInput {
        course: form.s("course"),
        section: form.s("section"),
        note: form.s("note"),
    };
    match state
        .app
        .add_guide_use(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/guide/docs/{id}#uses")).into_response(),
        Err(e) => match rejection(&e) {
            Some((keys, stale)) => doc_page(&state, &u, id, keys, status_of(stale)).await,
            None => err(e),
        },
    }
}

/// POST /guide/docs/{id}/uses/{use_id}/remove
pub async fn remove_use(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, use_id)): Path<(Uuid, Uuid)>,
) -> Response {
    match state
        .app
        .remove_guide_use(By::User(u.actor()), id, use_id)
        .await
    {
        Ok(()) => Redirect::to(&format!("/guide/docs/{id}#uses")).into_response(),
        Err(e) => err(e),
    }
}

/// GET /guide/docs/{id}
pub async fn doc(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    doc_page(&state, &u, id, Vec::new(), StatusCode::OK).await
}

/// POST /guide/docs/{id}/stage (stage, reason, version)
pub async fn move_doc(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    match state
        .app
        .move_guide(
            By::User(u.actor()),
            id,
            &form.s("stage"),
            &form.s("reason"),
            &form.s("version"),
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/guide/docs/{id}")).into_response(),
        Err(e) => match rejection(&e) {
            Some((keys, stale)) => doc_page(&state, &u, id, keys, status_of(stale)).await,
            None => err(e),
        },
    }
}

/// POST /guide/docs/{id}/rounds (deadline, user-ID=1, inst-ID=1)
pub async fn open_round(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let pick = |prefix: &str| -> Vec<String> {
        form.0
            .iter()
            .filter(|(k, v)| k.starts_with(prefix) && !v.is_empty())
            .map(|(k, _)| k[prefix.len()..].to_owned())
            .collect()
    };
    let input = RoundInput {
        deadline: form.s("deadline"),
        users: pick("user-"),
        institutions: pick("inst-"),
    };
    match state
        .app
        .open_review_round(By::User(u.actor()), id, &input)
        .await
    {
        Ok(r) => {
            Redirect::to(&format!("/guide/rounds/{}", r.guide_review_round_id)).into_response()
        }
        Err(e) => match rejection(&e) {
            Some((keys, stale)) => doc_page(&state, &u, id, keys, status_of(stale)).await,
            None => err(e),
        },
    }
}

/// One row of the text editor.
#[derive(Debug, Clone, Default)]
pub struct SectionRowView {
    pub n: usize,
    pub heading: String,
    pub body: String,
    pub e_heading: Option<&'static str>,
    pub e_body: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "guide/docs/doc_edit.html")]
struct EditPage {
    s: Shell,
    id: Uuid,
    title: String,
    version: String,
    note: String,
    rows: Vec<SectionRowView>,
    top_errors: Vec<&'static str>,
    stale: bool,
}

fn section_inputs(f: &FormMap) -> Vec<SectionInput> {
    let mut v = Vec::new();
    for n in 1..=atlas_domain::guide_docs::MAX_SECTIONS + EXTRA_SECTIONS {
        if !f.0.contains_key(&format!("heading_{n}")) && !f.0.contains_key(&format!("body_{n}")) {
            break;
        }
        v.push(SectionInput {
            heading: f.s(&format!("heading_{n}")),
            body: f.s(&format!("body_{n}")),
        });
    }
    v
}

fn section_rows(rows: &[SectionInput], errors: &FieldErrors) -> Vec<SectionRowView> {
    let mut out: Vec<SectionRowView> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let e = |k: &str| errors.get(&format!("sections[{}].{k}", i + 1));
            SectionRowView {
                n: i + 1,
                heading: r.heading.clone(),
                body: r.body.clone(),
                e_heading: e("heading"),
                e_body: e("body"),
            }
        })
        .collect();
    for _ in 0..EXTRA_SECTIONS {
        out.push(SectionRowView {
            n: out.len() + 1,
            ..Default::default()
        });
    }
    out
}

/// GET /guide/docs/{id}/edit
pub async fn edit_doc(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    let v = match state.app.guide_document(u.actor(), id).await {
        Ok(v) => v,
        Err(e) => return err(e),
    };
    if !v.may_edit {
        return err(RuleError::NotFound);
    }
    let rows: Vec<SectionInput> = v
        .sections
        .iter()
        .map(|s| SectionInput {
            heading: s.heading.clone(),
            body: s.body.clone(),
        })
        .collect();
    render(&EditPage {
        s: Shell::new(&u.ctx, "guidedoc-edit"),
        id,
        title: v.doc.doc.title.clone(),
        version: v.doc.doc.version.to_string(),
        note: String::new(),
        rows: section_rows(&rows, &FieldErrors::new()),
        top_errors: Vec::new(),
        stale: false,
    })
}

/// POST /guide/docs/{id}/text (heading_N, body_N, note, version)
pub async fn save_doc(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let rows = section_inputs(&form);
    let note = form.s("note");
    match state
        .app
        .save_guide_text(By::User(u.actor()), id, &rows, &note, &form.s("version"))
        .await
    {
        Ok(_) => Redirect::to(&format!("/guide/docs/{id}")).into_response(),
        Err(e) => {
            let (errors, stale) = match e.rule() {
                Some(RuleError::Invalid(fe)) => (fe.clone(), false),
                Some(RuleError::Stale) => (FieldErrors::new(), true),
                _ => return err(e),
            };
            let cur = match state.app.guide_document(u.actor(), id).await {
                Ok(v) => v,
                Err(e) => return err(e),
            };
            render_status(
                status_of(stale),
                &EditPage {
                    s: Shell::new(&u.ctx, "guidedoc-edit"),
                    id,
                    title: cur.doc.doc.title.clone(),
                    version: if stale {
                        cur.doc.doc.version.to_string()
                    } else {
                        form.s("version")
                    },
                    note,
                    top_errors: errors
                        .0
                        .iter()
                        .filter(|e| !e.field.starts_with("sections["))
                        .map(|e| e.key)
                        .collect(),
                    rows: section_rows(&rows, &errors),
                    stale,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "guide/docs/compare.html")]
struct ComparePage {
    s: Shell,
    id: Uuid,
    title: String,
    a: i64,
    b: i64,
    diffs: Vec<SectionDiff>,
}

/// GET /guide/docs/{id}/compare?a=&b=
pub async fn compare(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
    let (Some(a), Some(b)) = (
        p.get("a").and_then(|a| a.parse::<i64>().ok()),
        p.get("b").and_then(|b| b.parse::<i64>().ok()),
    ) else {
        return err(RuleError::Invalid(FieldErrors::single("a", "field-choice")));
    };
    match state.app.compare_guide_versions(u.actor(), id, a, b).await {
        Ok((doc, diffs)) => render(&ComparePage {
            s: Shell::new(&u.ctx, "guidedoc-compare"),
            id,
            title: doc.doc.title,
            a,
            b,
            diffs,
        }),
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "guide/docs/print.html")]
struct PrintPage {
    i: I18n,
    lang: &'static str,
    id: Uuid,
    title: String,
    subtitle: String,
    stamp: String,
    is_final: bool,
    sections: Vec<Rendered>,
    /// (course title, institution, dates, section "n. heading")
    uses: Vec<(String, String, String, String)>,
}

/// GET /guide/docs/{id}/print — the current version as a printable page in the guide's
/// language, with a table of contents and a version and date stamp.
pub async fn print(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    let v = match state.app.guide_document(u.actor(), id).await {
        Ok(v) => v,
        Err(e) => return err(e),
    };
    let uses = match state.app.guide_uses(u.actor(), id).await {
        Ok(x) => x
            .uses
            .into_iter()
            .map(|r| {
                (
                    r.course_title,
                    r.institution_acronym,
                    course_dates(&r.first_session, &r.last_session),
                    format!("{}. {}", r.section_position, r.section_title),
                )
            })
            .collect(),
        Err(e) => return err(e),
    };
    let lang = Lang::parse(&v.doc.doc.language).unwrap_or(u.ctx.i18n.lang);
    let i = I18n::new(lang);
    let stage = Stage::parse(&v.doc.doc.stage).unwrap_or(Stage::Analysis);
    let date = v
        .versions
        .first()
        .map(|x| x.created_at.date().to_string())
        .unwrap_or_default();
    render(&PrintPage {
        lang: lang.code(),
        id,
        title: v.doc.doc.title.clone(),
        subtitle: format!("{} — {}", v.doc.institution_acronym, v.doc.area_name),
        stamp: i.t1(
            "guidedoc-stamp",
            "version",
            &format!(
                "{} · {} · {}",
                v.doc.doc.current_version,
                date,
                i.code("guidedoc-stage", stage.as_str())
            ),
        ),
        is_final: stage.is_final(),
        sections: rendered(&v.sections),
        uses,
        i,
    })
}

// ---- review rounds ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "guide/docs/round.html")]
struct RoundPage {
    s: Shell,
    v: RoundView,
    sections: Vec<Rendered>,
    errors: Vec<&'static str>,
    institutions: Vec<(Uuid, String)>,
    today: String,
}

async fn round_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    errors: Vec<&'static str>,
    status: StatusCode,
) -> Response {
    let v = match state.app.review_round(u.actor(), id).await {
        Ok(v) => v,
        Err(e) => return err(e),
    };
    let mut institutions = Vec::new();
    if v.may_resolve
        && let Some(country) = CountryCode::parse(&v.doc.doc.country_code)
    {
        institutions = match state
            .app
            .institutions(
                u.actor(),
                &Query {
                    country: Some(country),
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
        {
            Ok(r) => r
                .into_iter()
                .map(|i| (i.institution_id, format!("{} — {}", i.acronym, i.name)))
                .collect(),
            Err(e) => return err(e),
        };
    }
    render_status(
        status,
        &RoundPage {
            s: Shell::new(&u.ctx, "guidedoc-round").titled(&v.doc.doc.title),
            sections: rendered(&v.sections),
            errors,
            institutions,
            today: state.app.now().date().to_string(),
            v,
        },
    )
}

/// GET /guide/rounds/{id}
pub async fn round(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    round_page(&state, &u, id, Vec::new(), StatusCode::OK).await
}

async fn after_round_action(
    state: &AppState,
    u: &UserCtx,
    round: Uuid,
    r: Result<(), atlas_core::Error>,
) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/guide/rounds/{round}")).into_response(),
        Err(e) => match rejection(&e) {
            Some((keys, stale)) => round_page(state, u, round, keys, status_of(stale)).await,
            None => err(e),
        },
    }
}

/// POST /guide/rounds/{id}/comments (section, quote, body)
pub async fn comment(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = CommentInput {
        section: form.s("section"),
        quote: form.s("quote"),
        body: form.s("body"),
    };
    let r = state
        .app
        .comment_on_round(By::User(u.actor()), id, &input)
        .await
        .map(|_| ());
    after_round_action(&state, &u, id, r).await
}

/// POST /guide/comments/{id}/resolve (round, resolution, reason, version)
pub async fn resolve(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let r = state
        .app
        .resolve_review_comment(
            By::User(u.actor()),
            id,
            &form.s("resolution"),
            &form.s("reason"),
            &form.s("version"),
        )
        .await;
    match r {
        Ok(c) => after_round_action(&state, &u, c.guide_review_round_id, Ok(())).await,
        Err(e) => match Uuid::parse_str(&form.s("round")) {
            Ok(round) if rejection(&e).is_some() => {
                after_round_action(&state, &u, round, Err(e)).await
            }
            _ => err(e),
        },
    }
}

/// POST /guide/rounds/{id}/close
pub async fn close(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    let r = state.app.close_review_round(By::User(u.actor()), id).await;
    after_round_action(&state, &u, id, r).await
}

/// POST /guide/rounds/{id}/meetings (held_on, inst-ID=1, minutes, decisions)
pub async fn meeting(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = MeetingInput {
        held_on: form.s("held_on"),
        institutions: form
            .0
            .iter()
            .filter(|(k, v)| k.starts_with("inst-") && !v.is_empty())
            .map(|(k, _)| k["inst-".len()..].to_owned())
            .collect(),
        minutes: form.s("minutes"),
        decisions: form.s("decisions"),
    };
    let r = state
        .app
        .add_guide_meeting(By::User(u.actor()), id, &input)
        .await
        .map(|_| ());
    after_round_action(&state, &u, id, r).await
}
