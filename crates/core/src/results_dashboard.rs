//! The results dashboard and the records behind each figure.
//!
//! The dashboard shows, for a country and a period, every indicator of its framework
//! against its target with its standing, and a trend over the last six periods of the
//! same kind; for the whole program (readers of every country), a summary per country and
//! the program's computed key figures. Each computed source is read once for all six
//! periods ([`Series`]): one query counts individuals trained per period, one lists the
//! institutions targeted and integrated (the state now, as `figures` counts them), one
//! query per period finds the models' stages — never the training figures per period.
//!
//! The records pages list what a figure counts, with the same rules, so a list's length
//! equals its figure: trained people (name, institution, courses; only for roles that
//! may read those participants under the training policy, `ManageCourses` over the whole
//! country, and each read is audited like a participant export), institutions with the
//! courses and adaptations that count them, models with their stage at the period's end,
//! and a manual indicator's entries for the period with evidence and who entered them.
//! Observers read figures only: every records page is "not found" for them.

use crate::results_sources::ModuleFigures;
use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::Error as RuleError;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, ListScope, Owner, authorize, list_scope};
use atlas_domain::directory::{COUNTRIES, CountryCode};
use atlas_domain::results::{Direction, IndicatorSource, ModelStage, Period};
use atlas_domain::results_dashboard::{Standing, last_periods, percent_of_target};
use atlas_store::audit as st_audit;
use atlas_store::results as st;
use atlas_store::results_dashboard as sd;
use atlas_store::training as stt;
use std::collections::{BTreeMap, HashMap, HashSet};
use time::OffsetDateTime;
use uuid::Uuid;

pub use atlas_store::results_dashboard::ModelAt;

/// How many periods a trend shows.
pub const TREND_PERIODS: usize = 6;

/// The computed key figures of one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyFigures {
    pub individuals_trained: i64,
    pub institutions_targeted: i64,
    pub institutions_integrated: i64,
    pub models_in_implementation: i64,
    /// The cartography, guide and case figures (`None`: not yet recorded).
    pub modules: ModuleFigures,
}

impl KeyFigures {
    /// The value of a computed source (`None` for manual sources and modules to come).
    pub fn of(&self, source: IndicatorSource) -> Option<i64> {
        use IndicatorSource::*;
        match source {
            IndividualsTrained => Some(self.individuals_trained),
            InstitutionsTargeted => Some(self.institutions_targeted),
            InstitutionsIntegrated => Some(self.institutions_integrated),
            ModelsInImplementation => Some(self.models_in_implementation),
            Manual => None,
            s => self.modules.of(s),
        }
    }
}

/// One period of an indicator's trend.
#[derive(Debug, Clone)]
pub struct TrendPoint {
    pub period: String,
    pub target: Option<i64>,
    /// `None`: not yet recorded.
    pub actual: Option<i64>,
}

/// An indicator on the dashboard: target, actual and standing for the period, and its
/// trend (oldest first, ending with the period).
#[derive(Debug, Clone)]
pub struct IndicatorStatus {
    pub indicator: st::IndicatorRow,
    /// The code and title of its framework node.
    pub node: String,
    pub source: IndicatorSource,
    pub target: Option<i64>,
    pub actual: Option<i64>,
    pub percent: Option<i64>,
    pub standing: Standing,
    pub trend: Vec<TrendPoint>,
}

/// A country's dashboard for a period.
#[derive(Debug, Clone)]
pub struct CountryDashboard {
    pub country: CountryCode,
    pub period: Period,
    /// The trend's periods, oldest first.
    pub periods: Vec<Period>,
    pub key: KeyFigures,
    pub indicators: Vec<IndicatorStatus>,
}

/// One country's line of the whole-program view.
#[derive(Debug, Clone)]
pub struct CountrySummary {
    pub country: CountryCode,
    pub key: KeyFigures,
    pub indicators: usize,
    pub on_track: usize,
    pub behind: usize,
}

/// The whole program for a period: each country and the program's key figures (counted
/// over all countries at once, so nobody trained in two countries counts twice), with
/// their trend.
#[derive(Debug, Clone)]
pub struct ProgramDashboard {
    pub period: Period,
    pub periods: Vec<Period>,
    pub countries: Vec<CountrySummary>,
    pub totals: KeyFigures,
    /// The program's key figures per period of `periods`.
    pub trend: Vec<KeyFigures>,
}

/// What the dashboard shows for a request.
#[derive(Debug, Clone)]
pub enum Dashboard {
    Country(CountryDashboard),
    Program(ProgramDashboard),
}

/// The computed key figures of a country (or the program) for several periods, each
/// source read once.
struct Series(Vec<KeyFigures>);

