//! The directory: countries, the hierarchy of administrative areas and institutions.
//!
//! Invariants: a country code is one of the program's countries; an area's level is one
//! step below its parent's (a province has no parent area, its parent is the country);
//! institution names and acronyms are trimmed and non-empty. Boundaries are GeoJSON
//! (RFC 7946) polygons whose rings are closed and whose positions are valid WGS84.

use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use std::fmt;

/// ISO 3166-1 alpha-2 code of a program country.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

/// The countries the program works in.
pub const COUNTRIES: [&str; 4] = ["AR", "LR", "PY", "TH"];

impl CountryCode {
    /// Parses a code such as `AR` or `ar`; only program countries are accepted.
    pub fn parse(s: &str) -> Option<Self> {
        let up = s.trim().to_ascii_uppercase();
        COUNTRIES.contains(&up.as_str()).then_some(Self(up))
    }
    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CountryCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown country `{s}`"))
    }
}
impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.0
    }
}
impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The stable code stored in the database and used in URLs and JSON.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),+ } }
            /// Parses the stable code.
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim() { $($s => Some($name::$v),)+ _ => None }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Level of an administrative area below the country.
    AreaLevel {
        /// Province or state.
        Province = "province",
        /// Municipality (partido, district).
        Municipality = "municipality",
        /// Neighbourhood (barrio, village).
        Neighbourhood = "neighbourhood",
    }
);

impl AreaLevel {
    /// The level an area's parent must have; `None` means the parent is the country.
    pub fn parent_level(self) -> Option<AreaLevel> {
        match self {
            AreaLevel::Province => None,
            AreaLevel::Municipality => Some(AreaLevel::Province),
            AreaLevel::Neighbourhood => Some(AreaLevel::Municipality),
        }
    }
}

string_enum!(
    /// What an institution does.
    InstitutionKind {
        LabourInspection = "labour_inspection",
        Police = "police",
        Prosecution = "prosecution",
        Judiciary = "judiciary",
        SocialProtection = "social_protection",
        Education = "education",
        Municipality = "municipality",
        Ngo = "ngo",
        CommunityOrganisation = "community_organisation",
        Donor = "donor",
    }
);

string_enum!(
    /// The level of government (or reach) of an institution.
    InstitutionLevel {
        /// Works across countries (implementing NGOs, donors).
        International = "international",
        National = "national",
        Provincial = "provincial",
        Municipal = "municipal",
    }
);

/// Accepts a string, a number, a boolean or null for a text field, so a JSON body with
/// `"parent_id": null` or `"version": 3` parses and then meets the same rules as a form.
/// A nested object is kept as its JSON text (a GeoJSON boundary may come as an object).
pub fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

/// Raw area input as a form or JSON body carries it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AreaInput {
    #[serde(deserialize_with = "lenient")]
    pub country: String,
    #[serde(deserialize_with = "lenient")]
    pub parent_id: String,
    #[serde(deserialize_with = "lenient")]
    pub level: String,
    #[serde(deserialize_with = "lenient")]
    pub name: String,
    #[serde(deserialize_with = "lenient")]
    pub code: String,
    #[serde(deserialize_with = "lenient")]
    pub boundary: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed area, ready to be stored once its parent is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaDraft {
    pub country: CountryCode,
    pub parent_id: Option<uuid::Uuid>,
    pub level: AreaLevel,
    pub name: String,
    pub code: Option<String>,
    pub boundary: Option<String>,
}

