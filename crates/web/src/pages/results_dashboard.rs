//! The results dashboard (`/results/dashboard`): per country, every indicator of the
//! framework against its target for a period with an SVG bar chart, its percent of
//! target and standing, and a trend over the last six periods; for the whole program
//! (readers of every country, `country` empty), a summary per country and the program's
//! computed key figures with their trend. And the records behind a figure
//! (`/results/records`): who was trained, which institutions, which models, which manual
//! entries — for roles allowed to see them; observers get figures without links, and the
//! records page is "not found" for them.
//!
//! Charts come from [`super::results_charts`]; every chart's numbers are also in a table.

use super::results_charts::{TargetChart, TrendBar, TrendChart, target_svg, trend_svg};
use super::results_export::{category_label, dimension_label};
use super::{Shell, err, render};
use crate::AppState;
use crate::extract::{Params, UserCtx};
use crate::i18n::I18n;
use askama::Template;
use atlas_core::results_dashboard::{
    CountryDashboard, Dashboard, IndicatorStatus, KeyFigures, ProgramDashboard, RecordList,
    Records, RecordsOf, records_visible,
};
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::auth::Actor;
use atlas_domain::directory::CountryCode;
use atlas_domain::results::{IndicatorSource, Period, PeriodKind};
use axum::extract::State;
use axum::response::Response;
use std::collections::HashMap;
use uuid::Uuid;

/// The semi-annual period of the app clock's today.
fn current_period(state: &AppState) -> Period {
    let today = state.app.now().date();
    // A day always lies in a semi-annual period; the fallback is unreachable.
    Period::containing(PeriodKind::SemiAnnual, today).unwrap_or(Period {
        kind: PeriodKind::Month,
        first: today,
        last: today,
    })
}

/// The `period` parameter, else the current one; a bad code is a 422 naming the field.
fn period_of(state: &AppState, p: &Params) -> Result<Period, RuleError> {
    match p.get("period") {
        None => Ok(current_period(state)),
        Some(code) => Period::parse(code)
            .ok_or_else(|| RuleError::Invalid(FieldErrors::single("period", "period-unknown"))),
    }
}

/// The link to the records behind a figure, when `actor` may open them.
pub fn records_href(
    actor: &Actor,
    country: Option<&CountryCode>,
    period: &str,
    source: IndicatorSource,
    indicator: Option<Uuid>,
) -> Option<String> {
    // The other modules' records live on their own pages, which apply their own
    // scope; cases are counts only and never linked.
    match source.module() {
        "cartography" => {
            return atlas_domain::auth::can(actor, atlas_domain::auth::Action::ReadCartography)
                .then(|| "/cartography".to_owned());
        }
        "guide" => {
            return atlas_domain::auth::can(actor, atlas_domain::auth::Action::ReadGuideDocuments)
                .then(|| "/guide/docs".to_owned());
        }
        "cases" => return None,
        _ => {}
    }
    if !records_visible(actor, country, source) {
        return None;
    }
    Some(match (indicator, source) {
        (Some(id), IndicatorSource::Manual) => {
            format!("/results/records?indicator={id}&period={period}")
        }
        _ => match country {
            Some(c) => format!(
                "/results/records?source={}&country={}&period={period}",
                source.as_str(),
                c.as_str()
            ),
            None => format!(
                "/results/records?source={}&period={period}",
                source.as_str()
            ),
        },
    })
}