/// The last instant of a period's last day.
fn end_of(p: &Period) -> Result<OffsetDateTime> {
    Ok(p.last
        .next_day()
        .context("period end out of range")?
        .midnight()
        .assume_utc()
        - time::Duration::nanoseconds(1))
}

fn distinct_institutions(rows: &[stt::InstitutionRecord], integrated: bool) -> i64 {
    let set: HashSet<Uuid> = rows
        .iter()
        .filter(|r| !integrated || r.stage == "integrated")
        .map(|r| r.institution_id)
        .collect();
    i64::try_from(set.len()).unwrap_or(i64::MAX)
}

fn in_implementation(models: &[ModelAt]) -> i64 {
    let n = models
        .iter()
        .filter(|m| ModelStage::parse(&m.stage).is_some_and(ModelStage::in_implementation))
        .count();
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn country_owner(c: &CountryCode) -> Owner {
    Owner {
        institution_id: None,
        country: c.clone(),
    }
}

/// True when `actor` may open the records behind a figure of `source` for `country`
/// (`None`: the whole program). Pages use it to decide whether a figure is a link; the
/// records use case checks the same.
pub fn records_visible(
    actor: &Actor,
    country: Option<&CountryCode>,
    source: IndicatorSource,
) -> bool {
    let readable = match (list_scope(actor, Action::ReadResultRecords), country) {
        (Ok(ListScope::All), _) => true,
        (Ok(_), Some(c)) => {
            authorize(actor, Action::ReadResultRecords, Some(&country_owner(c))).is_ok()
        }
        _ => false,
    };
    let listable = match source {
        // Counted records of the other modules are not listed here: cases never are
        // (their own pages decide who sees one), exercises and plans have their pages.
        s if s.module() != "training" && s.module() != "models" && s.module() != "manual" => false,
        // People by name: only for roles that read every participant of the country.
        IndicatorSource::IndividualsTrained => {
            match (list_scope(actor, Action::ManageCourses), country) {
                (Ok(ListScope::All), _) => true,
                (Ok(ListScope::Country(own)), Some(c)) => own == *c,
                _ => false,
            }
        }
        _ => true,
    };
    readable && listable
}

/// Which periods of a series read the other modules' figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModuleNeed {
    None,
    Last,
    All,
}

impl App {
    /// The key figures of each period. The other modules' figures are read for every
    /// period only when `modules` says so (an indicator's trend needs them), else for the
    /// last period when it asks for that (the page's table) — each costs a pass over the
    /// scope's cases.
    async fn series(
        &self,
        country: Option<&str>,
        periods: &[Period],
        modules: ModuleNeed,
    ) -> Result<Series> {
        let bounds: Vec<(String, String)> = periods
            .iter()
            .map(|p| (p.first.to_string(), p.last.to_string()))
            .collect();
        let trained = stt::trained_by_period(&self.db, country, &bounds).await?;
        let inst = stt::institution_records(&self.db, country, false).await?;
        let targeted = distinct_institutions(&inst, false);
        let integrated = distinct_institutions(&inst, true);
        let mut out = Vec::with_capacity(periods.len());
        let n = periods.len();
        for (k, (p, t)) in periods.iter().zip(trained).enumerate() {
            let models = sd::models_at(&self.db, country, end_of(p)?).await?;
            let read = match modules {
                ModuleNeed::None => false,
                ModuleNeed::Last => k + 1 == n,
                ModuleNeed::All => true,
            };
            out.push(KeyFigures {
                individuals_trained: t,
                institutions_targeted: targeted,
                institutions_integrated: integrated,
                models_in_implementation: in_implementation(&models),
                modules: if read {
                    self.module_figures(country, p).await?
                } else {
                    ModuleFigures::default()
                },
            });
        }
        Ok(Series(out))
    }

    /// The dashboard: one country's (when `country` is given, or for readers of their
    /// own country only), else the whole program. Another country is "not found".
    pub async fn dashboard(
        &self,
        actor: &Actor,
        country: Option<&CountryCode>,
        period: Period,
    ) -> Result<Dashboard> {
        let country = match (country, list_scope(actor, Action::ReadResults)?) {
            (Some(c), _) => c.clone(),
            (None, ListScope::All) => {
                return Ok(Dashboard::Program(self.program_dashboard(period).await?));
            }
            (None, _) => actor.country.clone(),
        };
        authorize(actor, Action::ReadResults, Some(&country_owner(&country)))?;
        Ok(Dashboard::Country(
            self.country_dashboard(&country, period, ModuleNeed::Last)
                .await?,
        ))
    }

