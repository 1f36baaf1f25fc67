//! Aggregate case statistics for program staff and observers (never a person) and the
//! anonymised CTDC-compatible export, k-anonymous by suppression with the number of
//! suppressed records reported.
//!
//! Invariants: statistics come from grouped queries (no row per person leaves the
//! store); the export holds only the CTDC quasi-identifiers and flags, each combination
//! shared by at least `k` records; every export is audited with its counts.

use crate::{App, By, Result};
use atlas_domain::FieldErrors;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, authorize};
use atlas_domain::cases::{
    EXPORT_COLUMNS, ExploitationType, ExportRow, MeansOfControl, code_set, export_row, k_anonymise,
};
use atlas_store::audit as st_audit;
use atlas_store::cases as st;
use std::collections::BTreeMap;

/// The statistics page's figures.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CaseStatistics {
    pub victims: i64,
    pub by_type: BTreeMap<String, i64>,
    pub by_sex: BTreeMap<String, i64>,
    pub by_age_band: BTreeMap<String, i64>,
    pub by_month: BTreeMap<String, i64>,
    pub by_province: BTreeMap<String, i64>,
    pub referrals_by_state: BTreeMap<String, i64>,
    pub referrals_answered: i64,
    /// Mean hours from sending to accepting or declining, over answered referrals.
    pub mean_hours_to_answer: Option<f64>,
    pub sentences: BTreeMap<String, i64>,
}

/// The anonymised export: header, rows and how many records were suppressed.
#[derive(Debug, Clone)]
pub struct AnonymisedExport {
    pub header: Vec<&'static str>,
    pub rows: Vec<ExportRow>,
    pub suppressed: usize,
    pub k: usize,
}

impl App {
    /// Aggregate statistics of `country` (or all countries).
    pub async fn case_statistics(
        &self,
        actor: &Actor,
        country: Option<&str>,
    ) -> Result<CaseStatistics> {
        authorize(actor, Action::ReadCaseStatistics, None)?;
        let mut s = CaseStatistics::default();
        for g in st::victim_groups(&self.db, country).await? {
            s.victims += g.n;
            for t in g.exploitation_types.split(',').filter(|t| !t.is_empty()) {
                *s.by_type.entry(t.to_owned()).or_default() += g.n;
            }
            *s.by_sex.entry(g.sex.clone()).or_default() += g.n;
            *s.by_age_band.entry(g.age_band.clone()).or_default() += g.n;
            *s.by_month.entry(g.month.clone()).or_default() += g.n;
            *s.by_province
                .entry(g.province.clone().unwrap_or_else(|| "—".into()))
                .or_default() += g.n;
        }
        let mut minutes = 0i64;
        for g in st::referral_groups(&self.db, country).await? {
            s.referrals_by_state.insert(g.state, g.n);
            s.referrals_answered += g.answered;
            minutes += g.answer_minutes;
        }
        if s.referrals_answered > 0 {
            s.mean_hours_to_answer = Some(minutes as f64 / 60.0 / s.referrals_answered as f64);
        }
        s.sentences = st::legal_outcomes(&self.db, country)
            .await?
            .into_iter()
            .collect();
        Ok(s)
    }

    /// The anonymised export of `country` (or all): CTDC columns, k-anonymous by
    /// suppression. Audited `cases.export` with the row and suppression counts.
    pub async fn case_export(
        &self,
        actor: &Actor,
        country: Option<&str>,
    ) -> Result<AnonymisedExport> {
        authorize(actor, Action::ReadCaseStatistics, None)?;
        let k = self.settings.cases.k_anonymity.max(2);
        let mut rows = Vec::new();
        let mut ignore = FieldErrors::new();
        for v in st::export_sources(&self.db, country).await? {
            let year = v
                .identified_on
                .get(..4)
                .and_then(|y| y.parse().ok())
                .unwrap_or(0);
            let types = code_set(
                &v.exploitation_types,
                ExploitationType::parse,
                "t",
                &mut ignore,
            );
            let means = code_set(&v.means_of_control, MeansOfControl::parse, "m", &mut ignore);
            rows.push(export_row(
                year,
                &v.sex,
                &v.age_band,
                &v.nationality,
                &v.country_code,
                &types,
                &means,
            ));
        }
        let (rows, suppressed) = k_anonymise(rows, k);
        let mut tx = self.db.begin().await?;
        st_audit::append(
            &mut tx,
            self.now(),
            &NewEvent::new(
                By::User(actor).audit_actor(),
                "cases.export",
                "case_record",
                country.unwrap_or("all"),
                format!("rows={};suppressed={suppressed};k={k}", rows.len()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(AnonymisedExport {
            header: EXPORT_COLUMNS.to_vec(),
            rows,
            suppressed,
            k,
        })
    }
}
