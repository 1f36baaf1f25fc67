//! Case pages: the screening form that proposes a classification and leads to the new
//! case (search before create), the case page (persons — identifying data only where
//! core reveals it, each such view audited by core —, consent, referrals with their
//! answer buttons, pathway suggestions, legal track), the lists "my cases", "referred to
//! my institution" and "awaiting my action", the supervisor's overdue referrals and the
//! aggregate statistics (cells below k shown as "fewer than k").
//!
//! Handlers only extract, call core and render: every decision on who may see or do
//! what is taken by core through `domain::auth`; out-of-scope cases answer 404 there.

use super::{FormState, Shell, err, render, render_status, status_of};
use crate::AppState;
use crate::extract::{FormMap, Params, UserCtx};
use askama::Template;
use atlas_core::cases::{CaseDetail, CaseQuery, CaseView, ReferralView};
use atlas_core::cases_referral::{ReferralInput, Suggestion};
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::auth::{Action, Actor, can};
use atlas_domain::cases::{
    AgeBand, CaseInput, Classification, ExploitationType, FlIndicator, HtAct, HtMeans, HtPurpose,
    IsicSection, LegalStepInput, LegalStepKind, MeansOfControl, Need, PersonInput, ReferralEvent,
    ReferralState, ScreeningInput, SentenceOutcome, Sex, Side,
};
use atlas_domain::directory::{COUNTRIES, CountryCode};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;
use uuid::Uuid;

/// A group of checkboxes named `<name>-<code>`, gathered into a comma list.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: &'static str,
    pub legend: String,
    /// (code, label, checked)
    pub options: Vec<(String, String, bool)>,
    pub error: Option<String>,
}

/// A select: (value, label, selected).
pub type Opts = Vec<(String, String, bool)>;

fn shown_time(t: OffsetDateTime) -> String {
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|x| code(*x)).collect()
}

fn labels(s: &Shell, prefix: &str, list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| s.code(prefix, c))
        .collect()
}

fn group(
    s: &Shell,
    f: &FormState,
    name: &'static str,
    legend: &str,
    prefix: &str,
    all: &[&str],
) -> Group {
    Group {
        name,
        legend: s.t(legend),
        options: all
            .iter()
            .map(|c| ((*c).to_owned(), s.code(prefix, c), f.has(name, c)))
            .collect(),
        error: f.e(name).map(|k| s.t(k)),
    }
}

fn opts(f: &FormState, name: &str, all: Vec<(String, String)>) -> Opts {
    all.into_iter()
        .map(|(v, l)| {
            let sel = f.sel(name, &v);
            (v, l, sel)
        })
        .collect()
}

/// The comma list of the checked boxes `<name>-<code>`.
fn checked(form: &FormMap, name: &str) -> String {
    let prefix = format!("{name}-");
    let mut v: Vec<&str> = form
        .0
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix))
        .collect();
    v.sort_unstable();
    v.join(",")
}

const TEXT_FIELDS: [&str; 17] = [
    "age",
    "weekly_hours",
    "hazardous",
    "night_work",
    "override_note",
    "identified_on",
    "area_id",
    "sector",
    "age_band",
    "sex",
    "nationality",
    "languages",
    "name",
    "document_number",
    "contact",
    "address",
    "best_interest_note",
];

const GROUP_FIELDS: [&str; 11] = [
    "indicators",
    "acts",
    "means",
    "purposes",
    "classification",
    "exploitation_types",
    "means_of_control",
    "perpetrators",
    "needs",
    "consent_share",
    "consent",
];

fn new_case_state(form: &FormMap) -> FormState {
    let mut f = FormState::default();
    for k in TEXT_FIELDS {
        f.values.insert(k.to_owned(), form.s(k));
    }
    for k in GROUP_FIELDS {
        f.values.insert(k.to_owned(), checked(form, k));
    }
    f.values.insert("dup_checked".into(), form.s("dup_checked"));
    f
}

