//! Disaggregated figures and donor exports of a country's results framework.
//!
//! - [`App::disaggregations`] breaks each indicator's actual down by the dimensions it
//!   carries: individuals trained from the training figures' own groups (sex, age band,
//!   role = occupation, institution, and the province of that institution in the
//!   directory), manual indicators from the parts of their latest value for the period.
//!   Every table adds up to the actual: each trained person is in exactly one group, and
//!   manual parts are checked to add up when they are entered.
//! - [`App::donor_table`] is the one table of values the three exports (XLSX, HXL CSV,
//!   IATI XML, written by `atlas_render::donor`) are made from: the framework's target
//!   and actual for the period, the cumulative value and the parts. Cumulative means: for
//!   individuals trained, people trained from the start up to the period's last day (a
//!   person counts once); for manual whole-number indicators, the sum of the latest
//!   values of every period of the same kind that ends by then; for states (institutions
//!   targeted or integrated, models in implementation) and percentages, the value itself.
//!
//! Access: `ReadResults` (observers included — aggregates only, never names). An export
//! appends `results.export` (country, period, format, rows).

use crate::results::{country_owner, stored_country};
use crate::{App, By, Result};
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, authorize};
use atlas_domain::directory::{AreaLevel, CountryCode};
use atlas_domain::results::{IndicatorSource, Period};
use atlas_domain::results_disagg::{Disaggregation, Part, stored_dimensions, tables};
use atlas_render::donor;
use atlas_store::audit as st_audit;
use atlas_store::directory::{self as sd, ListFilter};
use atlas_store::results as st;
use std::collections::HashMap;
use uuid::Uuid;

/// An indicator's figure broken down: per dimension, (category, value) in category order.
pub type Breakdown = Vec<(Disaggregation, Vec<(String, i64)>)>;

/// The province category of an institution with no province in the directory.
pub const NO_PROVINCE: &str = "unknown";

const DIRECTORY_LIMIT: i64 = 100_000;

impl App {
    /// The directory categories of a country's disaggregations: its institutions'
    /// acronyms and its provinces' names.
    pub async fn disaggregation_categories(
        &self,
        country: &CountryCode,
    ) -> Result<HashMap<Disaggregation, Vec<String>>> {
        let f = ListFilter {
            country: Some(country.as_str().to_owned()),
            limit: DIRECTORY_LIMIT,
            ..Default::default()
        };
        let institutions = sd::list_institutions(&self.db, &f)
            .await?
            .into_iter()
            .map(|i| i.acronym)
            .collect();
        let provinces = sd::list_areas(
            &self.db,
            &ListFilter {
                level: Some(AreaLevel::Province.as_str().to_owned()),
                ..f
            },
        )
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
        Ok(HashMap::from([
            (Disaggregation::Institution, institutions),
            (Disaggregation::Province, provinces),
        ]))
    }

    /// The province of every institution (by acronym, per country): its area, walked up
    /// to the province.
    async fn institution_provinces(&self) -> Result<HashMap<(String, String), String>> {
        let all = ListFilter {
            limit: DIRECTORY_LIMIT,
            ..Default::default()
        };
        let areas: HashMap<Uuid, sd::AreaRow> = sd::list_areas(&self.db, &all)
            .await?
            .into_iter()
            .map(|a| (a.area_id, a))
            .collect();
        let province = |mut id: Option<Uuid>| {
            // The hierarchy has three levels; the bound guards against a cycle.
            for _ in 0..8 {
                let a = areas.get(&id?)?;
                if a.level == AreaLevel::Province.as_str() {
                    return Some(a.name.clone());
                }
                id = a.parent_id;
            }
            None
        };
        Ok(sd::list_institutions(&self.db, &all)
            .await?
            .into_iter()
            .filter_map(|i| province(i.area_id).map(|p| ((i.country_code, i.acronym), p)))
            .collect())
    }

