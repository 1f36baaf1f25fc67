//! Institutional adaptations of the master curriculum: an institution selects and orders
//! master presentations, adds local notes, names the course or framework it integrates
//! them into and records how far it has got (adapting, piloting, integrated).
//!
//! Rules kept here (pure):
//! - each item records the master presentation version it took; a newer master version
//!   is a *pending change* until the coordinator takes it (the item moves to that version)
//!   or leaves it (the version is recorded as seen; a later master version is pending
//!   again) — [`pending`];
//! - what changed is shown field by field between the snapshot of the version taken and
//!   the master as it is now — [`diff`];
//! - reordering swaps an item with its neighbour — [`moved`].

use crate::directory::{lenient, optional_text, required_text, string_enum};
use crate::error::{Error, FieldErrors};
use crate::training::{CourseStage, choice, required_uuid};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

string_enum!(
    /// What the coordinator does with a master change or a presentation new in the master.
    Decision {
        Take = "take",
        Leave = "leave",
    }
);

string_enum!(
    /// Moving an item one place in the adaptation's order.
    Direction {
        Up = "up",
        Down = "down",
    }
);

/// Raw adaptation input (form). `presentations` are master presentation ids in the order
/// chosen (creation only); `institution_id` is only read on creation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AdaptationInput {
    #[serde(deserialize_with = "lenient")]
    pub institution_id: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub framework: String,
    #[serde(deserialize_with = "lenient")]
    pub stage: String,
    #[serde(deserialize_with = "lenient")]
    pub notes: String,
    pub presentations: Vec<String>,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed adaptation.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptationDraft {
    /// `None` on edits (the institution does not change).
    pub institution_id: Option<Uuid>,
    pub title: String,
    /// The institution's existing course or framework the adaptation is integrated into.
    pub framework: Option<String>,
    pub stage: CourseStage,
    pub notes: Option<String>,
    /// Selected master presentations, in order, without repeats (creation only).
    pub presentations: Vec<Uuid>,
}

impl AdaptationDraft {
    /// Parses a new adaptation: institution and at least one presentation required.
    pub fn parse_new(i: &AdaptationInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let institution = required_uuid(&i.institution_id, "institution_id", &mut e);
        let mut presentations = Vec::new();
        for p in &i.presentations {
            match Uuid::parse_str(p.trim()) {
                Ok(id) if !presentations.contains(&id) => presentations.push(id),
                Ok(_) => {}
                Err(_) => {
                    if e.get("presentations").is_none() {
                        e.add("presentations", "field-reference");
                    }
                }
            }
        }
        if i.presentations.is_empty() {
            e.add("presentations", "adaptation-no-presentations");
        }
        let mut d = Self::parse_fields(i, &mut e);
        match (&mut d, institution) {
            (Some(d), Some(inst)) if e.is_empty() => {
                d.institution_id = Some(inst);
                d.presentations = presentations;
                Ok(d.clone())
            }
            _ => Err(Error::Invalid(e)),
        }
    }

    /// Parses an edit of the title, framework, stage and notes.
    pub fn parse_edit(i: &AdaptationInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        match Self::parse_fields(i, &mut e) {
            Some(d) if e.is_empty() => Ok(d),
            _ => Err(Error::Invalid(e)),
        }
    }

    fn parse_fields(i: &AdaptationInput, e: &mut FieldErrors) -> Option<Self> {
        let title = required_text(&i.title, "title", 200, e);
        let framework = optional_text(&i.framework, "framework", 200, e);
        let stage = choice(&i.stage, CourseStage::parse, "stage", e);
        let notes = optional_text(&i.notes, "notes", 4000, e);
        stage.map(|stage| Self {
            institution_id: None,
            title,
            framework,
            stage,
            notes,
            presentations: Vec::new(),
        })
    }
}

/// Parses a local note (one line, up to 1000 characters; empty clears it).
pub fn parse_note(s: &str) -> Result<Option<String>, Error> {
    let mut e = FieldErrors::new();
    let note = optional_text(s, "local_note", 1000, &mut e);
    e.into_result(note)
}

/// The content of a master presentation at one version, as kept in its revision snapshot
/// (JSON). Fields missing from an older snapshot read as `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PresentationSnapshot {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub objectives: Option<String>,
    pub crime_types: Option<String>,
    pub audiences: Option<String>,
    pub duration_minutes: Option<i64>,
}

/// One field of a presentation that differs between the version taken and the master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The field's name (`title`, `summary`, `objectives`, `crime_types`, `audiences`,
    /// `duration_minutes`).
    pub field: &'static str,
    /// The value in the version taken; `None` when that version's snapshot lacks it.
    pub old: Option<String>,
    pub new: String,
}