fn case_input(f: &FormState) -> CaseInput {
    let consent = |c: &str| if f.has("consent", c) { "on" } else { "" }.to_owned();
    CaseInput {
        screening: ScreeningInput {
            indicators: f.v("indicators").into(),
            age: f.v("age").into(),
            hazardous: f.v("hazardous").into(),
            night_work: f.v("night_work").into(),
            weekly_hours: f.v("weekly_hours").into(),
            acts: f.v("acts").into(),
            means: f.v("means").into(),
            purposes: f.v("purposes").into(),
        },
        classification: f.v("classification").into(),
        override_note: f.v("override_note").into(),
        identified_on: f.v("identified_on").into(),
        area_id: f.v("area_id").into(),
        sector: f.v("sector").into(),
        exploitation_types: f.v("exploitation_types").into(),
        means_of_control: f.v("means_of_control").into(),
        victim: PersonInput {
            age_band: f.v("age_band").into(),
            sex: f.v("sex").into(),
            nationality: f.v("nationality").into(),
            languages: f.v("languages").into(),
            needs: f.v("needs").into(),
            name: f.v("name").into(),
            document_number: f.v("document_number").into(),
            contact: f.v("contact").into(),
            address: f.v("address").into(),
            consent_services: consent("services"),
            consent_statistics: consent("statistics"),
            consent_share: f.v("consent_share").into(),
            best_interest_note: f.v("best_interest_note").into(),
        },
        perpetrators: f.v("perpetrators").into(),
    }
}

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewCasePage {
    s: Shell,
    f: FormState,
    screening: Vec<Group>,
    /// Set once the answers were screened: (classes, reasons).
    proposal: Option<(Vec<String>, Vec<String>)>,
    classes: Group,
    details: Vec<Group>,
    victim_groups: Vec<Group>,
    areas: Opts,
    sectors: Opts,
    age_bands: Opts,
    sexes: Opts,
    /// Possible duplicates found by the search before create: (id, code).
    duplicates: Option<Vec<(Uuid, String)>>,
    other: Vec<String>,
}

const SHOWN: [&str; 28] = [
    "indicators",
    "acts",
    "means",
    "purposes",
    "classification",
    "exploitation_types",
    "means_of_control",
    "perpetrators",
    "needs",
    "consent_share",
    "age",
    "weekly_hours",
    "override_note",
    "identified_on",
    "area_id",
    "sector",
    "age_band",
    "sex",
    "nationality",
    "languages",
    "name",
    "document_number",
    "contact",
    "address",
    "best_interest_note",
    "hazardous",
    "night_work",
    "consent",
];

async fn new_case_page(
    state: &AppState,
    u: &UserCtx,
    f: FormState,
    screened: bool,
    duplicates: Option<Vec<(Uuid, String)>>,
) -> Result<NewCasePage, Response> {
    let actor = u.actor();
    let s = Shell::new(&u.ctx, "casepage-new");
    let proposal = if screened {
        state
            .app
            .screen(actor, &case_input(&f).screening)
            .ok()
            .map(|p| {
                (
                    p.classes
                        .iter()
                        .map(|c| s.code("casepage-class", c.as_str()))
                        .collect(),
                    p.reasons.iter().map(|r| s.t(r)).collect(),
                )
            })
    } else {
        None
    };
    let mut areas: Vec<(String, String)> = state
        .app
        .case_areas(actor)
        .await
        .map_err(err)?
        .into_iter()
        .map(|(id, n)| (id.to_string(), n))
        .collect();
    areas.sort_by_key(|a| a.1.to_lowercase());
    areas.insert(0, (String::new(), s.t("casepage-choose")));
    let targets: Vec<(String, String)> = state
        .app
        .referral_targets(actor)
        .await
        .map_err(err)?
        .into_iter()
        .map(|(id, acr, _)| (id.to_string(), acr))
        .collect();
    let share = Group {
        name: "consent_share",
        legend: s.t("casepage-consent-share"),
        options: targets
            .iter()
            .map(|(id, acr)| (id.clone(), acr.clone(), f.has("consent_share", id)))
            .collect(),
        error: f.e("consent_share").map(|k| s.t(k)),
    };
    let consent = Group {
        name: "consent",
        legend: s.t("casepage-consent"),
        options: ["services", "statistics"]
            .iter()
            .map(|c| {
                (
                    (*c).to_owned(),
                    s.code("casepage-consent", c),
                    f.has("consent", c),
                )
            })
            .collect(),
        error: None,
    };
    let page = NewCasePage {
        screening: vec![
            group(
                &s,
                &f,
                "indicators",
                "casepage-indicators",
                "casepage-ind",
                &codes(FlIndicator::ALL, FlIndicator::as_str),
            ),
            group(
                &s,
                &f,
                "acts",
                "casepage-acts",
                "casepage-act",
                &codes(HtAct::ALL, HtAct::as_str),
            ),
            group(
                &s,
                &f,
                "means",
                "casepage-means",
                "casepage-mean",
                &codes(HtMeans::ALL, HtMeans::as_str),
            ),
            group(
                &s,
                &f,
                "purposes",
                "casepage-purposes",
                "casepage-purpose",
                &codes(HtPurpose::ALL, HtPurpose::as_str),
            ),
        ],
        classes: group(
            &s,
            &f,
            "classification",
            "casepage-classification",
            "casepage-class",
            &codes(Classification::ALL, Classification::as_str),
        ),
        details: vec![
            group(
                &s,
                &f,
                "exploitation_types",
                "casepage-types",
                "casepage-type",
                &codes(ExploitationType::ALL, ExploitationType::as_str),
            ),
            group(
                &s,
                &f,
                "means_of_control",
                "casepage-control",
                "casepage-moc",
                &codes(MeansOfControl::ALL, MeansOfControl::as_str),
            ),
            group(
                &s,
                &f,
                "perpetrators",
                "casepage-perpetrators",
                "casepage-role",
                &["employer", "perpetrator"],
            ),
        ],
        victim_groups: vec![
            group(
                &s,
                &f,
                "needs",
                "casepage-needs",
                "guide-need",
                &codes(Need::ALL, Need::as_str),
            ),
            consent,
            share,
        ],
        areas: opts(&f, "area_id", areas),
        sectors: opts(
            &f,
            "sector",
            std::iter::once((String::new(), s.t("casepage-choose")))
                .chain(IsicSection::ALL.iter().map(|x| {
                    (
                        x.as_str().to_owned(),
                        format!("{} — {}", x.as_str(), s.code("casepage-isic", x.as_str())),
                    )
                }))
                .collect(),
        ),
        age_bands: opts(
            &f,
            "age_band",
            std::iter::once((String::new(), s.t("casepage-choose")))
                .chain(
                    AgeBand::ALL
                        .iter()
                        .map(|x| (x.as_str().to_owned(), age_label(&s, x.as_str()))),
                )
                .collect(),
        ),
        sexes: opts(
            &f,
            "sex",
            std::iter::once((String::new(), s.t("casepage-choose")))
                .chain(
                    Sex::ALL
                        .iter()
                        .map(|x| (x.as_str().to_owned(), s.code("sex", x.as_str()))),
                )
                .collect(),
        ),
        other: f.other_errors(&SHOWN).into_iter().map(|k| s.t(k)).collect(),
        proposal,
        duplicates,
        f,
        s,
    };
    Ok(page)
}