impl AreaDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &AreaInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let country = CountryCode::parse(&i.country);
        if country.is_none() {
            e.add("country", "field-country-invalid");
        }
        let level = AreaLevel::parse(&i.level);
        if level.is_none() {
            e.add("level", "field-choice");
        }
        let parent_id = parse_optional_uuid(&i.parent_id, "parent_id", &mut e);
        if let Some(level) = level {
            match (level.parent_level(), parent_id) {
                (None, Some(_)) => e.add("parent_id", "area-parent-not-allowed"),
                (Some(_), None) if e.get("parent_id").is_none() => {
                    e.add("parent_id", "area-parent-required")
                }
                _ => {}
            }
        }
        let name = required_text(&i.name, "name", 200, &mut e);
        let code = optional_text(&i.code, "code", 40, &mut e);
        let boundary = if i.boundary.trim().is_empty() {
            None
        } else {
            match validate_boundary(i.boundary.trim()) {
                Ok(()) => Some(i.boundary.trim().to_owned()),
                Err(key) => {
                    e.add("boundary", key);
                    None
                }
            }
        };
        match (country, level) {
            (Some(country), Some(level)) if e.is_empty() => Ok(Self {
                country,
                parent_id,
                level,
                name,
                code,
                boundary,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw institution input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InstitutionInput {
    #[serde(deserialize_with = "lenient")]
    pub country: String,
    #[serde(deserialize_with = "lenient")]
    pub name: String,
    #[serde(deserialize_with = "lenient")]
    pub acronym: String,
    #[serde(deserialize_with = "lenient")]
    pub kind: String,
    #[serde(deserialize_with = "lenient")]
    pub level: String,
    #[serde(deserialize_with = "lenient")]
    pub area_id: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed institution.
#[derive(Debug, Clone, PartialEq)]
pub struct InstitutionDraft {
    pub country: CountryCode,
    pub name: String,
    pub acronym: String,
    pub kind: InstitutionKind,
    pub level: InstitutionLevel,
    pub area_id: Option<uuid::Uuid>,
}

impl InstitutionDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &InstitutionInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let country = CountryCode::parse(&i.country);
        if country.is_none() {
            e.add("country", "field-country-invalid");
        }
        let name = required_text(&i.name, "name", 200, &mut e);
        let acronym = required_text(&i.acronym, "acronym", 20, &mut e);
        if !acronym.is_empty()
            && !acronym
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.' || c == ' ')
        {
            e.add("acronym", "institution-acronym-chars");
        }
        let kind = InstitutionKind::parse(&i.kind);
        if kind.is_none() {
            e.add("kind", "field-choice");
        }
        let level = InstitutionLevel::parse(&i.level);
        if level.is_none() {
            e.add("level", "field-choice");
        }
        let area_id = parse_optional_uuid(&i.area_id, "area_id", &mut e);
        match (country, kind, level) {
            (Some(country), Some(kind), Some(level)) if e.is_empty() => Ok(Self {
                country,
                name,
                acronym,
                kind,
                level,
                area_id,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Parses the optimistic-concurrency version a form or body echoes back.
pub fn parse_version(s: &str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| Error::Invalid(FieldErrors::single("version", "field-version")))
}

/// Trims `s` and checks it is non-empty and at most `max` characters.
pub fn required_text(s: &str, field: &str, max: usize, e: &mut FieldErrors) -> String {
    let t = s.trim();
    if t.is_empty() {
        e.add(field, "field-required");
    } else if t.chars().count() > max {
        e.add(field, "field-too-long");
    } else if t.chars().any(|c| c.is_control()) {
        e.add(field, "field-control-chars");
    }
    t.to_owned()
}

/// Like [`required_text`] but an empty value is `None`.
pub fn optional_text(s: &str, field: &str, max: usize, e: &mut FieldErrors) -> Option<String> {
    if s.trim().is_empty() {
        None
    } else {
        Some(required_text(s, field, max, e))
    }
}

/// Parses an optional UUID field; empty means none.
pub fn parse_optional_uuid(s: &str, field: &str, e: &mut FieldErrors) -> Option<uuid::Uuid> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match uuid::Uuid::parse_str(t) {
        Ok(u) => Some(u),
        Err(_) => {
            e.add(field, "field-reference");
            None
        }
    }
}

/// Checks that `s` is a GeoJSON Polygon or MultiPolygon (bare, or as a Feature's
/// geometry) with closed rings of at least four valid WGS84 positions.
/// Returns the message key of the first problem.
pub fn validate_boundary(s: &str) -> Result<(), &'static str> {
    let v: serde_json::Value = serde_json::from_str(s).map_err(|_| "boundary-json")?;
    let geom = if v.get("type").and_then(|t| t.as_str()) == Some("Feature") {
        v.get("geometry").ok_or("boundary-type")?
    } else {
        &v
    };
    let coords = geom.get("coordinates").ok_or("boundary-type")?;
    match geom.get("type").and_then(|t| t.as_str()) {
        Some("Polygon") => check_polygon(coords),
        Some("MultiPolygon") => {
            let polys = coords.as_array().ok_or("boundary-type")?;
            if polys.is_empty() {
                return Err("boundary-type");
            }
            polys.iter().try_for_each(check_polygon)
        }
        _ => Err("boundary-type"),
    }
}

fn check_polygon(p: &serde_json::Value) -> Result<(), &'static str> {
    let rings = p.as_array().ok_or("boundary-type")?;
    if rings.is_empty() {
        return Err("boundary-type");
    }
    for ring in rings {
        let pts = ring.as_array().ok_or("boundary-type")?;
        if pts.len() < 4 {
            return Err("boundary-ring");
        }
        let mut parsed = Vec::with_capacity(pts.len());
        for pt in pts {
            let xy = pt.as_array().ok_or("boundary-position")?;
            let lon = xy
                .first()
                .and_then(|x| x.as_f64())
                .ok_or("boundary-position")?;
            let lat = xy
                .get(1)
                .and_then(|x| x.as_f64())
                .ok_or("boundary-position")?;
            if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                return Err("boundary-range");
            }
            parsed.push((lon, lat));
        }
        if parsed.first() != parsed.last() {
            return Err("boundary-ring");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_program_countries_only() {
        assert_eq!(CountryCode::parse("ar").map(|c| c.0), Some("AR".into()));
        assert!(CountryCode::parse("US").is_none());
        assert!(CountryCode::parse("").is_none());
    }

    #[test]
    fn a_municipality_needs_a_parent_and_a_province_refuses_one() {
        let mut i = AreaInput {
            country: "AR".into(),
            level: "municipality".into(),
            name: "Lomas de Zamora".into(),
            ..Default::default()
        };
        let Err(Error::Invalid(e)) = AreaDraft::parse(&i) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("parent_id"), Some("area-parent-required"));
        i.level = "province".into();
        i.parent_id = uuid::Uuid::nil().to_string();
        let Err(Error::Invalid(e)) = AreaDraft::parse(&i) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("parent_id"), Some("area-parent-not-allowed"));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let i = InstitutionInput {
            country: "XX".into(),
            name: " ".into(),
            acronym: "<b>".into(),
            kind: "bank".into(),
            level: "".into(),
            area_id: "nope".into(),
            version: String::new(),
        };
        let Err(Error::Invalid(e)) = InstitutionDraft::parse(&i) else {
            panic!("expected invalid")
        };
        for f in ["country", "name", "acronym", "kind", "level", "area_id"] {
            assert!(e.get(f).is_some(), "missing error for {f}");
        }
    }

    #[test]
    fn boundaries_must_be_closed_valid_polygons() {
        let ok = r#"{"type":"Polygon","coordinates":[[[-58.4,-34.7],[-58.3,-34.7],[-58.3,-34.8],[-58.4,-34.7]]]}"#;
        assert_eq!(validate_boundary(ok), Ok(()));
        let open = r#"{"type":"Polygon","coordinates":[[[-58.4,-34.7],[-58.3,-34.7],[-58.3,-34.8],[-58.5,-34.7]]]}"#;
        assert_eq!(validate_boundary(open), Err("boundary-ring"));
        let far = r#"{"type":"Polygon","coordinates":[[[-200,-34.7],[-58.3,-34.7],[-58.3,-34.8],[-200,-34.7]]]}"#;
        assert_eq!(validate_boundary(far), Err("boundary-range"));
        assert_eq!(
            validate_boundary(r#"{"type":"Point","coordinates":[0,0]}"#),
            Err("boundary-type")
        );
        assert_eq!(validate_boundary("{"), Err("boundary-json"));
    }
}