    /// Each indicator's actual for `period` broken down by its dimensions (indicators
    /// without dimensions, or without data, are absent).
    pub async fn disaggregations(
        &self,
        actor: &Actor,
        country: &CountryCode,
        period: &Period,
        indicators: &[st::IndicatorRow],
    ) -> Result<HashMap<Uuid, Breakdown>> {
        authorize(actor, Action::ReadResults, Some(&country_owner(country)))?;
        let mut out = HashMap::new();
        let wanted: Vec<(&st::IndicatorRow, Vec<Disaggregation>)> = indicators
            .iter()
            .map(|i| (i, stored_dimensions(&i.disaggregations)))
            .filter(|(_, d)| !d.is_empty())
            .collect();
        if wanted.is_empty() {
            return Ok(out);
        }
        let mut trained: Option<Vec<Part>> = None;
        let mut manual: Option<Vec<st::PartRow>> = None;
        for (i, dims) in wanted {
            let parts: Vec<Part> = match IndicatorSource::parse(&i.source) {
                Some(IndicatorSource::IndividualsTrained) => {
                    if trained.is_none() {
                        trained = Some(self.trained_parts(actor, country, period).await?);
                    }
                    trained.clone().unwrap_or_default()
                }
                Some(IndicatorSource::Manual) => {
                    if manual.is_none() {
                        manual = Some(
                            st::latest_parts_for(&self.db, country.as_str(), &period.code())
                                .await?,
                        );
                    }
                    manual
                        .iter()
                        .flatten()
                        .filter(|p| p.indicator_id == i.indicator_id)
                        .filter_map(|p| {
                            Some(Part {
                                dimension: Disaggregation::parse(&p.dimension)?,
                                category: p.category.clone(),
                                value: p.value,
                            })
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            let t = tables(&dims, &parts);
            if !t.is_empty() {
                out.insert(i.indicator_id, t);
            }
        }
        Ok(out)
    }

    /// Individuals trained in `period` as parts of every dimension.
    async fn trained_parts(
        &self,
        actor: &Actor,
        country: &CountryCode,
        period: &Period,
    ) -> Result<Vec<Part>> {
        let f = self
            .training_figures(
                actor,
                Some(country),
                (
                    Some(period.first.to_string()),
                    Some(period.last.to_string()),
                ),
            )
            .await?;
        let provinces = self.institution_provinces().await?;
        let mut parts = Vec::new();
        let mut push = |d: Disaggregation, rows: &[(String, i64)]| {
            parts.extend(rows.iter().map(|(c, v)| Part {
                dimension: d,
                category: c.clone(),
                value: *v,
            }));
        };
        push(Disaggregation::Sex, &f.by_sex);
        push(Disaggregation::AgeBand, &f.by_age_band);
        push(Disaggregation::Role, &f.by_occupation);
        push(Disaggregation::Institution, &f.by_institution);
        // by_institution names the person's institution by acronym within the figures'
        // country; people from other countries' institutions are matched in theirs.
        let mut by_province: std::collections::BTreeMap<String, i64> = Default::default();
        for (acronym, n) in &f.by_institution {
            let p = provinces
                .get(&(country.as_str().to_owned(), acronym.clone()))
                .or_else(|| {
                    provinces
                        .iter()
                        .find(|((_, a), _)| a == acronym)
                        .map(|(_, p)| p)
                })
                .cloned()
                .unwrap_or_else(|| NO_PROVINCE.to_owned());
            *by_province.entry(p).or_default() += n;
        }
        let rows: Vec<(String, i64)> = by_province.into_iter().collect();
        push(Disaggregation::Province, &rows);
        Ok(parts)
    }

    /// The table of values behind the donor exports, audited as an export in `format`.
    pub async fn donor_table(
        &self,
        actor: &Actor,
        country: &CountryCode,
        period: Period,
        format: &str,
    ) -> Result<donor::Table> {
        let fw = self.framework(actor, country, period).await?;
        let indicators: Vec<st::IndicatorRow> = fw
            .nodes
            .iter()
            .flat_map(|n| n.indicators.iter().map(|l| l.indicator.clone()))
            .collect();
        let parts = self
            .disaggregations(actor, country, &period, &indicators)
            .await?;
        let manual_all = st::latest_values_all(&self.db, country.as_str()).await?;
        let mut trained_cumulative: Option<i64> = None;
        let mut module_cumulative: Option<crate::results_sources::ModuleFigures> = None;
        let by_id: HashMap<Uuid, &st::NodeRow> = fw
            .nodes
            .iter()
            .map(|n| (n.node.result_node_id, &n.node))
            .collect();
        let mut groups: Vec<donor::Group> = Vec::new();
        let mut rows_out = 0usize;
        for n in &fw.nodes {
            if n.indicators.is_empty() {
                continue;
            }
            // Outputs go on their outcome's sheet; outcomes and objectives on their own.
            let head = match n.node.level.as_str() {
                "output" => n.node.parent_id.and_then(|p| by_id.get(&p)).copied(),
                _ => None,
            }
            .unwrap_or(&n.node);
            let gi = match groups.iter().position(|g| g.code == head.code) {
                Some(i) => i,
                None => {
                    groups.push(donor::Group {
                        code: head.code.clone(),
                        title: head.title.clone(),
                        rows: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            for l in &n.indicators {
                let i = &l.indicator;
                let source = IndicatorSource::parse(&i.source);
                let cumulative = match source {
                    Some(IndicatorSource::IndividualsTrained) => {
                        if trained_cumulative.is_none() {
                            trained_cumulative = Some(
                                self.training_figures(
                                    actor,
                                    Some(country),
                                    (None, Some(period.last.to_string())),
                                )
                                .await?
                                .figures
                                .individuals_trained,
                            );
                        }
                        trained_cumulative
                    }
                    Some(
                        s @ (IndicatorSource::ReferralsMade
                        | IndicatorSource::ReferralsCompleted
                        | IndicatorSource::CasesIdentified
                        | IndicatorSource::CasesReferred
                        | IndicatorSource::CasesAssisted
                        | IndicatorSource::CasesProsecuted
                        | IndicatorSource::CasesSentenced),
                    ) => {
                        // Flows: the cumulative figure counts every period up to this one.
                        if module_cumulative.is_none() {
                            module_cumulative = Some(
                                self.module_figures(Some(country.as_str()), &period.to_date())
                                    .await?,
                            );
                        }
                        module_cumulative.and_then(|m| m.of(s))
                    }
                    Some(IndicatorSource::Manual) if i.unit == "number" => {
                        let mine: Vec<i64> = manual_all
                            .iter()
                            .filter(|(id, code, _)| {
                                *id == i.indicator_id
                                    && Period::parse(code).is_some_and(|p| {
                                        p.kind == period.kind && p.last <= period.last
                                    })
                            })
                            .map(|(_, _, v)| *v)
                            .collect();
                        (!mine.is_empty()).then(|| mine.iter().sum())
                    }
                    _ => l.actual,
                };
                groups[gi].rows.push(donor::Row {
                    node_code: n.node.code.clone(),
                    node_level: n.node.level.clone(),
                    node_title: n.node.title.clone(),
                    indicator_id: i.indicator_id.to_string(),
                    title: i.title.clone(),
                    definition: i.definition.clone(),
                    unit: i.unit.clone(),
                    ascending: i.direction != "decrease",
                    baseline: i.baseline,
                    baseline_year: i.created_at.year(),
                    target: l.target,
                    actual: l.actual,
                    cumulative,
                    parts: parts
                        .get(&i.indicator_id)
                        .into_iter()
                        .flatten()
                        .flat_map(|(d, cats)| {
                            cats.iter()
                                .map(|(c, v)| (d.as_str().to_owned(), c.clone(), *v))
                        })
                        .collect(),
                });
                rows_out += 1;
            }
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ev = NewEvent::new(
            By::User(actor).audit_actor(),
            "results.export",
            "country",
            country.as_str(),
            format!("period={} format={format} rows={rows_out}", period.code()),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(donor::Table {
            country: stored_country(country.as_str())?.as_str().to_owned(),
            period_code: period.code(),
            period_start: period.first.to_string(),
            period_end: period.last.to_string(),
            groups,
        })
    }
}