fn age_label(s: &Shell, band: &str) -> String {
    if band == "unknown" {
        s.t("age-band-unknown")
    } else {
        band.to_owned()
    }
}

/// GET /cases/new
pub async fn new_case(State(state): State<AppState>, u: UserCtx) -> Response {
    if !can(u.actor(), Action::CreateCase) {
        return err(RuleError::Forbidden);
    }
    let f = FormState::with([("identified_on", state.app.now().date().to_string())]);
    match new_case_page(&state, &u, f, false, None).await {
        Ok(p) => render(&p),
        Err(r) => r,
    }
}

async fn rejected_case(
    state: &AppState,
    u: &UserCtx,
    mut f: FormState,
    e: atlas_core::Error,
    screened: bool,
) -> Response {
    let Some(RuleError::Invalid(fe)) = e.rule() else {
        return err(e);
    };
    f.errors = fe.clone();
    match new_case_page(state, u, f, screened, None).await {
        Ok(p) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &p),
        Err(r) => r,
    }
}

/// POST /cases/new: `step=screen` proposes a classification, `step=search` looks for
/// possible duplicates, `step=create` opens the case (after a search, when the victim's
/// name or document number matches a case in reach, the officer confirms once more).
pub async fn create_case(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let actor = u.actor().clone();
    let mut f = new_case_state(&form);
    let input = case_input(&f);
    match form.s("step").as_str() {
        "create" => {
            if let Err(e) = state.app.check_case(&actor, &input) {
                return rejected_case(&state, &u, f, e, true).await;
            }
            if f.v("dup_checked") != "1" {
                let found = match state
                    .app
                    .search_before_create(&actor, f.v("name"), f.v("document_number"))
                    .await
                {
                    Ok(d) => d,
                    Err(e) => return err(e),
                };
                if !found.is_empty() {
                    f.values.insert("dup_checked".into(), "1".into());
                    return match new_case_page(&state, &u, f, true, Some(found)).await {
                        Ok(p) => render(&p),
                        Err(r) => r,
                    };
                }
            }
            match state.app.create_case(&actor, &input).await {
                Ok(c) => Redirect::to(&format!("/cases/{}", c.case_id)).into_response(),
                Err(e) => rejected_case(&state, &u, f, e, true).await,
            }
        }
        "search" => {
            let found = match state
                .app
                .search_before_create(&actor, f.v("name"), f.v("document_number"))
                .await
            {
                Ok(d) => d,
                Err(e) => return err(e),
            };
            f.values.insert("dup_checked".into(), "1".into());
            match new_case_page(&state, &u, f, true, Some(found)).await {
                Ok(p) => render(&p),
                Err(r) => r,
            }
        }
        _ => match state.app.screen(&actor, &input.screening) {
            Ok(p) => {
                // The first page holds only the screening: the case part starts today.
                if f.v("identified_on").is_empty() {
                    f.values
                        .insert("identified_on".into(), state.app.now().date().to_string());
                }
                f.values.insert(
                    "classification".into(),
                    p.classes
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                );
                match new_case_page(&state, &u, f, true, None).await {
                    Ok(p) => render(&p),
                    Err(r) => r,
                }
            }
            Err(e) => rejected_case(&state, &u, f, e, false).await,
        },
    }
}

