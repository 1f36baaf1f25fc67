//! Results, editing: the language a model's or fact sheet profile's own text is written
//! in and its translations into the other interface languages, the model edit (name,
//! summary, gaps, partners), and the edits of results framework nodes and indicators.
//!
//! Rules:
//! - a text is written in one of the interface languages ([`TEXT_LANGS`]); translations
//!   are optional and per field — an empty translated field falls back to the own text —
//!   and a translation into the text's own language is refused (it would never show);
//! - a model keeps at least one gap and one partner after an edit, as at creation;
//! - an indicator's unit and source are fixed once created (values and targets were
//!   entered in that unit); its title, definition, direction and baseline can change;
//! - a node's level and parent are fixed (its children depend on them); code and title
//!   can change;
//! - every edit names the version it was made on: a stale version is refused.

use crate::directory::{lenient, required_text};
use crate::error::{Error, FieldErrors};
use crate::results::{Direction, IndicatorUnit, id_list, long_text};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The interface languages a text can be written or translated in.
pub const TEXT_LANGS: [&str; 3] = ["en", "es", "th"];

/// Parses a text language code (`text_lang` field).
pub fn text_lang(s: &str, e: &mut FieldErrors) -> Option<&'static str> {
    let v = TEXT_LANGS.iter().copied().find(|l| *l == s.trim());
    if v.is_none() {
        e.add("text_lang", "field-choice");
    }
    v
}

/// How a translatable field is checked: its name, its limit, and whether it may hold
/// line breaks.
#[derive(Debug, Clone, Copy)]
pub struct TextField {
    pub name: &'static str,
    pub max: usize,
    pub multiline: bool,
}

/// One language's translation: the fields in the order given, `None` where empty (that
/// field falls back to the own text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    pub lang: &'static str,
    pub fields: Vec<Option<String>>,
}

/// Parses the translations of `fields` from `raw`, keyed `<field>_<lang>` (e.g.
/// `summary_es`). A language with every field empty has no translation. A non-empty
/// field in the own language `own` is an error on that field.
pub fn translations(
    raw: &BTreeMap<String, String>,
    own: Option<&str>,
    fields: &[TextField],
    e: &mut FieldErrors,
) -> Vec<Translation> {
    let mut out = Vec::new();
    for lang in TEXT_LANGS {
        let mut vals = Vec::with_capacity(fields.len());
        for f in fields {
            let key = format!("{}_{lang}", f.name);
            let v = raw.get(&key).map(|s| s.trim()).unwrap_or("");
            if v.is_empty() {
                vals.push(None);
                continue;
            }
            if own == Some(lang) {
                e.add(&key, "results-translation-own-language");
                vals.push(None);
                continue;
            }
            let t = if f.multiline {
                long_text(v, &key, f.max, e)
            } else {
                required_text(v, &key, f.max, e)
            };
            vals.push(Some(t));
        }
        if vals.iter().any(Option::is_some) {
            out.push(Translation { lang, fields: vals });
        }
    }
    out
}

/// The translatable fields of a model.
pub const MODEL_TEXT: [TextField; 2] = [
    TextField {
        name: "name",
        max: 200,
        multiline: false,
    },
    TextField {
        name: "summary",
        max: 4000,
        multiline: true,
    },
];

/// The translatable fields of a fact sheet profile.
pub const PROFILE_TEXT: [TextField; 3] = [
    TextField {
        name: "overview",
        max: 3000,
        multiline: true,
    },
    TextField {
        name: "contact",
        max: 500,
        multiline: true,
    },
    TextField {
        name: "funding",
        max: 1000,
        multiline: true,
    },
];

/// Picks the text to show in `lang`: the translation's field when there is one, else
/// the own text.
pub fn pick<'a>(own: &'a str, translated: Option<&'a str>) -> &'a str {
    match translated {
        Some(t) if !t.trim().is_empty() => t,
        _ => own,
    }
}

/// Raw model edit: the model's own text and its language, gaps and partners (comma
/// lists), the version read, and translations keyed `name_<lang>` / `summary_<lang>`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ModelEditInput {
    #[serde(deserialize_with = "lenient")]
    pub name: String,
    #[serde(deserialize_with = "lenient")]
    pub summary: String,
    #[serde(deserialize_with = "lenient")]
    pub text_lang: String,
    #[serde(deserialize_with = "lenient")]
    pub gap_ids: String,
    #[serde(deserialize_with = "lenient")]
    pub partner_ids: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
    #[serde(skip)]
    pub translated: BTreeMap<String, String>,
}

/// A parsed model edit.
#[derive(Debug, Clone)]
pub struct ModelEditDraft {
    pub name: String,
    pub summary: String,
    pub text_lang: &'static str,
    pub gap_ids: Vec<Uuid>,
    pub partner_ids: Vec<Uuid>,
    pub translations: Vec<Translation>,
}

