//! Disaggregation of results indicators: the dimensions a figure may be broken down by
//! (sex, age band, role, institution, province), which indicators may carry them, and
//! the check that a manual value's parts add up to its total.
//!
//! Invariants:
//! - only whole-number indicators are disaggregated: a percentage's parts do not add up
//!   to it, so a percent indicator with a dimension is refused;
//! - among the computed sources only individuals trained counts people, so only it (and
//!   manual indicators) may carry dimensions;
//! - sex, age band and role take the training vocabulary's codes; institution (acronym)
//!   and province (area name) categories are checked against the directory by the caller;
//! - for every dimension that has any part, the parts add up to the total exactly; a
//!   dimension left empty is "not disaggregated" for that value, never "all zero".

use crate::directory::string_enum;
use crate::error::{Error, FieldErrors};
use crate::results::{IndicatorSource, IndicatorUnit};
use crate::training::{AgeBand, Occupation, Sex};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

string_enum!(
    /// A dimension an indicator's figure is broken down by.
    Disaggregation {
        Sex = "sex",
        AgeBand = "age_band",
        /// The person's role or occupation (labour inspector, police, …).
        Role = "role",
        /// The institution the person works for (its acronym).
        Institution = "institution",
        /// The province of that institution (an area name of the country).
        Province = "province",
    }
);

impl Disaggregation {
    /// The fixed categories of the dimension, or `None` when they come from the
    /// directory (institutions, provinces).
    pub fn fixed_categories(self) -> Option<Vec<&'static str>> {
        match self {
            Disaggregation::Sex => Some(Sex::ALL.iter().map(|s| s.as_str()).collect()),
            Disaggregation::AgeBand => Some(AgeBand::ALL.iter().map(|s| s.as_str()).collect()),
            Disaggregation::Role => Some(Occupation::ALL.iter().map(|s| s.as_str()).collect()),
            Disaggregation::Institution | Disaggregation::Province => None,
        }
    }
}

/// Parses a list of dimension codes separated by commas or spaces (duplicates folded,
/// kept in [`Disaggregation::ALL`] order), judged against the indicator's unit and
/// source. Errors go on `field`.
pub fn parse_dimensions(
    s: &str,
    unit: Option<IndicatorUnit>,
    source: Option<IndicatorSource>,
    field: &str,
    e: &mut FieldErrors,
) -> Vec<Disaggregation> {
    let mut out = Vec::new();
    for code in s.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
        match Disaggregation::parse(code) {
            Some(d) => {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            None => {
                e.add(field, "field-choice");
                return Vec::new();
            }
        }
    }
    out.sort_by_key(|d| Disaggregation::ALL.iter().position(|x| x == d));
    if out.is_empty() {
        return out;
    }
    if unit == Some(IndicatorUnit::Percent) {
        e.add(field, "disagg-percent");
    } else if let Some(s) = source
        && !matches!(
            s,
            IndicatorSource::Manual | IndicatorSource::IndividualsTrained
        )
    {
        e.add(field, "disagg-source");
    }
    out
}

/// The stored form of a dimension list (`sex,age_band`).
pub fn dimensions_code(d: &[Disaggregation]) -> String {
    d.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(",")
}

/// Reads a stored dimension list, skipping codes this version does not know.
pub fn stored_dimensions(s: &str) -> Vec<Disaggregation> {
    s.split(',').filter_map(Disaggregation::parse).collect()
}

/// One part of a value: so many of the total fall in `category` of `dimension`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub dimension: Disaggregation,
    pub category: String,
    pub value: i64,
}

/// The form field of a part: `part-<dimension>-<category>`.
pub fn part_field(d: Disaggregation, category: &str) -> String {
    format!("part-{}-{category}", d.as_str())
}

/// The form field a dimension's sum error goes on: `part-<dimension>`.
pub fn dimension_field(d: Disaggregation) -> String {
    format!("part-{}", d.as_str())
}

/// Parses the parts of a manual value of `total` from `fields` (form field name →
/// text, as named by [`part_field`]), for an indicator broken down by `dims`, whose
/// directory categories are `directory` (institution acronyms, province names).
/// Empty fields are skipped; a part must be a whole number ≥ 0 of a known category; a
/// dimension with any part must add up to `total`.
pub fn parse_parts(
    fields: &BTreeMap<String, String>,
    total: i64,
    dims: &[Disaggregation],
    directory: &HashMap<Disaggregation, Vec<String>>,
) -> Result<Vec<Part>, Error> {
    let mut e = FieldErrors::new();
    let mut parts = Vec::new();
    // Dimensions with a bad part are not summed: the sum would only repeat the error.
    let mut bad: Vec<Disaggregation> = Vec::new();
    for (name, raw) in fields {
        let raw = raw.trim();
        let Some(rest) = name.strip_prefix("part-") else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        let Some(dim) = dims
            .iter()
            .copied()
            .find(|d| rest.starts_with(&format!("{}-", d.as_str())))
        else {
            // A dimension the indicator does not have: the form never shows such a field.
            e.add("value", "disagg-unknown");
            continue;
        };
        let category = &rest[dim.as_str().len() + 1..];
        let known = match dim.fixed_categories() {
            Some(c) => c.contains(&category),
            None => directory
                .get(&dim)
                .is_some_and(|c| c.iter().any(|x| x == category)),
        };
        if !known {
            // An unknown category has no field of its own on the form: say it on the
            // dimension's.
            e.add(&dimension_field(dim), "disagg-unknown");
            bad.push(dim);
            continue;
        }
        match raw.parse::<i64>() {
            Ok(v) if v >= 0 => parts.push(Part {
                dimension: dim,
                category: category.to_owned(),
                value: v,
            }),
            Ok(_) => {
                e.add(name, "field-range");
                bad.push(dim);
            }
            Err(_) => {
                e.add(name, "field-number");
                bad.push(dim);
            }
        }
    }
    for d in dims.iter().filter(|d| !bad.contains(d)) {
        let mine: Vec<&Part> = parts.iter().filter(|p| p.dimension == *d).collect();
        if !mine.is_empty() && mine.iter().map(|p| p.value).sum::<i64>() != total {
            e.add(&dimension_field(*d), "disagg-sum");
        }
    }
    e.into_result(parts)
}