/// A person as the case page shows them.
pub struct PersonLine {
    pub role: String,
    pub age_band: String,
    pub sex: String,
    pub nationality: String,
    pub languages: String,
    pub needs: Vec<String>,
    /// (name, document, contact, address) when core revealed them.
    pub identity: Option<(String, String, String, String)>,
    pub consent: Vec<String>,
    pub best_interest_note: Option<String>,
}

/// A referral as the case page shows it.
pub struct RefLine {
    pub id: Uuid,
    pub need: String,
    pub from: String,
    pub to: String,
    pub state: String,
    pub state_label: String,
    pub due: String,
    pub overdue: bool,
    pub service: Option<String>,
    pub basis: String,
    pub note: Option<String>,
    pub decline_reason: Option<String>,
    pub version: i64,
    /// (event, label) the user may take now.
    pub actions: Vec<(String, String)>,
    pub error: Option<String>,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    s: Shell,
    d: CaseDetail,
    classes: Vec<String>,
    proposed: Vec<String>,
    reasons: Vec<String>,
    types: Vec<String>,
    control: Vec<String>,
    perpetrators: Vec<String>,
    sector: String,
    status: String,
    persons: Vec<PersonLine>,
    referrals: Vec<RefLine>,
    legal: Vec<(String, String, String, String)>,
    /// The referral form when the user may refer.
    refer: Option<ReferForm>,
    /// The legal step form when the user may record one.
    legal_form: Option<(FormState, Opts, Opts)>,
}

/// The referral form with the pathway's suggestions for the chosen need.
pub struct ReferForm {
    pub f: FormState,
    pub targets: Opts,
    pub needs: Opts,
    pub steps: Opts,
    pub suggestions: Vec<Suggestion>,
    pub need_label: String,
    pub may_override: bool,
}

