//! Dashboard maths, pure: where an indicator stands against its target (respecting its
//! direction), the percent of target reached, and the run of periods a trend shows.
//!
//! Invariants: an indicator without a target, or without a value, has no standing to
//! judge (never "behind" by default); percent of target is `None` when the target is 0
//! or either figure is missing; a trend's periods are consecutive, of one kind, oldest
//! first, and end with the period asked for.

use crate::results::{Direction, Period};

/// Where an indicator stands for a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The actual meets the target in the indicator's direction.
    OnTrack,
    /// The actual falls short of the target in the indicator's direction.
    Behind,
    /// No target was set for the period.
    NoTarget,
    /// No value yet (a manual indicator without an entry, or a module still to come).
    NotRecorded,
}

impl Standing {
    /// Judges `actual` against `target`: for an increasing indicator at least the
    /// target is on track; for a decreasing one at most the target is.
    pub fn judge(direction: Direction, target: Option<i64>, actual: Option<i64>) -> Self {
        match (target, actual) {
            (_, None) => Standing::NotRecorded,
            (None, Some(_)) => Standing::NoTarget,
            (Some(t), Some(a)) => {
                let ok = match direction {
                    Direction::Increase => a >= t,
                    Direction::Decrease => a <= t,
                };
                if ok {
                    Standing::OnTrack
                } else {
                    Standing::Behind
                }
            }
        }
    }

    /// The stable code (for messages and CSS classes).
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::OnTrack => "on_track",
            Standing::Behind => "behind",
            Standing::NoTarget => "no_target",
            Standing::NotRecorded => "not_recorded",
        }
    }
}

/// `actual` as a whole percent of `target` (rounded half up); `None` without both or
/// with a zero target.
pub fn percent_of_target(target: Option<i64>, actual: Option<i64>) -> Option<i64> {
    let (t, a) = (target?, actual?);
    if t <= 0 {
        return None;
    }
    let p = (i128::from(a) * 200 + i128::from(t)) / (i128::from(t) * 2);
    i64::try_from(p).ok()
}

/// The period of the same kind just before `p`.
pub fn previous(p: &Period) -> Option<Period> {
    Period::containing(p.kind, p.first.previous_day()?)
}

/// The `n` periods of `p`'s kind ending with `p`, oldest first (fewer only at the very
/// beginning of the calendar).
pub fn last_periods(p: Period, n: usize) -> Vec<Period> {
    let mut v = Vec::with_capacity(n);
    let mut cur = Some(p);
    while let Some(c) = cur {
        if v.len() == n {
            break;
        }
        v.push(c);
        cur = previous(&c);
    }
    v.reverse();
    v
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn standing_respects_the_direction_and_never_judges_missing_figures() {
        use Direction::*;
        assert_eq!(
            Standing::judge(Increase, Some(60), Some(72)),
            Standing::OnTrack
        );
        assert_eq!(
            Standing::judge(Increase, Some(60), Some(60)),
            Standing::OnTrack
        );
        assert_eq!(
            Standing::judge(Increase, Some(60), Some(59)),
            Standing::Behind
        );
        assert_eq!(
            Standing::judge(Decrease, Some(10), Some(12)),
            Standing::Behind
        );
        assert_eq!(
            Standing::judge(Decrease, Some(10), Some(3)),
            Standing::OnTrack
        );
        assert_eq!(Standing::judge(Increase, None, Some(3)), Standing::NoTarget);
        assert_eq!(
            Standing::judge(Increase, Some(3), None),
            Standing::NotRecorded
        );
        assert_eq!(
            Standing::judge(Decrease, Some(0), Some(0)),
            Standing::OnTrack
        );
    }

    #[test]
    fn percent_of_target_rounds_and_refuses_a_zero_target() {
        assert_eq!(percent_of_target(Some(60), Some(72)), Some(120));
        assert_eq!(percent_of_target(Some(3), Some(1)), Some(33));
        assert_eq!(percent_of_target(Some(3), Some(2)), Some(67));
        assert_eq!(percent_of_target(Some(0), Some(5)), None);
        assert_eq!(percent_of_target(None, Some(5)), None);
        assert_eq!(percent_of_target(Some(5), None), None);
    }

    #[test]
    fn a_trend_is_six_consecutive_periods_of_one_kind_ending_with_the_one_asked() {
        let codes = |p: &str| {
            last_periods(Period::parse(p).unwrap(), 6)
                .iter()
                .map(Period::code)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes("FY2026-H1"),
            [
                "FY2023-H2",
                "FY2024-H1",
                "FY2024-H2",
                "FY2025-H1",
                "FY2025-H2",
                "FY2026-H1"
            ]
        );
        assert_eq!(
            codes("2026-Q1"),
            [
                "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"
            ]
        );
        assert_eq!(
            codes("2026-02"),
            [
                "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"
            ]
        );
    }

    #[test]
    fn records_behind_figures_are_never_for_observers() {
        use crate::auth::{Action, Role, Scope, scope};
        assert_eq!(scope(Role::Observer, Action::ReadResultRecords), None);
        assert_eq!(scope(Role::Observer, Action::ReadResults), Some(Scope::All));
        assert_eq!(
            scope(Role::Admin, Action::ReadResultRecords),
            Some(Scope::All)
        );
        assert_eq!(
            scope(Role::Caseworker, Action::ReadResultRecords),
            Some(Scope::Country)
        );
    }
}