/// Sums parts by dimension and category, in dimension order then category order.
pub fn tables(
    dims: &[Disaggregation],
    parts: &[Part],
) -> Vec<(Disaggregation, Vec<(String, i64)>)> {
    dims.iter()
        .filter_map(|d| {
            let mut m: BTreeMap<&str, i64> = BTreeMap::new();
            for p in parts.iter().filter(|p| p.dimension == *d) {
                *m.entry(p.category.as_str()).or_default() += p.value;
            }
            (!m.is_empty()).then(|| (*d, m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Disaggregation::*;

    fn fields(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn dir() -> HashMap<Disaggregation, Vec<String>> {
        HashMap::from([
            (Institution, vec!["IUPFA".to_owned(), "PRV".to_owned()]),
            (Province, vec!["Buenos Aires".to_owned()]),
        ])
    }

    #[test]
    fn dimensions_parse_in_a_fixed_order_and_refuse_percentages_and_non_person_sources() {
        let mut e = FieldErrors::new();
        let d = parse_dimensions(
            "role, sex,sex",
            Some(IndicatorUnit::Number),
            Some(IndicatorSource::Manual),
            "disaggregations",
            &mut e,
        );
        assert!(e.is_empty());
        assert_eq!(d, vec![Sex, Role]);
        assert_eq!(dimensions_code(&d), "sex,role");
        assert_eq!(stored_dimensions("sex,role,colour"), vec![Sex, Role]);

        let mut e = FieldErrors::new();
        parse_dimensions(
            "sex",
            Some(IndicatorUnit::Percent),
            Some(IndicatorSource::Manual),
            "d",
            &mut e,
        );
        assert_eq!(e.get("d"), Some("disagg-percent"));

        let mut e = FieldErrors::new();
        parse_dimensions(
            "sex",
            Some(IndicatorUnit::Number),
            Some(IndicatorSource::ModelsInImplementation),
            "d",
            &mut e,
        );
        assert_eq!(e.get("d"), Some("disagg-source"));

        let mut e = FieldErrors::new();
        parse_dimensions("colour", None, None, "d", &mut e);
        assert_eq!(e.get("d"), Some("field-choice"));
    }

    #[test]
    fn parts_must_add_up_to_the_total_in_every_dimension_that_has_any() {
        let ok = parse_parts(
            &fields(&[
                ("part-sex-female", "40"),
                ("part-sex-male", "24"),
                ("part-institution-IUPFA", "64"),
                ("part-role-police", ""),
            ]),
            64,
            &[Sex, Role, Institution],
            &dir(),
        )
        .unwrap();
        assert_eq!(ok.len(), 3);
        let t = tables(&[Sex, Role, Institution], &ok);
        assert_eq!(t.len(), 2, "an empty dimension is not a table of zeros");
        assert_eq!(
            t[0],
            (Sex, vec![("female".into(), 40), ("male".into(), 24)])
        );

        let Err(Error::Invalid(e)) = parse_parts(
            &fields(&[("part-sex-female", "40"), ("part-sex-male", "20")]),
            64,
            &[Sex],
            &dir(),
        ) else {
            panic!("a short sum must be refused")
        };
        assert_eq!(e.get("part-sex"), Some("disagg-sum"));
    }

    #[test]
    fn parts_name_the_bad_field() {
        let Err(Error::Invalid(e)) = parse_parts(
            &fields(&[
                ("part-sex-robot", "1"),
                ("part-institution-NOPE", "1"),
                ("part-age_band-18_24", "-2"),
                ("part-age_band-25_34", "x"),
                ("part-province-Buenos Aires", "3"),
            ]),
            3,
            &[Sex, AgeBand, Institution],
            &dir(),
        ) else {
            panic!("bad parts must be refused")
        };
        assert_eq!(e.get("part-sex"), Some("disagg-unknown"));
        assert_eq!(e.get("part-institution"), Some("disagg-unknown"));
        assert_eq!(e.get("part-age_band-18_24"), Some("field-range"));
        assert_eq!(e.get("part-age_band-25_34"), Some("field-number"));
        assert_eq!(
            e.get("value"),
            Some("disagg-unknown"),
            "a dimension the indicator does not have"
        );
        assert!(
            e.get("part-age_band").is_none(),
            "a dimension with a bad part is not summed"
        );
    }
}