/// What the case page re-renders with after a rejected form.
#[derive(Default)]
struct Rejected {
    refer: Option<FormState>,
    legal: Option<FormState>,
    /// (referral id, error key, reason typed)
    answer: Option<(Uuid, &'static str, String)>,
}

fn actions_for(actor: &Actor, r: &ReferralView) -> Vec<(String, String)> {
    let side =
        if actor.institution_id == r.r.to_institution_id && can(actor, Action::AnswerReferral) {
            Side::Receiver
        } else if actor.institution_id == r.r.from_institution_id && can(actor, Action::ReferCase) {
            Side::Sender
        } else {
            return Vec::new();
        };
    let Some(st) = ReferralState::parse(&r.r.state) else {
        return Vec::new();
    };
    ReferralEvent::ALL
        .iter()
        .filter(|e| st.next(**e, side).is_ok())
        .map(|e| (e.as_str().to_owned(), e.as_str().to_owned()))
        .collect()
}

async fn case_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    need: Option<Need>,
    rej: Rejected,
) -> Result<CasePage, Response> {
    let actor = u.actor();
    let d = state.app.case_detail(actor, id).await.map_err(err)?;
    let s = Shell::new(&u.ctx, "casepage-case").titled(&d.case.code);
    let now = state.app.now();
    let persons = d
        .persons
        .iter()
        .map(|p| {
            let mut consent = Vec::new();
            if p.consent_services {
                consent.push(s.code("casepage-consent", "services"));
            }
            if p.consent_statistics {
                consent.push(s.code("casepage-consent", "statistics"));
            }
            for i in &p.consent_share {
                let acr = d
                    .referrals
                    .iter()
                    .find(|r| r.r.to_institution_id == *i)
                    .map(|r| r.to_acronym.clone());
                consent.push(s.t1(
                    "casepage-consent-shared",
                    "who",
                    acr.unwrap_or_else(|| s.t("casepage-consent-other")),
                ));
            }
            PersonLine {
                role: s.code("casepage-role", &p.role),
                age_band: age_label(&s, &p.age_band),
                sex: s.code("sex", &p.sex),
                nationality: p.nationality.clone(),
                languages: p.languages.clone(),
                needs: p.needs.iter().map(|n| s.code("guide-need", n)).collect(),
                identity: p.identity.as_ref().map(|i| {
                    (
                        i.name.clone(),
                        i.document_number.clone().unwrap_or_default(),
                        i.contact.clone().unwrap_or_default(),
                        i.address.clone().unwrap_or_default(),
                    )
                }),
                consent,
                best_interest_note: p.best_interest_note.clone(),
            }
        })
        .collect();
    let referrals = d
        .referrals
        .iter()
        .map(|r| {
            let st = ReferralState::parse(&r.r.state);
            let (error, reason) = match &rej.answer {
                Some((rid, k, reason)) if *rid == r.r.case_referral_id => {
                    (Some(s.t(k)), reason.clone())
                }
                _ => (None, String::new()),
            };
            RefLine {
                id: r.r.case_referral_id,
                need: s.code("guide-need", &r.r.need),
                from: r.from_acronym.clone(),
                to: r.to_acronym.clone(),
                state: r.r.state.clone(),
                state_label: s.code("casepage-state", &r.r.state),
                due: shown_time(r.r.due_at),
                overdue: st.is_some_and(ReferralState::awaiting_answer) && r.r.due_at < now,
                service: r.r.service_name.clone(),
                basis: s.code("casepage-basis", &r.r.consent_basis),
                note: r.r.note.clone(),
                decline_reason: r.r.decline_reason.clone(),
                version: r.r.version,
                actions: actions_for(actor, r)
                    .into_iter()
                    .map(|(e, _)| {
                        let l = s.code("casepage-event", &e);
                        (e, l)
                    })
                    .collect(),
                error,
                reason,
            }
        })
        .collect();
    let legal = d
        .legal
        .iter()
        .map(|l| {
            let outcome = match (&l.outcome, l.penalty_months) {
                (Some(o), Some(m)) => format!(
                    "{} · {}",
                    s.code("casepage-outcome", o),
                    s.t1("casepage-penalty-months", "n", m)
                ),
                (Some(o), None) => s.code("casepage-outcome", o),
                _ => String::new(),
            };
            (
                s.code("casepage-legal", &l.kind),
                l.occurred_on.clone(),
                outcome,
                l.note.clone().unwrap_or_default(),
            )
        })
        .collect();
    let refer = if d.may_refer {
        let mut f = rej.refer.unwrap_or_default();
        let need = need.or_else(|| Need::parse(f.v("need")));
        let suggestions = match need {
            Some(n) => state
                .app
                .referral_suggestions(actor, id, n)
                .await
                .map_err(err)?,
            None => Vec::new(),
        };
        if let Some(n) = need {
            f.values.insert("need".into(), n.as_str().into());
        }
        if f.v("institution_id").is_empty()
            && let Some(first) = suggestions
                .iter()
                .find(|x| x.institution_id.is_some_and(|i| i != actor.institution_id))
        {
            f.values.insert(
                "institution_id".into(),
                first
                    .institution_id
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
            );
            f.values
                .insert("pathway_order".into(), first.order.to_string());
        }
        let targets: Vec<(String, String)> =
            std::iter::once((String::new(), s.t("casepage-choose")))
                .chain(
                    state
                        .app
                        .referral_targets(actor)
                        .await
                        .map_err(err)?
                        .into_iter()
                        .map(|(id, acr, name)| (id.to_string(), format!("{acr} — {name}"))),
                )
                .collect();
        let needs = std::iter::once((String::new(), s.t("casepage-choose")))
            .chain(
                Need::ALL
                    .iter()
                    .map(|n| (n.as_str().to_owned(), s.code("guide-need", n.as_str()))),
            )
            .collect();
        let steps = std::iter::once((String::new(), s.t("casepage-no-step")))
            .chain(suggestions.iter().map(|x| {
                (
                    x.order.to_string(),
                    format!(
                        "{}. {}{}",
                        x.order,
                        x.service_name,
                        x.institution_acronym
                            .as_deref()
                            .map(|a| format!(" ({a})"))
                            .unwrap_or_default()
                    ),
                )
            }))
            .collect();
        Some(ReferForm {
            targets: opts(&f, "institution_id", targets),
            needs: opts(&f, "need", needs),
            steps: opts(&f, "pathway_order", steps),
            need_label: need
                .map(|n| s.code("guide-need", n.as_str()))
                .unwrap_or_default(),
            suggestions,
            may_override: can(actor, Action::OverrideConsent),
            f,
        })
    } else {
        None
    };
    let legal_form = if d.may_record_legal {
        let f = rej
            .legal
            .unwrap_or_else(|| FormState::with([("occurred_on", now.date().to_string())]));
        let kinds = opts(
            &f,
            "kind",
            LegalStepKind::ALL
                .iter()
                .map(|k| (k.as_str().to_owned(), s.code("casepage-legal", k.as_str())))
                .collect(),
        );
        let outcomes = opts(
            &f,
            "outcome",
            std::iter::once((String::new(), s.t("casepage-no-outcome")))
                .chain(SentenceOutcome::ALL.iter().map(|o| {
                    (
                        o.as_str().to_owned(),
                        s.code("casepage-outcome", o.as_str()),
                    )
                }))
                .collect(),
        );
        Some((f, kinds, outcomes))
    } else {
        None
    };
    Ok(CasePage {
        classes: labels(&s, "casepage-class", &d.case.classes),
        proposed: labels(&s, "casepage-class", &d.case.proposed_classes),
        reasons: d
            .case
            .reasons
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| s.t(r))
            .collect(),
        types: labels(&s, "casepage-type", &d.case.exploitation_types),
        control: labels(&s, "casepage-moc", &d.case.means_of_control),
        perpetrators: labels(&s, "casepage-role", &d.case.perpetrators),
        sector: format!(
            "{} — {}",
            d.case.sector,
            s.code("casepage-isic", &d.case.sector)
        ),
        status: s.code("casepage-status", &d.case.status),
        persons,
        referrals,
        legal,
        refer,
        legal_form,
        d,
        s,
    })
}