impl ModelEditDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &ModelEditInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let name = required_text(&i.name, "name", 200, &mut e);
        let summary = long_text(&i.summary, "summary", 4000, &mut e);
        let lang = text_lang(&i.text_lang, &mut e);
        let gap_ids = id_list(&i.gap_ids, "gap_ids", &mut e);
        let partner_ids = id_list(&i.partner_ids, "partner_ids", &mut e);
        let translations = translations(&i.translated, lang, &MODEL_TEXT, &mut e);
        match lang {
            Some(text_lang) if e.is_empty() => Ok(Self {
                name,
                summary,
                text_lang,
                gap_ids,
                partner_ids,
                translations,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw edit of a results framework node: its code and title, and the version read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NodeEditInput {
    #[serde(deserialize_with = "lenient")]
    pub code: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed node edit.
#[derive(Debug, Clone)]
pub struct NodeEditDraft {
    pub code: String,
    pub title: String,
}

impl NodeEditDraft {
    /// Parses every field, with the limits of a new node.
    pub fn parse(i: &NodeEditInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let code = required_text(&i.code, "code", 20, &mut e);
        let title = required_text(&i.title, "title", 300, &mut e);
        e.into_result(Self { code, title })
    }
}

/// Raw edit of an indicator: what may change after creation, and the version read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IndicatorEditInput {
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub definition: String,
    #[serde(deserialize_with = "lenient")]
    pub direction: String,
    #[serde(deserialize_with = "lenient")]
    pub baseline: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed indicator edit.
#[derive(Debug, Clone)]
pub struct IndicatorEditDraft {
    pub title: String,
    pub definition: String,
    pub direction: Direction,
    pub baseline: Option<i64>,
}

impl IndicatorEditDraft {
    /// Parses every field; the baseline is judged in the indicator's (fixed) `unit`.
    pub fn parse(i: &IndicatorEditInput, unit: IndicatorUnit) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let title = required_text(&i.title, "title", 300, &mut e);
        let definition = long_text(&i.definition, "definition", 2000, &mut e);
        let direction = Direction::parse(i.direction.trim());
        if direction.is_none() {
            e.add("direction", "field-choice");
        }
        let baseline = if i.baseline.trim().is_empty() {
            None
        } else {
            match i.baseline.trim().parse::<i64>() {
                Ok(n) if n < 0 => {
                    e.add("baseline", "field-range");
                    None
                }
                Ok(n) if unit == IndicatorUnit::Percent && n > 100 => {
                    e.add("baseline", "indicator-percent-range");
                    None
                }
                Ok(n) => Some(n),
                Err(_) => {
                    e.add("baseline", "field-number");
                    None
                }
            }
        };
        match direction {
            Some(direction) if e.is_empty() => Ok(Self {
                title,
                definition,
                direction,
                baseline,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn translations_are_per_field_and_never_in_the_own_language() {
        let mut e = FieldErrors::new();
        let t = translations(
            &raw(&[
                ("name_es", " Programa "),
                ("summary_es", ""),
                ("name_th", ""),
            ]),
            Some("en"),
            &MODEL_TEXT,
            &mut e,
        );
        assert!(e.is_empty());
        assert_eq!(
            t,
            vec![Translation {
                lang: "es",
                fields: vec![Some("Programa".into()), None],
            }]
        );
        let mut e = FieldErrors::new();
        let t = translations(
            &raw(&[("summary_en", "x"), ("summary_es", "y")]),
            Some("en"),
            &MODEL_TEXT,
            &mut e,
        );
        assert_eq!(
            e.get("summary_en"),
            Some("results-translation-own-language")
        );
        assert_eq!(t.len(), 1);
        let mut e = FieldErrors::new();
        translations(
            &raw(&[("name_th", &"x".repeat(201))]),
            Some("en"),
            &MODEL_TEXT,
            &mut e,
        );
        assert_eq!(e.get("name_th"), Some("field-too-long"));
    }

    #[test]
    fn pick_falls_back_to_the_own_text() {
        assert_eq!(pick("own", None), "own");
        assert_eq!(pick("own", Some("  ")), "own");
        assert_eq!(pick("own", Some("propio")), "propio");
    }

    #[test]
    fn a_model_edit_names_every_bad_field() {
        let Err(Error::Invalid(e)) = ModelEditDraft::parse(&ModelEditInput {
            text_lang: "fr".into(),
            gap_ids: "nope".into(),
            ..Default::default()
        }) else {
            panic!("accepted")
        };
        for f in ["name", "summary", "text_lang", "gap_ids", "partner_ids"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn an_indicator_edit_judges_the_baseline_in_its_unit() {
        let i = IndicatorEditInput {
            title: "Share".into(),
            definition: "Share of …".into(),
            direction: "increase".into(),
            baseline: "120".into(),
            version: "1".into(),
        };
        let Err(Error::Invalid(e)) = IndicatorEditDraft::parse(&i, IndicatorUnit::Percent) else {
            panic!("accepted")
        };
        assert_eq!(e.get("baseline"), Some("indicator-percent-range"));
        let d = IndicatorEditDraft::parse(&i, IndicatorUnit::Number).unwrap();
        assert_eq!(d.baseline, Some(120));
        let Err(Error::Invalid(e)) = NodeEditDraft::parse(&NodeEditInput::default()) else {
            panic!("accepted")
        };
        assert!(e.get("code").is_some() && e.get("title").is_some());
    }
}