fn or_dash(v: Option<i64>) -> String {
    v.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

/// A key figure: its label, value and link.
struct FigureView {
    label: String,
    value: i64,
    href: Option<String>,
}

const KEY_SOURCES: [IndicatorSource; 4] = [
    IndicatorSource::IndividualsTrained,
    IndicatorSource::InstitutionsTargeted,
    IndicatorSource::InstitutionsIntegrated,
    IndicatorSource::ModelsInImplementation,
];

fn figure_label(i: &I18n, s: IndicatorSource) -> String {
    i.t(match s {
        IndicatorSource::IndividualsTrained => "figure-individuals-trained",
        IndicatorSource::InstitutionsTargeted => "figure-institutions-targeted",
        IndicatorSource::InstitutionsIntegrated => "figure-institutions-integrated",
        _ => "results-models-in-implementation",
    })
}

fn key_views(
    i: &I18n,
    actor: &Actor,
    country: Option<&CountryCode>,
    period: &str,
    k: &KeyFigures,
) -> Vec<FigureView> {
    KEY_SOURCES
        .iter()
        .map(|s| FigureView {
            label: figure_label(i, *s),
            value: k.of(*s).unwrap_or(0),
            href: records_href(actor, country, period, *s, None),
        })
        .collect()
}

/// The module sources shown beside the key figures, in the order of the framework form.
fn module_views(
    i: &I18n,
    actor: &Actor,
    country: Option<&CountryCode>,
    period: &str,
    k: &KeyFigures,
) -> Vec<(String, Option<i64>, Option<String>)> {
    IndicatorSource::ALL
        .iter()
        .filter(|s| !matches!(s.module(), "training" | "models" | "manual"))
        .map(|s| {
            (
                i.code("figure-source", s.as_str()),
                k.of(*s),
                records_href(actor, country, period, *s, None),
            )
        })
        .collect()
}

/// An indicator as the page shows it.
struct IndicatorView {
    id: Uuid,
    title: String,
    node: String,
    suffix: &'static str,
    target: Option<i64>,
    actual: Option<i64>,
    percent: Option<i64>,
    standing: &'static str,
    href: Option<String>,
    chart: String,
    trend_chart: String,
    /// (period, target, actual) oldest first.
    trend: Vec<(String, Option<i64>, Option<i64>)>,
    /// The actual broken down: (dimension label, [(category label, value)]).
    breakdown: Vec<(String, Vec<(String, i64)>)>,
}

fn indicator_view(
    i: &I18n,
    actor: &Actor,
    d: &CountryDashboard,
    period: &str,
    x: &IndicatorStatus,
    breakdown: Option<&atlas_core::results_export::Breakdown>,
) -> IndicatorView {
    let id = x.indicator.indicator_id;
    let suffix = if x.indicator.unit == "percent" {
        "%"
    } else {
        ""
    };
    let standing = x.standing.as_str();
    let status = i.code("resdash-standing", standing);
    let summary = i.ta(
        "resdash-chart-summary",
        &[
            ("title", x.indicator.title.clone()),
            ("actual", or_dash(x.actual)),
            ("target", or_dash(x.target)),
            ("status", status),
        ],
    );
    let chart = target_svg(&TargetChart {
        id: &format!("c-{id}"),
        title: &x.indicator.title,
        summary: &summary,
        actual_label: &i.t("resdash-actual"),
        target_label: &i.t("resdash-target"),
        actual: x.actual,
        target: x.target,
        standing,
        suffix,
    });
    let bars: Vec<TrendBar> = x
        .trend
        .iter()
        .map(|t| TrendBar {
            label: t.period.clone(),
            target: t.target,
            actual: t.actual,
        })
        .collect();
    let values = x
        .trend
        .iter()
        .map(|t| format!("{} {}", t.period, or_dash(t.actual)))
        .collect::<Vec<_>>()
        .join(", ");
    let trend_summary = i.ta(
        "resdash-trend-summary",
        &[("title", x.indicator.title.clone()), ("values", values)],
    );
    let trend_chart = trend_svg(&TrendChart {
        id: &format!("t-{id}"),
        title: &i.t1("resdash-trend-of", "title", &x.indicator.title),
        summary: &trend_summary,
        bars: &bars,
    });
    IndicatorView {
        id,
        title: x.indicator.title.clone(),
        node: x.node.clone(),
        suffix,
        target: x.target,
        actual: x.actual,
        percent: x.percent,
        standing,
        href: x
            .actual
            .and_then(|_| records_href(actor, Some(&d.country), period, x.source, Some(id))),
        chart,
        trend_chart,
        trend: x
            .trend
            .iter()
            .map(|t| (t.period.clone(), t.target, t.actual))
            .collect(),
        breakdown: breakdown
            .into_iter()
            .flatten()
            .map(|(d, cats)| {
                (
                    dimension_label(i, *d),
                    cats.iter()
                        .map(|(c, v)| (category_label(i, *d, c), *v))
                        .collect(),
                )
            })
            .collect(),
    }
}

/// One country's line of the whole-program view.
struct CountryRowView {
    code: String,
    figures: Vec<FigureView>,
    indicators: usize,
    on_track: usize,
    behind: usize,
}

/// One key figure's trend over the program.
struct ProgramTrendView {
    label: String,
    chart: String,
}

#[derive(Template)]
#[template(path = "results/dashboard.html")]
struct DashboardPage {
    s: Shell,
    period_code: String,
    period_first: String,
    period_last: String,
    /// The country shown, empty for the whole program.
    country: String,
    /// The countries the reader may switch between (empty: only their own).
    countries: Vec<&'static str>,
    key: Vec<FigureView>,
    /// The cartography, guide and case figures: label and value (`None`: not yet recorded).
    modules: Vec<(String, Option<i64>, Option<String>)>,
    indicators: Vec<IndicatorView>,
    rows: Vec<CountryRowView>,
    program_trends: Vec<ProgramTrendView>,
    trend_codes: Vec<String>,
    program_trend_rows: Vec<(String, Vec<i64>)>,
}

fn country_page(
    s: Shell,
    actor: &Actor,
    d: CountryDashboard,
    all: bool,
    breakdowns: &HashMap<Uuid, atlas_core::results_export::Breakdown>,
) -> DashboardPage {
    let code = d.period.code();
    let indicators = d
        .indicators
        .iter()
        .map(|x| {
            indicator_view(
                &s.i18n,
                actor,
                &d,
                &code,
                x,
                breakdowns.get(&x.indicator.indicator_id),
            )
        })
        .collect();
    DashboardPage {
        key: key_views(&s.i18n, actor, Some(&d.country), &code, &d.key),
        modules: module_views(&s.i18n, actor, Some(&d.country), &code, &d.key),
        period_first: d.period.first.to_string(),
        period_last: d.period.last.to_string(),
        period_code: code,
        country: d.country.as_str().to_owned(),
        countries: if all {
            atlas_domain::directory::COUNTRIES.to_vec()
        } else {
            Vec::new()
        },
        indicators,
        rows: Vec::new(),
        program_trends: Vec::new(),
        trend_codes: d.periods.iter().map(Period::code).collect(),
        program_trend_rows: Vec::new(),
        s,
    }
}

fn program_page(s: Shell, actor: &Actor, d: ProgramDashboard) -> DashboardPage {
    let code = d.period.code();
    let codes: Vec<String> = d.periods.iter().map(Period::code).collect();
    let rows = d
        .countries
        .iter()
        .map(|c| CountryRowView {
            code: c.country.as_str().to_owned(),
            figures: key_views(&s.i18n, actor, Some(&c.country), &code, &c.key),
            indicators: c.indicators,
            on_track: c.on_track,
            behind: c.behind,
        })
        .collect();
    let mut program_trends = Vec::new();
    let mut program_trend_rows = Vec::new();
    for (k, src) in KEY_SOURCES.iter().enumerate() {
        let label = figure_label(&s.i18n, *src);
        let values: Vec<i64> = d.trend.iter().map(|f| f.of(*src).unwrap_or(0)).collect();
        let bars: Vec<TrendBar> = codes
            .iter()
            .zip(&values)
            .map(|(p, v)| TrendBar {
                label: p.clone(),
                target: None,
                actual: Some(*v),
            })
            .collect();
        let summary = codes
            .iter()
            .zip(&values)
            .map(|(p, v)| format!("{p} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let summary = s.i18n.ta(
            "resdash-trend-summary",
            &[("title", label.clone()), ("values", summary)],
        );
        program_trends.push(ProgramTrendView {
            chart: trend_svg(&TrendChart {
                id: &format!("p-{k}"),
                title: &s.i18n.t1("resdash-trend-of", "title", &label),
                summary: &summary,
                bars: &bars,
            }),
            label: label.clone(),
        });
        program_trend_rows.push((label, values));
    }
    DashboardPage {
        key: key_views(&s.i18n, actor, None, &code, &d.totals),
        modules: module_views(&s.i18n, actor, None, &code, &d.totals),
        period_first: d.period.first.to_string(),
        period_last: d.period.last.to_string(),
        period_code: code,
        country: String::new(),
        countries: atlas_domain::directory::COUNTRIES.to_vec(),
        indicators: Vec::new(),
        rows,
        program_trends,
        trend_codes: codes,
        program_trend_rows,
        s,
    }
}

/// GET /results/dashboard?country=&period=
pub async fn dashboard(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let actor = u.actor();
    let country = match p.get("country") {
        None => None,
        Some(c) => match CountryCode::parse(c) {
            Some(c) => Some(c),
            None => return err(RuleError::NotFound),
        },
    };
    let period = match period_of(&state, &p) {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let all = atlas_domain::auth::scope(actor.role, atlas_domain::auth::Action::ReadResults)
        == Some(atlas_domain::auth::Scope::All);
    match state.app.dashboard(actor, country.as_ref(), period).await {
        Ok(Dashboard::Country(d)) => {
            let rows: Vec<_> = d.indicators.iter().map(|x| x.indicator.clone()).collect();
            let breakdowns = match state
                .app
                .disaggregations(actor, &d.country, &d.period, &rows)
                .await
            {
                Ok(b) => b,
                Err(e) => return err(e),
            };
            let s = Shell::new(&u.ctx, "resdash-title");
            render(&country_page(s, actor, d, all, &breakdowns))
        }
        Ok(Dashboard::Program(d)) => {
            let s = Shell::new(&u.ctx, "resdash-title");
            render(&program_page(s, actor, d))
        }
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "results/records.html")]
struct RecordsPage {
    s: Shell,
    r: Records,
    heading: String,
    country: String,
    period_code: String,
    period_first: String,
    period_last: String,
    /// The count line: how many records, and the figure.
    count: String,
}

/// GET /results/records?period=&(indicator=|source=&country=)
pub async fn records(State(state): State<AppState>, u: UserCtx, p: Params) -> Response {
    let actor = u.actor();
    let period = match period_of(&state, &p) {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let country = match p.get("country") {
        None => None,
        Some(c) => match CountryCode::parse(c) {
            Some(c) => Some(c),
            None => return err(RuleError::NotFound),
        },
    };
    let of = match (p.get("indicator"), p.get("source")) {
        (Some(id), _) => match Uuid::parse_str(id) {
            Ok(id) => RecordsOf::Indicator(id),
            Err(_) => return err(RuleError::NotFound),
        },
        (None, Some(s)) => match IndicatorSource::parse(s) {
            Some(s) => RecordsOf::Source(s),
            None => {
                return err(RuleError::Invalid(FieldErrors::single(
                    "source",
                    "field-choice",
                )));
            }
        },
        (None, None) => {
            return err(RuleError::Invalid(FieldErrors::single(
                "source",
                "field-required",
            )));
        }
    };
    let r = match state
        .app
        .result_records(actor, country.as_ref(), period, of)
        .await
    {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "resdash-records-title");
    let heading = match &r.indicator {
        Some(i) => i.title.clone(),
        None => s.code("indicator-source", r.source.as_str()),
    };
    let count = match (&r.list, r.figure) {
        (RecordList::Values(v), f) => s.i18n.ta(
            "resdash-records-values",
            &[("n", v.len().to_string()), ("figure", or_dash(f))],
        ),
        (l, f) => s.i18n.ta(
            "resdash-records-count",
            &[("n", l.len().to_string()), ("figure", or_dash(f))],
        ),
    };
    render(&RecordsPage {
        heading,
        country: r
            .country
            .as_ref()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        period_code: r.period.code(),
        period_first: r.period.first.to_string(),
        period_last: r.period.last.to_string(),
        count,
        r,
        s,
    })
}

/// The framework page's links from each indicator's actual to its records (indicator id
/// → link), for the indicators `actor` may open the records of.
pub fn framework_links(
    actor: &Actor,
    fw: &atlas_core::results::Framework,
) -> std::collections::HashMap<String, String> {
    let code = fw.period.code();
    fw.nodes
        .iter()
        .flat_map(|n| &n.indicators)
        .filter(|l| l.actual.is_some())
        .filter_map(|l| {
            let source = IndicatorSource::parse(&l.indicator.source)?;
            let id = l.indicator.indicator_id;
            records_href(actor, Some(&fw.country), &code, source, Some(id))
                .map(|h| (id.to_string(), h))
        })
        .collect()
}