/// GET /cases/{id}?need=
pub async fn case(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
    let need = match p.get("need") {
        None | Some("") => None,
        Some(n) => match Need::parse(n) {
            Some(n) => Some(n),
            None => {
                return err(RuleError::Invalid(FieldErrors::single(
                    "need",
                    "field-choice",
                )));
            }
        },
    };
    match case_page(&state, &u, id, need, Rejected::default()).await {
        Ok(p) => render(&p),
        Err(r) => r,
    }
}

async fn rejected_on_case(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    e: atlas_core::Error,
    rej: impl FnOnce(FieldErrors) -> Rejected,
) -> Response {
    let (fe, stale) = match e.rule() {
        Some(RuleError::Invalid(fe)) => (fe.clone(), false),
        Some(RuleError::Stale) => (FieldErrors::single("version", "error-stale-help"), true),
        _ => return err(e),
    };
    match case_page(state, u, id, None, rej(fe)).await {
        Ok(p) => render_status(status_of(stale), &p),
        Err(r) => r,
    }
}

/// POST /cases/{id}/referrals
pub async fn refer(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = ReferralInput {
        institution_id: form.s("institution_id"),
        need: form.s("need"),
        note: form.s("note"),
        override_reason: form.s("override_reason"),
        pathway_order: form.s("pathway_order"),
    };
    match state.app.refer_case(u.actor(), id, &input).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => {
            rejected_on_case(&state, &u, id, e, |errors| Rejected {
                refer: Some(FormState {
                    values: [
                        "institution_id",
                        "need",
                        "note",
                        "override_reason",
                        "pathway_order",
                    ]
                    .iter()
                    .map(|k| ((*k).to_owned(), form.s(k)))
                    .collect(),
                    errors,
                }),
                ..Default::default()
            })
            .await
        }
    }
}

/// POST /cases/{id}/referrals/{rid}: a move of a referral (`event`, `reason`, `version`).
pub async fn answer(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, rid)): Path<(Uuid, Uuid)>,
    form: FormMap,
) -> Response {
    let reason = form.s("reason");
    match state
        .app
        .answer_referral(
            u.actor(),
            rid,
            &form.s("event"),
            &reason,
            &form.s("version"),
        )
        .await
    {
        Ok(r) if r.case_id == id => Redirect::to(&format!("/cases/{id}")).into_response(),
        Ok(r) => Redirect::to(&format!("/cases/{}", r.case_id)).into_response(),
        Err(e) => {
            rejected_on_case(&state, &u, id, e, |errors| Rejected {
                answer: Some((
                    rid,
                    errors.0.first().map(|e| e.key).unwrap_or("form-has-errors"),
                    reason.clone(),
                )),
                ..Default::default()
            })
            .await
        }
    }
}

/// POST /cases/{id}/legal
pub async fn legal(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = LegalStepInput {
        kind: form.s("kind"),
        occurred_on: form.s("occurred_on"),
        outcome: form.s("outcome"),
        penalty_months: form.s("penalty_months"),
        note: form.s("note"),
    };
    match state.app.add_legal_step(u.actor(), id, &input).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => {
            rejected_on_case(&state, &u, id, e, |errors| Rejected {
                legal: Some(FormState {
                    values: ["kind", "occurred_on", "outcome", "penalty_months", "note"]
                        .iter()
                        .map(|k| ((*k).to_owned(), form.s(k)))
                        .collect(),
                    errors,
                }),
                ..Default::default()
            })
            .await
        }
    }
}

/// POST /cases/{id}/close
pub async fn close(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    match state
        .app
        .close_case(u.actor(), id, &form.s("version"))
        .await
    {
        Ok(()) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => err(e),
    }
}

/// A row of the lists: (case id, code, date, classes, types, status, institution).
pub type CaseLine = (Uuid, String, String, String, String, String, String);

/// A referral row of "awaiting my action" and the overdue lists.
pub struct AwaitLine {
    pub case_id: Uuid,
    pub code: String,
    pub need: String,
    pub from: String,
    pub to: String,
    pub state: String,
    pub due: String,
    pub overdue: bool,
}

