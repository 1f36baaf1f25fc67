//! Guide pages, first part: search of the referral pathways by municipality and need,
//! the service directory (list, page, form), the pathway editor (one form with every
//! step; blank rows are ignored) and the printable "who to call" sheet of an area — for
//! signed-in users, and without sign-in where the area's public page is switched on.

use super::{FormState, Shell, err, render, render_status, status_of};
use crate::AppState;
use crate::extract::{Ctx, FormMap, Params, UserCtx};
use crate::i18n::{I18n, Lang};
use askama::Template;
use atlas_core::By;
use atlas_core::directory::Query;
use atlas_core::guide::{ResolvedPathway, ServiceQuery, WhoToCall, may_manage};
use atlas_core::store::guide::{PathwayStepRow, ServiceListRow};
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::auth::{Action, Actor, Scope, scope};
use atlas_domain::directory::{AreaLevel, COUNTRIES, CountryCode};
use atlas_domain::guide::{
    Need, NextStep, PathwayInput, PathwayStatus, ReferralMethod, ServiceInput, StepInput,
};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

/// Blank step rows the pathway form offers after the existing steps.
const EXTRA_ROWS: usize = 3;

fn country_of(p: &Params, actor: &Actor) -> Option<CountryCode> {
    match p.get("country") {
        None => Some(actor.country.clone()),
        Some(c) => CountryCode::parse(c),
    }
}

fn all_countries(actor: &Actor) -> Vec<&'static str> {
    if scope(actor.role, Action::ReadGuide) == Some(Scope::All) {
        COUNTRIES.to_vec()
    } else {
        Vec::new()
    }
}

