//! The results framework's computed sources over the cartography, guide and case
//! modules. A module that holds nothing for the country (no exercise, no guide, no
//! case) gives `None` — "not yet recorded" — rather than a zero that would read as a
//! result.

use crate::App;
use anyhow::Result;
use atlas_domain::results::{IndicatorSource, Period, major_units};
use atlas_store::results_sources as src;

/// An amount of money in major units with its ISO 4217 currency.
use crate::results::Money;

/// The module figures of one period (`None`: not yet recorded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModuleFigures {
    pub mapping_exercises: Option<i64>,
    pub budget_committed: Option<i64>,
    pub actions_done: Option<i64>,
    pub guides_final: Option<i64>,
    pub referrals_made: Option<i64>,
    pub referrals_completed: Option<i64>,
    pub cases_identified: Option<i64>,
    pub cases_referred: Option<i64>,
    pub cases_assisted: Option<i64>,
    pub cases_prosecuted: Option<i64>,
    pub cases_sentenced: Option<i64>,
}

impl ModuleFigures {
    /// The value of a module source; `None` for sources these figures do not hold.
    pub fn of(&self, source: IndicatorSource) -> Option<i64> {
        use IndicatorSource::*;
        match source {
            MappingExercises => self.mapping_exercises,
            BudgetCommitted => self.budget_committed,
            ActionsDone => self.actions_done,
            GuidesFinal => self.guides_final,
            ReferralsMade => self.referrals_made,
            ReferralsCompleted => self.referrals_completed,
            CasesIdentified => self.cases_identified,
            CasesReferred => self.cases_referred,
            CasesAssisted => self.cases_assisted,
            CasesProsecuted => self.cases_prosecuted,
            CasesSentenced => self.cases_sentenced,
            IndividualsTrained
            | InstitutionsTargeted
            | InstitutionsIntegrated
            | ModelsInImplementation
            | Manual => None,
        }
    }
}

/// The plans' main currency and its total: of the currencies budgets are written in,
/// the one with the largest total in major units (ties: the first code alphabetically).
pub fn main_budget(totals: &[(String, i64)]) -> Option<Money> {
    totals
        .iter()
        .map(|(c, minor)| Money {
            amount: major_units(*minor, c),
            currency: c.clone(),
        })
        .fold(None, |best: Option<Money>, m| match best {
            Some(b)
                if b.amount > m.amount || (b.amount == m.amount && b.currency <= m.currency) =>
            {
                Some(b)
            }
            _ => Some(m),
        })
}

impl App {
    /// The module figures of `country` (`None`: the whole program) for `period`.
    pub async fn module_figures(
        &self,
        country: Option<&str>,
        period: &Period,
    ) -> Result<ModuleFigures> {
        self.module_figures_with(country, period, true).await
    }

    /// The module figures the key results show: as [`App::module_figures`] without the
    /// stages cases reached (the one figure here that needs a pass over every case's
    /// referrals and legal steps).
    pub async fn module_totals(&self, country: Option<&str>) -> Result<ModuleFigures> {
        self.module_figures_with(country, &Period::all_time(), false)
            .await
    }

    async fn module_figures_with(
        &self,
        country: Option<&str>,
        period: &Period,
        stages: bool,
    ) -> Result<ModuleFigures> {
        let first = period.first.to_string();
        let last = period.last.to_string();
        let from = period.first.midnight().assume_utc();
        // The day after the last (9999-12-31 has none: its own midnight is late enough).
        let to = period
            .last
            .next_day()
            .unwrap_or(period.last)
            .midnight()
            .assume_utc();
        // "Ever recorded" is the same question with an unbounded period.
        let any_exercise = src::exercises_by(&self.db, country, "9999-12-31").await? > 0;
        let (mapping_exercises, budget_committed, actions_done) = if any_exercise {
            (
                Some(src::exercises_by(&self.db, country, &last).await?),
                main_budget(&src::budget(&self.db, country).await?).map(|m| m.amount),
                Some(src::actions_done(&self.db, country).await?),
            )
        } else {
            (None, None, None)
        };
        let any_case = src::any_case(&self.db, country).await?;
        let mut f = ModuleFigures {
            mapping_exercises,
            budget_committed,
            actions_done,
            guides_final: match src::guides(&self.db, country).await? {
                (0, _) => None,
                (_, done) => Some(done),
            },
            ..ModuleFigures::default()
        };
        if any_case {
            let (made, completed) = src::referrals(&self.db, country, from, to).await?;
            f.referrals_made = Some(made);
            f.referrals_completed = Some(completed);
            if stages {
                let s = src::case_stages(&self.db, country, &first, &last).await?;
                f.cases_identified = Some(s.identified);
                f.cases_referred = Some(s.referred);
                f.cases_assisted = Some(s.assisted);
                f.cases_prosecuted = Some(s.prosecuted);
                f.cases_sentenced = Some(s.sentenced);
            } else {
                f.cases_identified =
                    Some(src::cases_identified(&self.db, country, &first, &last).await?);
            }
        }
        Ok(f)
    }

    /// The budget committed by a country's action plans, in its main currency; `None`
    /// while no plan holds a budgeted action.
    pub async fn budget_committed(&self, country: &str) -> Result<Option<Money>> {
        Ok(main_budget(&src::budget(&self.db, Some(country)).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_budget_is_the_largest_in_major_units() {
        let m = main_budget(&[("ARS".into(), 500_000_000), ("USD".into(), 1_000_000)]);
        assert_eq!(
            m,
            Some(Money {
                amount: 5_000_000,
                currency: "ARS".into()
            })
        );
        let m = main_budget(&[("CLP".into(), 300), ("USD".into(), 20_000)]);
        assert_eq!(m.map(|m| (m.amount, m.currency)), Some((300, "CLP".into())));
        assert_eq!(main_budget(&[]), None);
    }
}