fn await_lines(s: &Shell, now: OffsetDateTime, rows: &[ReferralView]) -> Vec<AwaitLine> {
    rows.iter()
        .map(|r| AwaitLine {
            case_id: r.r.case_id,
            code: r.code.clone(),
            need: s.code("guide-need", &r.r.need),
            from: r.from_acronym.clone(),
            to: r.to_acronym.clone(),
            state: s.code("casepage-state", &r.r.state),
            due: shown_time(r.r.due_at),
            overdue: ReferralState::parse(&r.r.state).is_some_and(ReferralState::awaiting_answer)
                && r.r.due_at < now,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    s: Shell,
    view: String,
    code: String,
    classes: Opts,
    statuses: Opts,
    needs: Opts,
    rows: Vec<CaseLine>,
    awaiting: Vec<AwaitLine>,
    link: bool,
    may_create: bool,
    may_answer: bool,
}

/// GET /cases?view=mine|referred|awaiting&status=&class=&code=&need=
pub async fn list(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let actor = u.actor();
    if !can(actor, Action::ReadCase) {
        if can(actor, Action::ReadCaseStatistics) {
            return Redirect::to("/cases/statistics").into_response();
        }
        return err(RuleError::Forbidden);
    }
    let view = p.get("view").unwrap_or("mine").to_owned();
    let status = p.get("status").unwrap_or("").to_owned();
    let class = p.get("class").unwrap_or("").to_owned();
    let code = p.get("code").unwrap_or("").to_owned();
    let need = p.get("need").unwrap_or("").to_owned();
    let s = Shell::new(&u.ctx, "casepage-cases");
    let mut rows = Vec::new();
    let mut awaiting = Vec::new();
    match view.as_str() {
        "awaiting" => {
            let r = match state.app.awaiting_action(actor, 200).await {
                Ok(r) => r,
                Err(e) => return err(e),
            };
            let r: Vec<ReferralView> = r
                .into_iter()
                .filter(|x| need.is_empty() || x.r.need == need)
                .filter(|x| {
                    code.trim().is_empty() || x.code.starts_with(&code.trim().to_uppercase())
                })
                .collect();
            awaiting = await_lines(&s, state.app.now(), &r);
        }
        "mine" | "referred" => {
            let q = CaseQuery {
                view: if view == "mine" {
                    CaseView::Mine
                } else {
                    CaseView::Referred
                },
                status: Some(status.clone()).filter(|x| !x.is_empty()),
                class: Some(class.clone()).filter(|x| !x.is_empty()),
                code_prefix: Some(code.clone()).filter(|x| !x.is_empty()),
                after: None,
                limit: 200,
            };
            rows = match state.app.case_list(actor, &q).await {
                Ok(r) => r,
                Err(e) => return err(e),
            }
            .into_iter()
            .map(|r| {
                (
                    r.case_id,
                    r.code,
                    r.identified_on,
                    labels(&s, "casepage-class", &r.classes).join(", "),
                    labels(&s, "casepage-type", &r.exploitation_types).join(", "),
                    s.code("casepage-status", &r.status),
                    r.acronym,
                )
            })
            .collect();
        }
        _ => {
            return err(RuleError::Invalid(FieldErrors::single(
                "view",
                "field-choice",
            )));
        }
    }
    let any = |k: &str| (String::new(), s.t(k));
    let f = FormState::with([
        ("class", class.clone()),
        ("status", status.clone()),
        ("need", need.clone()),
    ]);
    render(&ListPage {
        classes: opts(
            &f,
            "class",
            std::iter::once(any("filter-any"))
                .chain(
                    Classification::ALL
                        .iter()
                        .map(|c| (c.as_str().to_owned(), s.code("casepage-class", c.as_str()))),
                )
                .collect(),
        ),
        statuses: opts(
            &f,
            "status",
            vec![
                any("filter-any"),
                ("open".into(), s.code("casepage-status", "open")),
                ("closed".into(), s.code("casepage-status", "closed")),
            ],
        ),
        needs: opts(
            &f,
            "need",
            std::iter::once(any("filter-any"))
                .chain(
                    Need::ALL
                        .iter()
                        .map(|n| (n.as_str().to_owned(), s.code("guide-need", n.as_str()))),
                )
                .collect(),
        ),
        link: true,
        may_create: can(actor, Action::CreateCase),
        may_answer: can(actor, Action::AnswerReferral),
        view,
        code,
        rows,
        awaiting,
        s,
    })
}

#[derive(Template)]
#[template(path = "cases/overdue.html")]
struct OverduePage {
    s: Shell,
    awaiting: Vec<AwaitLine>,
    /// Supervisors do not open cases: codes are not links.
    link: bool,
}

/// GET /cases/overdue: the supervisor's overdue referrals of their country.
pub async fn overdue(State(state): State<AppState>, u: UserCtx) -> Response {
    let rows = match state.app.overdue_for_supervisor(u.actor()).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "casepage-overdue");
    render(&OverduePage {
        awaiting: await_lines(&s, state.app.now(), &rows),
        link: false,
        s,
    })
}

/// A table of the statistics page: (caption, rows of (label, shown count)).
pub type StatTable = (String, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "cases/statistics.html")]
struct StatsPage {
    s: Shell,
    countries: Vec<(String, String, bool)>,
    k: usize,
    victims: String,
    tables: Vec<StatTable>,
    mean_hours: Option<String>,
    may_supervise: bool,
}