    async fn country_dashboard(
        &self,
        country: &CountryCode,
        period: Period,
        shown: ModuleNeed,
    ) -> Result<CountryDashboard> {
        let c = country.as_str();
        let periods = last_periods(period, TREND_PERIODS);
        let list = st::list_indicators(&self.db, c).await?;
        let trends_need_modules = list.iter().any(|i| {
            IndicatorSource::parse(&i.source)
                .is_some_and(|s| !matches!(s.module(), "training" | "models" | "manual"))
        });
        let need = if trends_need_modules {
            ModuleNeed::All
        } else {
            shown
        };
        let series = self.series(Some(c), &periods, need).await?;
        let key = series.0.last().copied().unwrap_or_default();
        let codes: Vec<String> = periods.iter().map(Period::code).collect();
        let targets: HashMap<(Uuid, String), i64> = sd::targets_of_country(&self.db, c)
            .await?
            .into_iter()
            .map(|(i, p, v)| ((i, p), v))
            .collect();
        let manual: HashMap<(Uuid, String), i64> = sd::latest_values_of_country(&self.db, c)
            .await?
            .into_iter()
            .map(|(i, p, v)| ((i, p), v))
            .collect();
        let nodes: HashMap<Uuid, String> = st::list_nodes(&self.db, c)
            .await?
            .into_iter()
            .map(|n| (n.result_node_id, format!("{} · {}", n.code, n.title)))
            .collect();
        let mut indicators = Vec::new();
        for i in list {
            let source = IndicatorSource::parse(&i.source).context("unknown indicator source")?;
            let direction = Direction::parse(&i.direction).context("unknown direction")?;
            let trend: Vec<TrendPoint> = codes
                .iter()
                .zip(&series.0)
                .map(|(code, k)| {
                    let key = (i.indicator_id, code.clone());
                    TrendPoint {
                        period: code.clone(),
                        target: targets.get(&key).copied(),
                        actual: match source {
                            IndicatorSource::Manual => manual.get(&key).copied(),
                            s => k.of(s),
                        },
                    }
                })
                .collect();
            let (target, actual) = trend.last().map_or((None, None), |t| (t.target, t.actual));
            indicators.push(IndicatorStatus {
                node: nodes.get(&i.result_node_id).cloned().unwrap_or_default(),
                source,
                target,
                actual,
                percent: percent_of_target(target, actual),
                standing: Standing::judge(direction, target, actual),
                trend,
                indicator: i,
            });
        }
        Ok(CountryDashboard {
            country: country.clone(),
            period,
            periods,
            key,
            indicators,
        })
    }

    async fn program_dashboard(&self, period: Period) -> Result<ProgramDashboard> {
        let periods = last_periods(period, TREND_PERIODS);
        let mut countries = Vec::new();
        for code in COUNTRIES {
            let country = CountryCode::parse(code).context("unknown country in list")?;
            let d = self
                .country_dashboard(&country, period, ModuleNeed::None)
                .await?;
            let count = |s: Standing| d.indicators.iter().filter(|i| i.standing == s).count();
            countries.push(CountrySummary {
                indicators: d.indicators.len(),
                on_track: count(Standing::OnTrack),
                behind: count(Standing::Behind),
                key: d.key,
                country,
            });
        }
        let trend = self.series(None, &periods, ModuleNeed::Last).await?.0;
        Ok(ProgramDashboard {
            period,
            totals: trend.last().copied().unwrap_or_default(),
            trend,
            periods,
            countries,
        })
    }
}

/// Which figure's records are asked for.
#[derive(Debug, Clone, Copy)]
pub enum RecordsOf {
    /// A computed source of a country (or, with no country, the whole program).
    Source(IndicatorSource),
    /// One indicator (its country and source come from it).
    Indicator(Uuid),
}

/// A trained person and the courses that count them.
#[derive(Debug, Clone)]
pub struct TrainedPerson {
    pub full_name: String,
    pub institution: String,
    /// (course title, day of its last session).
    pub courses: Vec<(String, String)>,
}

/// An institution and the courses or adaptations that count it.
#[derive(Debug, Clone)]
pub struct CountedInstitution {
    pub acronym: String,
    pub name: String,
    pub country_code: String,
    /// (kind `course`|`adaptation`, title, stage).
    pub items: Vec<(String, String, String)>,
}

/// The records behind a figure.
#[derive(Debug, Clone)]
pub enum RecordList {
    Trained(Vec<TrainedPerson>),
    Institutions(Vec<CountedInstitution>),
    Models(Vec<ModelAt>),
    /// A manual indicator's entries for the period, oldest first (the latest counts).
    Values(Vec<st::ValueView>),
}

impl RecordList {
    /// How many records the figure counts (for manual values: entries, of which the
    /// latest is the figure).
    pub fn len(&self) -> usize {
        match self {
            RecordList::Trained(v) => v.len(),
            RecordList::Institutions(v) => v.len(),
            RecordList::Models(v) => v.len(),
            RecordList::Values(v) => v.len(),
        }
    }