/// The fields compared, in the order they are shown.
pub const DIFF_FIELDS: [&str; 6] = [
    "title",
    "summary",
    "objectives",
    "crime_types",
    "audiences",
    "duration_minutes",
];

impl PresentationSnapshot {
    fn get(&self, field: &str) -> Option<String> {
        match field {
            "title" => self.title.clone(),
            "summary" => self.summary.clone(),
            "objectives" => self.objectives.clone(),
            "crime_types" => self.crime_types.clone(),
            "audiences" => self.audiences.clone(),
            "duration_minutes" => self.duration_minutes.map(|n| n.to_string()),
            _ => None,
        }
    }
}

/// The fields that differ from `old` (the version taken; `None` when its snapshot is
/// unknown, then every field is listed) to `new` (the master now).
pub fn diff(old: Option<&PresentationSnapshot>, new: &PresentationSnapshot) -> Vec<FieldChange> {
    DIFF_FIELDS
        .iter()
        .filter_map(|f| {
            let n = new.get(f)?;
            let o = old.and_then(|o| o.get(f));
            (o.as_deref() != Some(n.as_str())).then_some(FieldChange {
                field: f,
                old: o,
                new: n,
            })
        })
        .collect()
}

/// True when the master is at a version the item has neither taken nor left.
pub fn pending(taken: i64, left: Option<i64>, master: i64) -> bool {
    master > taken && left.is_none_or(|l| master > l)
}

/// The order after moving `id` one place in `dir`; `None` when it cannot move (first
/// item up, last item down, or not in the list).
pub fn moved(order: &[Uuid], id: Uuid, dir: Direction) -> Option<Vec<Uuid>> {
    let i = order.iter().position(|x| *x == id)?;
    let j = match dir {
        Direction::Up => i.checked_sub(1)?,
        Direction::Down => Some(i + 1).filter(|j| *j < order.len())?,
    };
    let mut v = order.to_vec();
    v.swap(i, j);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_pending_until_taken_or_left_and_again_when_the_master_moves_on() {
        assert!(!pending(1, None, 1));
        assert!(pending(1, None, 2));
        assert!(!pending(2, None, 2), "taken");
        assert!(!pending(1, Some(2), 2), "left");
        assert!(pending(1, Some(2), 3), "a later change shows again");
    }

    #[test]
    fn the_diff_lists_changed_fields_with_old_and_new_values() {
        let old = PresentationSnapshot {
            title: Some("A".into()),
            summary: Some("S".into()),
            duration_minutes: Some(45),
            ..Default::default()
        };
        let new = PresentationSnapshot {
            title: Some("B".into()),
            summary: Some("S".into()),
            duration_minutes: Some(60),
            ..Default::default()
        };
        let d = diff(Some(&old), &new);
        assert_eq!(
            d,
            vec![
                FieldChange {
                    field: "title",
                    old: Some("A".into()),
                    new: "B".into()
                },
                FieldChange {
                    field: "duration_minutes",
                    old: Some("45".into()),
                    new: "60".into()
                },
            ]
        );
        assert_eq!(
            diff(None, &new).len(),
            3,
            "unknown old version: every field"
        );
    }

    #[test]
    fn items_move_one_place_within_bounds() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        assert_eq!(moved(&[a, b, c], b, Direction::Up), Some(vec![b, a, c]));
        assert_eq!(moved(&[a, b, c], b, Direction::Down), Some(vec![a, c, b]));
        assert_eq!(moved(&[a, b, c], a, Direction::Up), None);
        assert_eq!(moved(&[a, b, c], c, Direction::Down), None);
        assert_eq!(moved(&[a, b], c, Direction::Up), None);
    }

    #[test]
    fn a_new_adaptation_needs_known_codes_and_presentations() {
        let i = AdaptationInput {
            institution_id: Uuid::from_u128(9).to_string(),
            title: "Adaptación".into(),
            stage: "someday".into(),
            presentations: vec!["not-a-uuid".into()],
            ..Default::default()
        };
        let Err(Error::Invalid(e)) = AdaptationDraft::parse_new(&i) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("stage"), Some("field-choice"));
        assert_eq!(e.get("presentations"), Some("field-reference"));
        let p = Uuid::from_u128(4);
        let ok = AdaptationDraft::parse_new(&AdaptationInput {
            stage: "piloting".into(),
            presentations: vec![p.to_string(), p.to_string()],
            ..i
        })
        .unwrap();
        assert_eq!(ok.presentations, vec![p], "no repeats");
        assert_eq!(ok.stage, CourseStage::Piloting);
    }
}