/// GET /cases/statistics?country=
pub async fn statistics(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let actor = u.actor();
    let country = match p.get("country") {
        None | Some("") => None,
        Some(c) => match CountryCode::parse(c) {
            Some(c) => Some(c),
            None => {
                return err(RuleError::Invalid(FieldErrors::single(
                    "country",
                    "field-country-invalid",
                )));
            }
        },
    };
    let st = match state
        .app
        .case_statistics(actor, country.as_ref().map(CountryCode::as_str))
        .await
    {
        Ok(s) => s,
        Err(e) => return err(e),
    };
    let k = state.app.settings.cases.k_anonymity.max(2);
    let s = Shell::new(&u.ctx, "casepage-statistics");
    // Small cells could single out a person: show them as "fewer than k".
    let shown = |n: i64| {
        if n > 0 && n < k as i64 {
            s.t1("casepage-fewer-than", "k", k)
        } else {
            n.to_string()
        }
    };
    let table = |caption: &str,
                 m: &std::collections::BTreeMap<String, i64>,
                 label: &dyn Fn(&str) -> String|
     -> StatTable {
        (
            s.t(caption),
            m.iter().map(|(key, n)| (label(key), shown(*n))).collect(),
        )
    };
    let tables = vec![
        table("casepage-by-type", &st.by_type, &|c| {
            s.code("casepage-type", c)
        }),
        table("casepage-by-sex", &st.by_sex, &|c| s.code("sex", c)),
        table("casepage-by-age", &st.by_age_band, &|c| age_label(&s, c)),
        table("casepage-by-month", &st.by_month, &|c| c.to_owned()),
        table("casepage-by-province", &st.by_province, &|c| c.to_owned()),
        table("casepage-by-state", &st.referrals_by_state, &|c| {
            s.code("casepage-state", c)
        }),
        table("casepage-by-outcome", &st.sentences, &|c| {
            s.code("casepage-outcome", c)
        }),
    ];
    let cur = country
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    render(&StatsPage {
        countries: std::iter::once((String::new(), s.t("casepage-all-countries"), cur.is_empty()))
            .chain(
                COUNTRIES
                    .iter()
                    .map(|c| ((*c).to_owned(), s.code("country", c), *c == cur)),
            )
            .collect(),
        victims: shown(st.victims),
        mean_hours: st.mean_hours_to_answer.map(|h| format!("{h:.1}")),
        may_supervise: can(actor, Action::SuperviseReferrals),
        tables,
        k,
        s,
    })
}

/// The home page's block for a receiving institution: overdue referrals, then those
/// awaiting its action (empty for roles that do not answer referrals).
pub async fn home_block(state: &AppState, actor: &Actor, s: &Shell) -> Vec<AwaitLine> {
    if !can(actor, Action::AnswerReferral) {
        return Vec::new();
    }
    let mut rows = state.app.overdue_to_me(actor).await.unwrap_or_default();
    if let Ok(more) = state.app.awaiting_action(actor, 10).await {
        for r in more {
            if !rows
                .iter()
                .any(|x| x.r.case_referral_id == r.r.case_referral_id)
            {
                rows.push(r);
            }
        }
    }
    rows.truncate(10);
    await_lines(s, state.app.now(), &rows)
}

/// GET /cases/export.csv?country=: the anonymised CTDC-column export, k-anonymous by
/// suppression (core audits it); the number of suppressed records is in the
/// `X-Suppressed-Records` header.
pub async fn export(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let country = match p.get("country") {
        None | Some("") => None,
        Some(c) => match CountryCode::parse(c) {
            Some(c) => Some(c),
            None => {
                return err(RuleError::Invalid(FieldErrors::single(
                    "country",
                    "field-country-invalid",
                )));
            }
        },
    };
    let x = match state
        .app
        .case_export(u.actor(), country.as_ref().map(CountryCode::as_str))
        .await
    {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let bytes = match atlas_render::csv_safe::write(&x.header, x.rows) {
        Ok(b) => b,
        Err(e) => return err(anyhow::anyhow!("case export CSV: {e}")),
    };
    let name = format!(
        "atlas-cases-{}.csv",
        country.as_ref().map_or("all", CountryCode::as_str)
    );
    let mut r = super::training_import::download(bytes, super::training_import::CSV, &name);
    if let Ok(v) = axum::http::HeaderValue::from_str(&x.suppressed.to_string()) {
        r.headers_mut().insert("x-suppressed-records", v);
    }
    r
}