    /// True when nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A records page.
#[derive(Debug, Clone)]
pub struct Records {
    /// `None`: the whole program.
    pub country: Option<CountryCode>,
    pub period: Period,
    pub source: IndicatorSource,
    pub indicator: Option<st::IndicatorRow>,
    /// The figure the list stands behind.
    pub figure: Option<i64>,
    pub list: RecordList,
}

impl App {
    /// The records a figure counts, for readers allowed to see them (see
    /// [`records_visible`]); anything else is "not found". A list of people by name is
    /// audited (`results.records.read`), like a participant export.
    pub async fn result_records(
        &self,
        actor: &Actor,
        country: Option<&CountryCode>,
        period: Period,
        of: RecordsOf,
    ) -> Result<Records> {
        let (country, source, indicator) = match of {
            RecordsOf::Indicator(id) => {
                let (ind, c) = st::get_indicator(&self.db, id)
                    .await?
                    .ok_or(RuleError::NotFound)?;
                let c = CountryCode::parse(&c).context("unknown country stored")?;
                let s = IndicatorSource::parse(&ind.source).context("unknown indicator source")?;
                (Some(c), s, Some(ind))
            }
            RecordsOf::Source(s) => (country.cloned(), s, None),
        };
        if !records_visible(actor, country.as_ref(), source) {
            return Err(RuleError::NotFound.into());
        }
        let c = country.as_ref().map(CountryCode::as_str);
        let (list, figure) = match source {
            IndicatorSource::IndividualsTrained => {
                let f = stt::FiguresFilter {
                    country: c.map(str::to_owned),
                    from: Some(period.first.to_string()),
                    to: Some(period.last.to_string()),
                };
                let mut people: BTreeMap<(String, Uuid), TrainedPerson> = BTreeMap::new();
                for r in stt::trained_records(&self.db, &f).await? {
                    people
                        .entry((r.full_name.clone(), r.participant_id))
                        .or_insert_with(|| TrainedPerson {
                            full_name: r.full_name,
                            institution: r.institution,
                            courses: Vec::new(),
                        })
                        .courses
                        .push((r.course, r.completed_on));
                }
                let n = i64::try_from(people.len()).unwrap_or(i64::MAX);
                (RecordList::Trained(people.into_values().collect()), Some(n))
            }
            IndicatorSource::InstitutionsTargeted | IndicatorSource::InstitutionsIntegrated => {
                let integrated = source == IndicatorSource::InstitutionsIntegrated;
                let rows = stt::institution_records(&self.db, c, integrated).await?;
                let n = distinct_institutions(&rows, integrated);
                let mut out: Vec<CountedInstitution> = Vec::new();
                let mut last: Option<Uuid> = None;
                for r in rows {
                    if last != Some(r.institution_id) {
                        out.push(CountedInstitution {
                            acronym: r.acronym,
                            name: r.name,
                            country_code: r.country_code,
                            items: Vec::new(),
                        });
                        last = Some(r.institution_id);
                    }
                    if let Some(i) = out.last_mut() {
                        i.items.push((r.kind, r.title, r.stage));
                    }
                }
                (RecordList::Institutions(out), Some(n))
            }
            IndicatorSource::ModelsInImplementation => {
                let models: Vec<ModelAt> = sd::models_at(&self.db, c, end_of(&period)?)
                    .await?
                    .into_iter()
                    .filter(|m| {
                        ModelStage::parse(&m.stage).is_some_and(ModelStage::in_implementation)
                    })
                    .collect();
                let n = in_implementation(&models);
                (RecordList::Models(models), Some(n))
            }
            IndicatorSource::Manual => {
                let Some(ind) = &indicator else {
                    return Err(RuleError::NotFound.into());
                };
                let code = period.code();
                let values: Vec<st::ValueView> = st::values_of(&self.db, ind.indicator_id)
                    .await?
                    .into_iter()
                    .filter(|v| v.period_code == code)
                    .collect();
                let latest = values.last().map(|v| v.value);
                (RecordList::Values(values), latest)
            }
            _ => return Err(RuleError::NotFound.into()),
        };
        if let RecordList::Trained(people) = &list {
            let now = self.now();
            let mut tx = self.db.begin().await?;
            let ev = NewEvent::new(
                By::User(actor).audit_actor(),
                "results.records.read",
                "country",
                c.unwrap_or("all"),
                format!(
                    "source={} period={} rows={}",
                    source.as_str(),
                    period.code(),
                    people.len()
                ),
            );
            st_audit::append(&mut tx, now, &ev).await?;
            tx.commit().await?;
        }
        Ok(Records {
            country,
            period,
            source,
            indicator,
            figure,
            list,
        })
    }
}
