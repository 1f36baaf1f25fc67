//! Results: a country's gap assessment (gaps in enforcement or coordination), its
//! Differentiated Models of Practice (DMPs) and their lifecycle, and the fact sheet
//! profile.
//!
//! Invariants and rules:
//! - a gap names at least one institution concerned; a model addresses at least one gap
//!   and names at least one partner institution (the store checks they exist and belong
//!   to the model's country);
//! - a model's lifecycle follows [`allowed_moves`] exactly: developed → piloted →
//!   evaluated → refined, then from refined either back to piloted (another pilot of the
//!   refined model) or on to implemented → institutionalised. No stage is skipped, no
//!   move goes from a stage to itself, and institutionalised is final;
//! - every move carries an evidence note, and may carry one file backing it;
//! - long texts may hold line breaks but no other control characters;
//! - reporting periods are calendar months, calendar quarters and the semi-annual periods
//!   October–March and April–September ([`Period`]); every day falls in exactly one
//!   period of each kind.

use crate::directory::{lenient, parse_optional_uuid, required_text, string_enum};
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month};
use uuid::Uuid;

string_enum!(
    /// How badly a gap hurts enforcement or coordination.
    Severity {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

string_enum!(
    /// The lifecycle stage of a Differentiated Model of Practice.
    ModelStage {
        Developed = "developed",
        Piloted = "piloted",
        Evaluated = "evaluated",
        Refined = "refined",
        Implemented = "implemented",
        Institutionalised = "institutionalised",
    }
);

string_enum!(
    /// The platform module where a model's work lives. Cartography and guide are codes
    /// for modules still to come; their figures read "not yet recorded" until they land.
    ModuleCode {
        Training = "training",
        Cartography = "cartography",
        Guide = "guide",
    }
);

impl ModelStage {
    /// True for implemented and institutionalised: the model is in implementation.
    pub fn in_implementation(self) -> bool {
        matches!(
            self,
            ModelStage::Implemented | ModelStage::Institutionalised
        )
    }
}

/// The stages a model at `from` may move to next: the lifecycle's transition table.
pub fn allowed_moves(from: ModelStage) -> &'static [ModelStage] {
    use ModelStage::*;
    match from {
        Developed => &[Piloted],
        Piloted => &[Evaluated],
        Evaluated => &[Refined],
        // Refining leads either to another pilot of the refined model or to implementation.
        Refined => &[Piloted, Implemented],
        Implemented => &[Institutionalised],
        Institutionalised => &[],
    }
}

/// True when a model at `from` may move to `to`.
pub fn can_move(from: ModelStage, to: ModelStage) -> bool {
    allowed_moves(from).contains(&to)
}

/// Trims a long text (line breaks and tabs allowed) and checks it is non-empty and at
/// most `max` characters.
pub fn long_text(s: &str, field: &str, max: usize, e: &mut FieldErrors) -> String {
    let t = s.trim();
    if t.is_empty() {
        e.add(field, "field-required");
    } else if t.chars().count() > max {
        e.add(field, "field-too-long");
    } else if t
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        e.add(field, "field-control-chars");
    }
    t.replace("\r\n", "\n")
}

/// Parses a comma list of ids (at least one, no repeats kept).
pub fn id_list(s: &str, field: &str, e: &mut FieldErrors) -> Vec<Uuid> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut one = FieldErrors::new();
        match parse_optional_uuid(part, field, &mut one) {
            Some(id) if !out.contains(&id) => out.push(id),
            Some(_) => {}
            None => {
                e.add(field, "field-reference");
                return Vec::new();
            }
        }
    }
    if out.is_empty() {
        e.add(field, "field-required");
    }
    out
}

fn choice<T>(s: &str, parse: fn(&str) -> Option<T>, field: &str, e: &mut FieldErrors) -> Option<T> {
    let v = parse(s);
    if v.is_none() {
        e.add(field, "field-choice");
    }
    v
}

