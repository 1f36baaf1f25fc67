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
//! - every move carries an evidence note (a file is not part of this slice);
//! - long texts may hold line breaks but no other control characters.

use crate::directory::{lenient, parse_optional_uuid, required_text, string_enum};
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use std::fmt;
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
        let gap_ids = id_list(&i.gap_ids, "gap_ids", &mut e);
        let partner_ids = id_list(&i.partner_ids, "partner_ids", &mut e);
        let evidence = long_text(&i.evidence, "evidence", 4000, &mut e);
        match module {
            Some(module) if e.is_empty() => Ok(Self {
                name,
                summary,
                module,
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
    pub published: bool,
}

impl ProfileDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &ProfileInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let overview = long_text(&i.overview, "overview", 3000, &mut e);
        let contact = long_text(&i.contact, "contact", 500, &mut e);
        let funding = long_text(&i.funding, "funding", 1000, &mut e);
        let published = matches!(i.published.trim(), "1" | "true" | "on");
        e.into_result(Self {
            overview,
            contact,
            funding,
            published,
        })
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
}