/// Municipalities and neighbourhoods of a country, as (id, label) with the
/// neighbourhood's municipality in the label.
async fn area_choices(
    state: &AppState,
    actor: &Actor,
    country: &CountryCode,
) -> Result<Vec<(Uuid, String)>, Response> {
    let areas = state
        .app
        .areas(
            actor,
            &Query {
                country: Some(country.clone()),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let name_of = |id: Option<Uuid>| {
        areas
            .iter()
            .find(|a| Some(a.area_id) == id)
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    let mut out: Vec<(Uuid, String)> = areas
        .iter()
        .filter_map(|a| match AreaLevel::parse(&a.level) {
            Some(AreaLevel::Municipality) => Some((a.area_id, a.name.clone())),
            Some(AreaLevel::Neighbourhood) => {
                Some((a.area_id, format!("{} — {}", name_of(a.parent_id), a.name)))
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|a| a.1.to_lowercase());
    Ok(out)
}

/// One pathway of the index list: (area id, area name, need, status, steps).
type PathwayLine = (Uuid, String, String, String, i64);

#[derive(Template)]
#[template(path = "guide/index.html")]
struct IndexPage {
    s: Shell,
    country: String,
    countries: Vec<&'static str>,
    areas: Vec<(Uuid, String)>,
    needs: Vec<&'static str>,
    area: String,
    need: String,
    searched: bool,
    found: Option<ResolvedPathway>,
    pathways: Vec<PathwayLine>,
    municipalities: Vec<(Uuid, String)>,
    manage: bool,
}

/// GET /guide?country=&area=&need=
pub async fn index(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let actor = u.actor();
    let Some(country) = country_of(&p, actor) else {
        return err(RuleError::NotFound);
    };
    let areas = match area_choices(&state, actor, &country).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let area = p.get("area").unwrap_or("").to_owned();
    let need = p.get("need").unwrap_or("").to_owned();
    let searched = !area.is_empty() || !need.is_empty();
    let mut found = None;
    if searched {
        let (Ok(area_id), Some(n)) = (Uuid::parse_str(&area), Need::parse(&need)) else {
            return err(atlas_domain::Error::Invalid(FieldErrors::single(
                if Uuid::parse_str(&area).is_err() {
                    "area"
                } else {
                    "need"
                },
                "field-choice",
            )));
        };
        found = match state.app.resolve_pathway(actor, area_id, n).await {
            Ok(f) => f,
            Err(e) => return err(e),
        };
    }
    let pathways = match state.app.guide_pathways(actor, &country).await {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let municipalities = {
        let mut m: Vec<(Uuid, String)> = Vec::new();
        for (p, name, _) in &pathways {
            if !m.iter().any(|(id, _)| *id == p.area_id) {
                m.push((p.area_id, name.clone()));
            }
        }
        m
    };
    render(&IndexPage {
        s: Shell::new(&u.ctx, "guide-title"),
        countries: all_countries(actor),
        manage: may_manage(actor, country.as_str()),
        country: country.as_str().to_owned(),
        areas,
        needs: Need::ALL.iter().map(|n| n.as_str()).collect(),
        area,
        need,
        searched,
        found,
        pathways: pathways
            .into_iter()
            .map(|(p, name, steps)| (p.area_id, name, p.need, p.status, steps))
            .collect(),
        municipalities,
    })
}

#[derive(Template)]
#[template(path = "guide/services.html")]
struct ServicesPage {
    s: Shell,
    country: String,
    countries: Vec<&'static str>,
    q: String,
    rows: Vec<ServiceListRow>,
    manage: bool,
}

/// GET /guide/services?country=&q=
pub async fn services(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let actor = u.actor();
    let Some(country) = country_of(&p, actor) else {
        return err(RuleError::NotFound);
    };
    let q = p.get("q").unwrap_or("").to_owned();
    let rows = match state
        .app
        .guide_services(
            actor,
            &ServiceQuery {
                country: Some(country.clone()),
                name: Some(q.clone()),
                limit: 500,
                ..Default::default()
            },
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    render(&ServicesPage {
        s: Shell::new(&u.ctx, "guide-services"),
        countries: all_countries(actor),
        manage: may_manage(actor, country.as_str()),
        country: country.as_str().to_owned(),
        q,
        rows,
    })
}

#[derive(Template)]
#[template(path = "guide/service.html")]
struct ServicePage {
    s: Shell,
    r: ServiceListRow,
    manage: bool,
}

/// GET /guide/services/{id}
pub async fn service(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    match state.app.guide_service(u.actor(), id).await {
        Ok(r) => render(&ServicePage {
            s: Shell::new(&u.ctx, "guide-service").titled(&r.service.name),
            manage: may_manage(u.actor(), &r.service.country_code),
            r,
        }),
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "guide/service_form.html")]
struct ServiceForm {
    s: Shell,
    f: FormState,
    id: Option<Uuid>,
    country: String,
    stale: bool,
    institutions: Vec<(Uuid, String)>,
    areas: Vec<(Uuid, String)>,
    methods: Vec<&'static str>,
    next_steps: Vec<&'static str>,
}

const SERVICE_FIELDS: [&str; 15] = [
    "institution_id",
    "organization",
    "name",
    "description",
    "area_id",
    "address",
    "hours",
    "phone",
    "email",
    "intake_criteria",
    "cost",
    "languages",
    "referral_method",
    "next_step",
    "version",
];

fn service_input(f: &FormMap, country: &str) -> ServiceInput {
    ServiceInput {
        country: country.to_owned(),
        institution_id: f.s("institution_id"),
        organization: f.s("organization"),
        name: f.s("name"),
        description: f.s("description"),
        area_id: f.s("area_id"),
        address: f.s("address"),
        hours: f.s("hours"),
        phone: f.s("phone"),
        email: f.s("email"),
        intake_criteria: f.s("intake_criteria"),
        cost: f.s("cost"),
        languages: f.s("languages"),
        referral_method: f.s("referral_method"),
        next_step: f.s("next_step"),
        version: f.s("version"),
    }
}

fn form_of(f: &FormMap) -> FormState {
    FormState {
        values: SERVICE_FIELDS
            .iter()
            .map(|k| ((*k).to_owned(), f.s(k)))
            .collect(),
        errors: FieldErrors::new(),
    }
}

async fn service_form(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    id: Option<Uuid>,
    country: &CountryCode,
    stale: bool,
) -> Result<ServiceForm, Response> {
    let institutions = state
        .app
        .institutions(
            u.actor(),
            &Query {
                country: Some(country.clone()),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .map_err(err)?
        .into_iter()
        .map(|i| (i.institution_id, format!("{} — {}", i.acronym, i.name)))
        .collect();
    let mut areas: Vec<(Uuid, String)> = state
        .app
        .areas(
            u.actor(),
            &Query {
                country: Some(country.clone()),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .map_err(err)?
        .into_iter()
        .map(|a| (a.area_id, a.name))
        .collect();
    areas.sort_by_key(|a| a.1.to_lowercase());
    Ok(ServiceForm {
        s: Shell::new(
            &u.ctx,
            if id.is_some() {
                "guide-service-edit"
            } else {
                "guide-service-new"
            },
        ),
        f,
        id,
        country: country.as_str().to_owned(),
        stale,
        institutions,
        areas,
        methods: ReferralMethod::ALL.iter().map(|m| m.as_str()).collect(),
        next_steps: NextStep::ALL.iter().map(|m| m.as_str()).collect(),
    })
}

/// GET /guide/services/new?country=
pub async fn new_service(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    if !may_manage(u.actor(), country.as_str()) {
        return err(RuleError::Forbidden);
    }
    let f = FormState::with([
        ("referral_method", "phone".to_owned()),
        ("next_step", "client_approaches".to_owned()),
    ]);
    match service_form(&state, &u, f, None, &country, false).await {
        Ok(page) => render(&page),
        Err(r) => r,
    }
}

async fn rejected_service(
    state: &AppState,
    u: &UserCtx,
    form: &FormMap,
    id: Option<Uuid>,
    country: &CountryCode,
    e: atlas_core::Error,
) -> Response {
    let (errors, stale) = match e.rule() {
        Some(RuleError::Invalid(fe)) => (fe.clone(), false),
        Some(RuleError::Stale) => (FieldErrors::new(), true),
        _ => return err(e),
    };
    let mut f = form_of(form);
    f.errors = errors;
    if stale && let Some(id) = id {
        // Offer the current version so a second save is a deliberate overwrite.
        if let Ok(cur) = state.app.guide_service(u.actor(), id).await {
            f.values
                .insert("version".into(), cur.service.version.to_string());
        }
    }
    match service_form(state, u, f, id, country, stale).await {
        Ok(page) => render_status(status_of(stale), &page),
        Err(r) => r,
    }
}

/// POST /guide/services
pub async fn create_service(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let Some(country) = CountryCode::parse(&form.s("country")) else {
        return err(RuleError::Invalid(FieldErrors::single(
            "country",
            "field-country-invalid",
        )));
    };
    let input = service_input(&form, country.as_str());
    match state
        .app
        .create_guide_service(By::User(u.actor()), &input)
        .await
    {
        Ok(s) => Redirect::to(&format!("/guide/services/{}", s.guide_service_id)).into_response(),
        Err(e) => rejected_service(&state, &u, &form, None, &country, e).await,
    }
}

/// GET /guide/services/{id}/edit
pub async fn edit_service(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let r = match state.app.guide_service(u.actor(), id).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    if !may_manage(u.actor(), &r.service.country_code) {
        return err(RuleError::NotFound);
    }
    let Some(country) = CountryCode::parse(&r.service.country_code) else {
        return err(RuleError::NotFound);
    };
    let s = &r.service;
    let f = FormState::with([
        (
            "institution_id",
            s.institution_id.map(|i| i.to_string()).unwrap_or_default(),
        ),
        ("organization", s.organization.clone().unwrap_or_default()),
        ("name", s.name.clone()),
        ("description", s.description.clone()),
        (
            "area_id",
            s.area_id.map(|i| i.to_string()).unwrap_or_default(),
        ),
        ("address", s.address.clone()),
        ("hours", s.hours.clone()),
        ("phone", s.phone.clone().unwrap_or_default()),
        ("email", s.email.clone().unwrap_or_default()),
        ("intake_criteria", s.intake_criteria.clone()),
        ("cost", s.cost.clone()),
        ("languages", s.languages.replace(',', ", ")),
        ("referral_method", s.referral_method.clone()),
        ("next_step", s.next_step.clone()),
        ("version", s.version.to_string()),
    ]);
    match service_form(&state, &u, f, Some(id), &country, false).await {
        Ok(page) => render(&page),
        Err(r) => r,
    }
}

/// POST /guide/services/{id}
pub async fn update_service(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let cur = match state.app.guide_service(u.actor(), id).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let Some(country) = CountryCode::parse(&cur.service.country_code) else {
        return err(RuleError::NotFound);
    };
    let input = service_input(&form, country.as_str());
    match state
        .app
        .update_guide_service(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/guide/services/{id}")).into_response(),
        Err(e) => rejected_service(&state, &u, &form, Some(id), &country, e).await,
    }
}

/// One row of the pathway form: values and the error key of each cell.
#[derive(Debug, Clone, Default)]
pub struct StepRowView {
    pub n: usize,
    pub order: String,
    pub service_id: String,
    pub max_response_hours: String,
    pub bring: String,
    pub consent: bool,
    pub e_order: Option<&'static str>,
    pub e_service: Option<&'static str>,
    pub e_hours: Option<&'static str>,
    pub e_bring: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "guide/pathway_form.html")]
struct PathwayForm {
    s: Shell,
    area_id: Uuid,
    area_name: String,
    need: &'static str,
    status: String,
    version: String,
    rows: Vec<StepRowView>,
    services: Vec<(Uuid, String)>,
    statuses: Vec<&'static str>,
    top_errors: Vec<&'static str>,
    stale: bool,
    has_errors: bool,
}

fn step_inputs(f: &FormMap) -> Vec<StepInput> {
    let mut v = Vec::new();
    for n in 1..=atlas_domain::guide::MAX_STEPS + EXTRA_ROWS {
        let g = |k: &str| f.s(&format!("{k}_{n}"));
        if !f.0.contains_key(&format!("service_{n}")) && !f.0.contains_key(&format!("order_{n}")) {
            break;
        }
        v.push(StepInput {
            order: g("order"),
            service_id: g("service"),
            max_response_hours: g("hours"),
            bring: g("bring"),
            consent_required: g("consent"),
        });
    }
    v
}

fn rows_of(steps: &[StepInput], errors: &FieldErrors) -> Vec<StepRowView> {
    let mut rows: Vec<StepRowView> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let e = |k: &str| errors.get(&format!("steps[{}].{k}", i + 1));
            StepRowView {
                n: i + 1,
                order: s.order.clone(),
                service_id: s.service_id.clone(),
                max_response_hours: s.max_response_hours.clone(),
                bring: s.bring.clone(),
                consent: atlas_domain::guide::truthy(&s.consent_required),
                e_order: e("order"),
                e_service: e("service_id"),
                e_hours: e("max_response_hours"),
                e_bring: e("bring"),
            }
        })
        .collect();
    let filled = rows.iter().filter(|r| !r.order.is_empty()).count();
    for k in 0..EXTRA_ROWS {
        let n = rows.len() + 1;
        if rows.len() >= atlas_domain::guide::MAX_STEPS + EXTRA_ROWS {
            break;
        }
        rows.push(StepRowView {
            n,
            order: if k == 0 && filled == rows.len() {
                (filled + 1).to_string()
            } else {
                String::new()
            },
            ..Default::default()
        });
    }
    rows
}

fn steps_to_inputs(steps: &[PathwayStepRow]) -> Vec<StepInput> {
    steps
        .iter()
        .map(|s| StepInput {
            order: s.order.to_string(),
            service_id: s.service_id.to_string(),
            max_response_hours: s.max_response_hours.to_string(),
            bring: s.bring.clone(),
            consent_required: if s.consent_required {
                "1".into()
            } else {
                String::new()
            },
        })
        .collect()
}

async fn pathway_form(
    state: &AppState,
    u: &UserCtx,
    area_id: Uuid,
    need: Need,
    submitted: Option<(&PathwayInput, FieldErrors, bool)>,
) -> Response {
    let ed = match state.app.pathway_editor(u.actor(), area_id, need).await {
        Ok(e) => e,
        Err(e) => return err(e),
    };
    let services = ed
        .services
        .iter()
        .map(|s| {
            let org = s
                .institution_acronym
                .clone()
                .unwrap_or_else(|| s.organization_name());
            (
                s.service.guide_service_id,
                format!("{org} — {}", s.service.name),
            )
        })
        .collect();
    let cur_version = ed
        .pathway
        .as_ref()
        .map(|p| p.version.to_string())
        .unwrap_or_default();
    let (status, version, rows, top, stale, has_errors) = match submitted {
        Some((input, errors, stale)) => {
            let top = errors
                .0
                .iter()
                .filter(|e| !e.field.starts_with("steps["))
                .map(|e| e.key)
                .collect();
            let has = !errors.is_empty() || stale;
            (
                input.status.clone(),
                if stale {
                    cur_version
                } else {
                    input.version.clone()
                },
                rows_of(&input.steps, &errors),
                top,
                stale,
                has,
            )
        }
        None => (
            ed.pathway
                .as_ref()
                .map(|p| p.status.clone())
                .unwrap_or_else(|| PathwayStatus::Draft.as_str().to_owned()),
            cur_version,
            rows_of(&steps_to_inputs(&ed.steps), &FieldErrors::new()),
            Vec::new(),
            false,
            false,
        ),
    };
    let page = PathwayForm {
        s: Shell::new(&u.ctx, "guide-pathway-edit"),
        area_id,
        area_name: ed.area.name.clone(),
        need: need.as_str(),
        status,
        version,
        rows,
        services,
        statuses: PathwayStatus::ALL.iter().map(|s| s.as_str()).collect(),
        top_errors: top,
        stale,
        has_errors,
    };
    if has_errors {
        render_status(status_of(stale), &page)
    } else {
        render(&page)
    }
}

/// GET /guide/areas/{id}/pathways/{need}
pub async fn edit_pathway(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, need)): Path<(Uuid, String)>,
) -> Response {
    let Some(need) = Need::parse(&need) else {
        return err(RuleError::NotFound);
    };
    pathway_form(&state, &u, id, need, None).await
}

/// POST /guide/areas/{id}/pathways/{need}
pub async fn save_pathway(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, need)): Path<(Uuid, String)>,
    form: FormMap,
) -> Response {
    let Some(need) = Need::parse(&need) else {
        return err(RuleError::NotFound);
    };
    let input = PathwayInput {
        status: form.s("status"),
        steps: step_inputs(&form),
        version: form.s("version"),
    };
    match state
        .app
        .save_pathway(By::User(u.actor()), id, need, &input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/guide?area={id}&need={}", need.as_str())).into_response(),
        Err(e) => match e.rule() {
            Some(RuleError::Invalid(fe)) => {
                pathway_form(&state, &u, id, need, Some((&input, fe.clone(), false))).await
            }
            Some(RuleError::Stale) => {
                pathway_form(
                    &state,
                    &u,
                    id,
                    need,
                    Some((&input, FieldErrors::new(), true)),
                )
                .await
            }
            _ => err(e),
        },
    }
}

/// POST /guide/areas/{id}/public (public=1 or 0)
pub async fn set_public(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let public = match form.s("public").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            return err(RuleError::Invalid(FieldErrors::single(
                "public",
                "field-choice",
            )));
        }
    };
    match state
        .app
        .set_guide_public(By::User(u.actor()), id, public)
        .await
    {
        Ok(()) => Redirect::to(&format!("/guide/who/{id}")).into_response(),
        Err(e) => err(e),
    }
}

/// One need of the sheet: (need label, source area when inherited, steps).
type SheetNeed = (String, Option<String>, Vec<PathwayStepRow>);

#[derive(Template)]
#[template(path = "guide/who.html")]
struct WhoPage {
    i: I18n,
    lang: &'static str,
    title: String,
    area_id: Uuid,
    needs: Vec<SheetNeed>,
    others: Vec<(&'static str, &'static str, String)>,
    date: String,
    /// Signed-in managers see the public switch.
    manage: Option<bool>,
    csrf: String,
    signed_in: bool,
}

/// GET /guide/who/{id}?lang= — the printable "who to call" sheet of an area. Signed-in
/// users see any area; without sign-in only areas whose public page is on (else 404).
pub async fn who(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
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
    let found = match viewer {
        Some(a) => state.app.who_to_call(a, id).await,
        None => state.app.public_who_to_call(id).await,
    };
    let sheet: WhoToCall = match found {
        Ok(s) => s,
        Err(e) => return err(e),
    };
    let i = I18n::new(lang);
    let manage = viewer
        .filter(|a| may_manage(a, &sheet.area.country_code))
        .map(|_| sheet.public);
    let needs = sheet
        .needs
        .into_iter()
        .map(|(n, r)| {
            let label = i.code("guide-need", n.as_str());
            match r {
                Some(r) => (label, r.inherited.then_some(r.from_area), r.steps),
                None => (label, None, Vec::new()),
            }
        })
        .collect();
    let others = Lang::ALL
        .iter()
        .filter(|l| **l != lang)
        .map(|l| {
            (
                l.code(),
                l.native_name(),
                format!("/guide/who/{id}?lang={}", l.code()),
            )
        })
        .collect();
    render(&WhoPage {
        title: i.t1("guide-who-title", "area", &sheet.area.name),
        lang: lang.code(),
        i,
        area_id: id,
        needs,
        others,
        date: state.app.now().date().to_string(),
        manage,
        csrf: ctx.csrf.clone(),
        signed_in: viewer.is_some(),
    })
}

/// GET /guide/pathway?area=&need= — the "edit a pathway" chooser sends here.
pub async fn choose_pathway(p: Params) -> Response {
    match (
        p.get("area").and_then(|a| Uuid::parse_str(a).ok()),
        p.get("need").and_then(Need::parse),
    ) {
        (Some(a), Some(n)) => {
            Redirect::to(&format!("/guide/areas/{a}/pathways/{}", n.as_str())).into_response()
        }
        _ => err(RuleError::Invalid(FieldErrors::single(
            "area",
            "field-choice",
        ))),
    }
}

fn download(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    use axum::http::{HeaderValue, header};
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// GET /guide/hsds.json?country= — the directory as HSDS 3 JSON (signed-in users).
pub async fn hsds_json(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    match state.app.hsds_export(u.actor(), &country).await {
        Ok(x) => match serde_json::to_vec_pretty(&x) {
            Ok(b) => download(
                b,
                "application/json",
                &format!("hsds-{}.json", country.as_str().to_lowercase()),
            ),
            Err(e) => err(anyhow::anyhow!("hsds json: {e}")),
        },
        Err(e) => err(e),
    }
}

/// GET /guide/hsds/{table}.csv?country= — one HSDS 3 table as CSV: `organizations`,
/// `services`, `locations` (with the address flattened), `phones` or
/// `service_at_locations`. Cells that a spreadsheet would read as a formula (such as a
/// phone number starting with `+`) are prefixed with `'`.
pub async fn hsds_csv(
    State(state): State<AppState>,
    u: UserCtx,
    Path(file): Path<String>,
    p: Params,
) -> Response {
    let Some(country) = country_of(&p, u.actor()) else {
        return err(RuleError::NotFound);
    };
    let Some(table) = file.strip_suffix(".csv") else {
        return err(RuleError::NotFound);
    };
    let x = match state.app.hsds_export(u.actor(), &country).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let (header, rows): (&[&str], Vec<Vec<String>>) = match table {
        "organizations" => (
            &["id", "name", "description", "email"],
            x.organizations
                .iter()
                .map(|o| {
                    vec![
                        o.id.to_string(),
                        o.name.clone(),
                        o.description.clone(),
                        opt(&o.email),
                    ]
                })
                .collect(),
        ),
        "services" => (
            &[
                "id",
                "organization_id",
                "name",
                "description",
                "email",
                "status",
                "eligibility_description",
                "fees_description",
                "application_process",
                "languages",
                "schedule",
            ],
            x.services
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.organization_id.to_string(),
                        s.name.clone(),
                        s.description.clone(),
                        opt(&s.email),
                        s.status.clone(),
                        s.eligibility_description.clone(),
                        s.fees_description.clone(),
                        s.application_process.clone(),
                        s.languages
                            .iter()
                            .map(|l| l.code.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        s.schedules
                            .first()
                            .map(|h| h.description.clone())
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        "locations" => (
            &[
                "id",
                "location_type",
                "organization_id",
                "name",
                "address_1",
                "city",
                "country",
            ],
            x.locations
                .iter()
                .map(|l| {
                    let a = l.addresses.first();
                    vec![
                        l.id.to_string(),
                        l.location_type.clone(),
                        l.organization_id.to_string(),
                        l.name.clone(),
                        a.map(|a| a.address_1.clone()).unwrap_or_default(),
                        a.map(|a| a.city.clone()).unwrap_or_default(),
                        a.map(|a| a.country.clone()).unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        "phones" => (
            &["id", "service_id", "number", "type"],
            x.phones
                .iter()
                .map(|p| {
                    vec![
                        p.id.to_string(),
                        p.service_id.to_string(),
                        p.number.clone(),
                        p.kind.clone(),
                    ]
                })
                .collect(),
        ),
        "service_at_locations" => (
            &["id", "service_id", "location_id"],
            x.service_at_locations
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.service_id.to_string(),
                        s.location_id.to_string(),
                    ]
                })
                .collect(),
        ),
        _ => return err(RuleError::NotFound),
    };
    match atlas_render::csv_safe::write(header, rows) {
        Ok(b) => download(
            b,
            "text/csv; charset=utf-8",
            &format!("hsds-{}-{table}.csv", country.as_str().to_lowercase()),
        ),
        Err(e) => err(anyhow::anyhow!("hsds csv: {e}")),
    }
}