/// Raw gap input (form or JSON). `institution_ids` is a comma list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GapInput {
    #[serde(deserialize_with = "lenient")]
    pub country: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub description: String,
    #[serde(deserialize_with = "lenient")]
    pub severity: String,
    #[serde(deserialize_with = "lenient")]
    pub evidence_source: String,
    #[serde(deserialize_with = "lenient")]
    pub institution_ids: String,
    /// The version read, when editing.
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed gap (the country is decided by the caller: from the input when creating, the
/// stored one when editing).
#[derive(Debug, Clone)]
pub struct GapDraft {
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub evidence_source: String,
    pub institution_ids: Vec<Uuid>,
}

impl GapDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &GapInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let title = required_text(&i.title, "title", 200, &mut e);
        let description = long_text(&i.description, "description", 4000, &mut e);
        let severity = choice(&i.severity, Severity::parse, "severity", &mut e);
        let evidence_source = long_text(&i.evidence_source, "evidence_source", 1000, &mut e);
        let institution_ids = id_list(&i.institution_ids, "institution_ids", &mut e);
        match severity {
            Some(severity) if e.is_empty() => Ok(Self {
                title,
                description,
                severity,
                evidence_source,
                institution_ids,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw model input. `gap_ids` and `partner_ids` are comma lists; `evidence` is the note
/// on how the model was developed (the first entry of its timeline).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ModelInput {
    #[serde(deserialize_with = "lenient")]
    pub country: String,
    #[serde(deserialize_with = "lenient")]
    pub name: String,
    #[serde(deserialize_with = "lenient")]
    pub summary: String,
    #[serde(deserialize_with = "lenient")]
    pub module: String,
    /// The language the name and summary are written in (`en`, `es`, `th`).
    #[serde(deserialize_with = "lenient")]
    pub text_lang: String,
    #[serde(deserialize_with = "lenient")]
    pub gap_ids: String,
    #[serde(deserialize_with = "lenient")]
    pub partner_ids: String,
    #[serde(deserialize_with = "lenient")]
    pub evidence: String,
}

/// A parsed new model; it starts in `developed`.
#[derive(Debug, Clone)]
pub struct ModelDraft {
    pub name: String,
    pub summary: String,
    pub module: ModuleCode,
    pub text_lang: &'static str,
    pub gap_ids: Vec<Uuid>,
    pub partner_ids: Vec<Uuid>,
    pub evidence: String,
}

impl ModelDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &ModelInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let name = required_text(&i.name, "name", 200, &mut e);
        let summary = long_text(&i.summary, "summary", 4000, &mut e);
        let module = choice(&i.module, ModuleCode::parse, "module", &mut e);
        let text_lang = crate::results_edit::text_lang(&i.text_lang, &mut e);
        let gap_ids = id_list(&i.gap_ids, "gap_ids", &mut e);
        let partner_ids = id_list(&i.partner_ids, "partner_ids", &mut e);
        let evidence = long_text(&i.evidence, "evidence", 4000, &mut e);
        match (module, text_lang) {
            (Some(module), Some(text_lang)) if e.is_empty() => Ok(Self {
                name,
                summary,
                module,
                text_lang,
                gap_ids,
                partner_ids,
                evidence,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw lifecycle move: the stage to move to, the evidence note, and the model version
/// the user read (so two people cannot move the same model at once unknowingly).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MoveInput {
    #[serde(deserialize_with = "lenient")]
    pub stage: String,
    #[serde(deserialize_with = "lenient")]
    pub evidence: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed move.
#[derive(Debug, Clone)]
pub struct MoveDraft {
    pub to: ModelStage,
    pub evidence: String,
}

impl MoveDraft {
    /// Parses a move of a model now at `from`: an unknown stage or a move the lifecycle
    /// does not allow (skipping a stage, staying, leaving institutionalised) is an error
    /// on `stage`; a missing note an error on `evidence`.
    pub fn parse(i: &MoveInput, from: ModelStage) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let to = match ModelStage::parse(&i.stage) {
            None => {
                e.add("stage", "field-choice");
                None
            }
            Some(to) if !can_move(from, to) => {
                e.add("stage", "model-move-not-allowed");
                None
            }
            Some(to) => Some(to),
        };
        let evidence = long_text(&i.evidence, "evidence", 4000, &mut e);
        match to {
            Some(to) if e.is_empty() => Ok(Self { to, evidence }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw fact sheet profile of a country.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProfileInput {
    #[serde(deserialize_with = "lenient")]
    pub overview: String,
    #[serde(deserialize_with = "lenient")]
    pub contact: String,
    #[serde(deserialize_with = "lenient")]
    pub funding: String,
    /// The language overview, contact and funding are written in (`en`, `es`, `th`).
    #[serde(deserialize_with = "lenient")]
    pub text_lang: String,
    /// Translations keyed `overview_<lang>`, `contact_<lang>`, `funding_<lang>`.
    #[serde(skip)]
    pub translated: std::collections::BTreeMap<String, String>,
    /// `1`, `true` or `on` publishes the fact sheet; anything else (or absent) does not.
    #[serde(deserialize_with = "lenient")]
    pub published: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed profile.
#[derive(Debug, Clone)]
pub struct ProfileDraft {
    pub overview: String,
    pub contact: String,
    pub funding: String,
    pub text_lang: &'static str,
    pub translations: Vec<crate::results_edit::Translation>,
    pub published: bool,
}

impl ProfileDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &ProfileInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let overview = long_text(&i.overview, "overview", 3000, &mut e);
        let contact = long_text(&i.contact, "contact", 500, &mut e);
        let funding = long_text(&i.funding, "funding", 1000, &mut e);
        let lang = crate::results_edit::text_lang(&i.text_lang, &mut e);
        let translations = crate::results_edit::translations(
            &i.translated,
            lang,
            &crate::results_edit::PROFILE_TEXT,
            &mut e,
        );
        let published = matches!(i.published.trim(), "1" | "true" | "on");
        match lang {
            Some(text_lang) if e.is_empty() => Ok(Self {
                overview,
                contact,
                funding,
                text_lang,
                translations,
                published,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

string_enum!(
    /// How long a reporting period is: a calendar month, a calendar quarter, or a
    /// semi-annual period of the US federal fiscal year (October–March and
    /// April–September, the USDOL technical progress report periods).
    PeriodKind {
        Month = "month",
        Quarter = "quarter",
        SemiAnnual = "semi_annual",
    }
);

/// A reporting period: its kind and first and last day (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub first: Date,
    pub last: Date,
}

fn ymd(y: i32, m: u8, d: u8) -> Option<Date> {
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

fn month_end(y: i32, m: u8) -> Option<Date> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1)?.previous_day()
}

impl Period {
    /// Every day a record can carry (years 1900 to 9999), for "all time" figures; its
    /// `kind` means nothing and it has no period code of its own.
    pub fn all_time() -> Period {
        Period {
            kind: PeriodKind::Month,
            first: Date::from_calendar_date(1900, Month::January, 1).unwrap_or(Date::MIN),
            last: Date::from_calendar_date(9999, Month::December, 31).unwrap_or(Date::MAX),
        }
    }

    /// From the first day [`Period::all_time`] knows to this period's last day: the
    /// span of a cumulative figure.
    pub fn to_date(self) -> Period {
        Period {
            first: Period::all_time().first,
            ..self
        }
    }

    /// The period of `kind` that contains `day`.
    pub fn containing(kind: PeriodKind, day: Date) -> Option<Period> {
        let (y, m) = (day.year(), u8::from(day.month()));
        let (fy, fm, ly, lm) = match kind {
            PeriodKind::Month => (y, m, y, m),
            PeriodKind::Quarter => {
                let q0 = (m - 1) / 3 * 3 + 1;
                (y, q0, y, q0 + 2)
            }
            PeriodKind::SemiAnnual => match m {
                4..=9 => (y, 4, y, 9),
                10..=12 => (y, 10, y + 1, 3),
                _ => (y - 1, 10, y, 3),
            },
        };
        Some(Period {
            kind,
            first: ymd(fy, fm, 1)?,
            last: month_end(ly, lm)?,
        })
    }

    /// The period's code: `2026-03` (month), `2026-Q1` (quarter), `FY2026-H1`
    /// (October 2025–March 2026) and `FY2026-H2` (April–September 2026).
    pub fn code(&self) -> String {
        let (y, m) = (self.first.year(), u8::from(self.first.month()));
        match self.kind {
            PeriodKind::Month => format!("{y:04}-{m:02}"),
            PeriodKind::Quarter => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
            PeriodKind::SemiAnnual if m == 10 => format!("FY{:04}-H1", y + 1),
            PeriodKind::SemiAnnual => format!("FY{y:04}-H2"),
        }
    }

    /// Parses a period code (see [`Period::code`]).
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim().to_ascii_uppercase();
        if let Some(rest) = s.strip_prefix("FY") {
            let (y, h) = rest.split_once("-H")?;
            let y: i32 = y.parse().ok().filter(|y| (1900..=9999).contains(y))?;
            let first = match h {
                "1" => ymd(y - 1, 10, 1)?,
                "2" => ymd(y, 4, 1)?,
                _ => return None,
            };
            return Period::containing(PeriodKind::SemiAnnual, first);
        }
        let (y, rest) = s.split_once('-')?;
        let y: i32 = y.parse().ok().filter(|y| (1900..=9999).contains(y))?;
        if let Some(q) = rest.strip_prefix('Q') {
            let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            return Period::containing(PeriodKind::Quarter, ymd(y, (q - 1) * 3 + 1, 1)?);
        }
        if rest.len() != 2 {
            return None;
        }
        let m: u8 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
        Period::containing(PeriodKind::Month, ymd(y, m, 1)?)
    }

    /// True when `day` falls in the period.
    pub fn contains(&self, day: Date) -> bool {
        self.first <= day && day <= self.last
    }
}

string_enum!(
    /// Level of a results framework node.
    ResultLevel {
        Objective = "objective",
        Outcome = "outcome",
        Output = "output",
    }
);

impl ResultLevel {
    /// The level a node's parent must have; `None`: no parent (an objective).
    pub fn parent_level(self) -> Option<ResultLevel> {
        match self {
            ResultLevel::Objective => None,
            ResultLevel::Outcome => Some(ResultLevel::Objective),
            ResultLevel::Output => Some(ResultLevel::Outcome),
        }
    }
}

string_enum!(
    /// Unit of an indicator.
    IndicatorUnit {
        Number = "number",
        Percent = "percent",
    }
);

string_enum!(
    /// Which way an indicator should move.
    Direction {
        Increase = "increase",
        Decrease = "decrease",
    }
);

string_enum!(
    /// Where an indicator's values come from: a computation over module data, or manual
    /// entries with evidence. A computed source whose module holds no data for the
    /// country reads "not yet recorded".
    IndicatorSource {
        IndividualsTrained = "individuals_trained",
        InstitutionsTargeted = "institutions_targeted",
        InstitutionsIntegrated = "institutions_integrated",
        ModelsInImplementation = "models_in_implementation",
        /// Exercises started by the end of the period.
        MappingExercises = "mapping_exercises",
        /// Top-level plan actions not cancelled, in major units of the plans' main currency.
        BudgetCommitted = "budget_committed",
        /// Plan actions done, as they stand.
        ActionsDone = "actions_done",
        /// Guides at the final or institutionalised stage, as they stand.
        GuidesFinal = "guides_final",
        /// Referrals sent in the period.
        ReferralsMade = "referrals_made",
        /// Referrals sent in the period whose service was delivered (or that were closed).
        ReferralsCompleted = "referrals_completed",
        /// Cases identified in the period; the next four count those of them that went
        /// at least as far as the named stage.
        CasesIdentified = "cases_identified",
        CasesReferred = "cases_referred",
        CasesAssisted = "cases_assisted",
        CasesProsecuted = "cases_prosecuted",
        CasesSentenced = "cases_sentenced",
        Manual = "manual",
    }
);

impl IndicatorSource {
    /// The unit a computed source yields (`None` for manual: the indicator decides).
    pub fn unit(self) -> Option<IndicatorUnit> {
        match self {
            IndicatorSource::Manual => None,
            _ => Some(IndicatorUnit::Number),
        }
    }

    /// The module whose records a computed source counts (`manual` for manual entries).
    pub fn module(self) -> &'static str {
        use IndicatorSource::*;
        match self {
            IndividualsTrained | InstitutionsTargeted | InstitutionsIntegrated => "training",
            ModelsInImplementation => "models",
            MappingExercises | BudgetCommitted | ActionsDone => "cartography",
            GuidesFinal => "guide",
            ReferralsMade | ReferralsCompleted | CasesIdentified | CasesReferred
            | CasesAssisted | CasesProsecuted | CasesSentenced => "cases",
            Manual => "manual",
        }
    }
}

/// The number of decimal places of an ISO 4217 currency's minor unit (two unless the
/// currency is one of those with none or three).
pub fn currency_exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// An amount in minor units expressed in whole major units (rounded down).
pub fn major_units(minor: i64, currency: &str) -> i64 {
    minor / 10_i64.pow(currency_exponent(currency))
}

/// Parses a whole number within the unit's range (percent: 0–100; number: 0 or more).
fn value_of(s: &str, unit: IndicatorUnit, field: &str, e: &mut FieldErrors) -> Option<i64> {
    match s.trim().parse::<i64>() {
        Ok(n) if n < 0 => {
            e.add(field, "field-range");
            None
        }
        Ok(n) if unit == IndicatorUnit::Percent && n > 100 => {
            e.add(field, "indicator-percent-range");
            None
        }
        Ok(n) => Some(n),
        Err(_) => {
            e.add(field, "field-number");
            None
        }
    }
}

/// Raw framework node input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NodeInput {
    #[serde(deserialize_with = "lenient")]
    pub country: String,
    #[serde(deserialize_with = "lenient")]
    pub parent_id: String,
    #[serde(deserialize_with = "lenient")]
    pub level: String,
    #[serde(deserialize_with = "lenient")]
    pub code: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
}

/// A parsed node (the parent's level and country are checked against the store).
#[derive(Debug, Clone)]
pub struct NodeDraft {
    pub parent_id: Option<Uuid>,
    pub level: ResultLevel,
    pub code: String,
    pub title: String,
}

impl NodeDraft {
    /// Parses every field; an objective takes no parent, other levels need one.
    pub fn parse(i: &NodeInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let level = choice(&i.level, ResultLevel::parse, "level", &mut e);
        let parent_id = parse_optional_uuid(&i.parent_id, "parent_id", &mut e);
        let code = required_text(&i.code, "code", 20, &mut e);
        let title = required_text(&i.title, "title", 300, &mut e);
        if let Some(l) = level
            && e.get("parent_id").is_none()
        {
            match (l.parent_level(), parent_id) {
                (None, Some(_)) => e.add("parent_id", "node-parent-level"),
                (Some(_), None) => e.add("parent_id", "field-required"),
                _ => {}
            }
        }
        match level {
            Some(level) if e.is_empty() => Ok(Self {
                parent_id,
                level,
                code,
                title,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw indicator input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IndicatorInput {
    #[serde(deserialize_with = "lenient")]
    pub result_node_id: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub definition: String,
    #[serde(deserialize_with = "lenient")]
    pub unit: String,
    #[serde(deserialize_with = "lenient")]
    pub direction: String,
    #[serde(deserialize_with = "lenient")]
    pub source: String,
    #[serde(deserialize_with = "lenient")]
    pub baseline: String,
    /// Dimensions to break the figure down by (`sex,age_band,role,institution,province`);
    /// empty for none.
    #[serde(deserialize_with = "lenient")]
    pub disaggregations: String,
}

/// A parsed indicator.
#[derive(Debug, Clone)]
pub struct IndicatorDraft {
    pub result_node_id: Uuid,
    pub title: String,
    pub definition: String,
    pub unit: IndicatorUnit,
    pub direction: Direction,
    pub source: IndicatorSource,
    pub baseline: Option<i64>,
    pub disaggregations: Vec<crate::results_disagg::Disaggregation>,
}

impl IndicatorDraft {
    /// Parses every field; a computed source fixes the unit (a count is a number).
    pub fn parse(i: &IndicatorInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let node = parse_optional_uuid(&i.result_node_id, "result_node_id", &mut e);
        if node.is_none() && e.get("result_node_id").is_none() {
            e.add("result_node_id", "field-required");
        }
        let title = required_text(&i.title, "title", 300, &mut e);
        let definition = long_text(&i.definition, "definition", 2000, &mut e);
        let unit = choice(&i.unit, IndicatorUnit::parse, "unit", &mut e);
        let direction = choice(&i.direction, Direction::parse, "direction", &mut e);
        let source = choice(&i.source, IndicatorSource::parse, "source", &mut e);
        if let (Some(u), Some(s)) = (unit, source)
            && s.unit().is_some_and(|su| su != u)
        {
            e.add("unit", "indicator-unit-source");
        }
        let baseline = match (i.baseline.trim().is_empty(), unit) {
            (true, _) => None,
            (false, Some(u)) => value_of(&i.baseline, u, "baseline", &mut e),
            (false, None) => None,
        };
        let disaggregations = crate::results_disagg::parse_dimensions(
            &i.disaggregations,
            unit,
            source,
            "disaggregations",
            &mut e,
        );
        match (node, unit, direction, source) {
            (Some(result_node_id), Some(unit), Some(direction), Some(source)) if e.is_empty() => {
                Ok(Self {
                    result_node_id,
                    title,
                    definition,
                    unit,
                    direction,
                    source,
                    baseline,
                    disaggregations,
                })
            }
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw target or manual value for a period (`evidence` only for values).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PeriodValueInput {
    #[serde(deserialize_with = "lenient")]
    pub period: String,
    #[serde(deserialize_with = "lenient")]
    pub value: String,
    #[serde(deserialize_with = "lenient")]
    pub evidence: String,
}

/// A parsed target or value of an indicator with unit `unit`.
#[derive(Debug, Clone)]
pub struct PeriodValueDraft {
    pub period: Period,
    pub value: i64,
    pub evidence: String,
}

impl PeriodValueDraft {
    /// A target: a period that exists (a valid code) and a value in the unit's range.
    pub fn target(i: &PeriodValueInput, unit: IndicatorUnit) -> Result<Self, Error> {
        Self::parse(i, unit, false)
    }

    /// A manual value: as a target, plus a required evidence note.
    pub fn manual(i: &PeriodValueInput, unit: IndicatorUnit) -> Result<Self, Error> {
        Self::parse(i, unit, true)
    }

    fn parse(i: &PeriodValueInput, unit: IndicatorUnit, evidence: bool) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let period = Period::parse(&i.period);
        if period.is_none() {
            e.add("period", "period-unknown");
        }
        let value = value_of(&i.value, unit, "value", &mut e);
        let note = if evidence {
            long_text(&i.evidence, "evidence", 2000, &mut e)
        } else {
            String::new()
        };
        match (period, value) {
            (Some(period), Some(value)) if e.is_empty() => Ok(Self {
                period,
                value,
                evidence: note,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ModelStage::*;

    #[test]
    fn the_lifecycle_moves_one_stage_at_a_time_and_refine_may_loop_back_to_a_pilot() {
        assert!(can_move(Developed, Piloted));
        assert!(can_move(Piloted, Evaluated));
        assert!(can_move(Evaluated, Refined));
        assert!(can_move(Refined, Piloted), "loop back for another pilot");
        assert!(can_move(Refined, Implemented));
        assert!(can_move(Implemented, Institutionalised));
        assert!(!can_move(Developed, Evaluated), "skipping a stage");
        assert!(!can_move(Evaluated, Implemented), "implementing unrefined");
        assert!(!can_move(Piloted, Implemented));
        assert!(!can_move(Implemented, Implemented), "staying");
        assert!(!can_move(Implemented, Piloted), "backwards");
        assert!(allowed_moves(Institutionalised).is_empty(), "final");
        for s in ModelStage::ALL {
            assert!(!can_move(*s, Developed), "nothing goes back to developed");
        }
    }

    #[test]
    fn a_move_without_evidence_or_to_an_unknown_or_skipped_stage_names_the_fields() {
        let bad = |stage: &str, ev: &str| match MoveDraft::parse(
            &MoveInput {
                stage: stage.into(),
                evidence: ev.into(),
                version: "1".into(),
            },
            Developed,
        ) {
            Err(Error::Invalid(e)) => e,
            other => panic!("{other:?}"),
        };
        let e = bad("piloted", "  ");
        assert_eq!(e.get("evidence"), Some("field-required"));
        assert_eq!(e.get("stage"), None);
        let e = bad("evaluated", "report");
        assert_eq!(e.get("stage"), Some("model-move-not-allowed"));
        let e = bad("launched", "");
        assert_eq!(e.get("stage"), Some("field-choice"));
        assert_eq!(e.get("evidence"), Some("field-required"));
        let ok = MoveDraft::parse(
            &MoveInput {
                stage: "piloted".into(),
                evidence: "Pilot report\r\nsecond line".into(),
                version: "1".into(),
            },
            Developed,
        )
        .unwrap();
        assert_eq!(
            (ok.to, ok.evidence.as_str()),
            (Piloted, "Pilot report\nsecond line")
        );
    }

    #[test]
    fn a_gap_needs_its_institutions_and_a_known_severity() {
        let i = GapInput {
            title: "Gap".into(),
            description: "Line one\nline two".into(),
            severity: "severe".into(),
            evidence_source: "Assessment".into(),
            institution_ids: "not-an-id".into(),
            ..Default::default()
        };
        let Err(Error::Invalid(e)) = GapDraft::parse(&i) else {
            panic!()
        };
        assert_eq!(e.get("severity"), Some("field-choice"));
        assert_eq!(e.get("institution_ids"), Some("field-reference"));
        let id = Uuid::now_v7();
        let ok = GapDraft::parse(&GapInput {
            severity: "high".into(),
            institution_ids: format!("{id}, {id}"),
            ..i
        })
        .unwrap();
        assert_eq!(ok.institution_ids, vec![id]);
        assert_eq!(ok.description, "Line one\nline two");
    }

    #[test]
    fn thirty_first_march_and_first_april_fall_in_different_semesters() {
        let d = |y, m, day| ymd(y, m, day).unwrap();
        let march = Period::containing(PeriodKind::SemiAnnual, d(2026, 3, 31)).unwrap();
        let april = Period::containing(PeriodKind::SemiAnnual, d(2026, 4, 1)).unwrap();
        assert_ne!(march, april);
        assert_eq!((march.first, march.last), (d(2025, 10, 1), d(2026, 3, 31)));
        assert_eq!((april.first, april.last), (d(2026, 4, 1), d(2026, 9, 30)));
        assert_eq!(
            (march.code().as_str(), april.code().as_str()),
            ("FY2026-H1", "FY2026-H2")
        );
        let oct = Period::containing(PeriodKind::SemiAnnual, d(2026, 10, 1)).unwrap();
        assert_eq!(oct.code(), "FY2027-H1");
        assert!(!april.contains(d(2026, 3, 31)) && april.contains(d(2026, 9, 30)));
    }

    #[test]
    fn months_and_quarters_have_their_calendar_bounds_and_codes_round_trip() {
        let d = |y, m, day| ymd(y, m, day).unwrap();
        let feb = Period::containing(PeriodKind::Month, d(2028, 2, 10)).unwrap();
        assert_eq!((feb.first, feb.last), (d(2028, 2, 1), d(2028, 2, 29)));
        let q4 = Period::containing(PeriodKind::Quarter, d(2026, 12, 31)).unwrap();
        assert_eq!(
            (q4.first, q4.last, q4.code().as_str()),
            (d(2026, 10, 1), d(2026, 12, 31), "2026-Q4")
        );
        for code in ["2026-03", "2026-Q1", "FY2026-H1", "FY2026-H2", "2025-12"] {
            assert_eq!(Period::parse(code).unwrap().code(), code);
        }
        for bad in [
            "2026-13",
            "2026-Q5",
            "FY2026-H3",
            "2026",
            "26-03",
            "2026-3",
            "",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn framework_inputs_refuse_bad_parents_units_periods_and_missing_evidence() {
        let Err(Error::Invalid(e)) = NodeDraft::parse(&NodeInput {
            level: "outcome".into(),
            code: "1.1".into(),
            title: "T".into(),
            ..Default::default()
        }) else {
            panic!()
        };
        assert_eq!(e.get("parent_id"), Some("field-required"));
        let node = Uuid::now_v7().to_string();
        let ind = |unit: &str, source: &str| IndicatorInput {
            result_node_id: node.clone(),
            title: "I".into(),
            definition: "D".into(),
            unit: unit.into(),
            direction: "increase".into(),
            source: source.into(),
            baseline: String::new(),
            disaggregations: String::new(),
        };
        let Err(Error::Invalid(e)) = IndicatorDraft::parse(&ind("percent", "individuals_trained"))
        else {
            panic!()
        };
        assert_eq!(e.get("unit"), Some("indicator-unit-source"));
        assert!(IndicatorDraft::parse(&ind("percent", "manual")).is_ok());
        let v = |period: &str, value: &str, ev: &str| PeriodValueInput {
            period: period.into(),
            value: value.into(),
            evidence: ev.into(),
        };
        let Err(Error::Invalid(e)) =
            PeriodValueDraft::manual(&v("2026-Q5", "120", ""), IndicatorUnit::Percent)
        else {
            panic!()
        };
        assert_eq!(e.get("period"), Some("period-unknown"));
        assert_eq!(e.get("value"), Some("indicator-percent-range"));
        assert_eq!(e.get("evidence"), Some("field-required"));
        let ok =
            PeriodValueDraft::target(&v("FY2026-H2", "80", ""), IndicatorUnit::Percent).unwrap();
        assert_eq!((ok.period.code().as_str(), ok.value), ("FY2026-H2", 80));
    }
}
