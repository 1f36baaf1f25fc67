//! Social cartography: the default category set of a participatory map, typed WGS84
//! geometry parsed from GeoJSON (RFC 7946) at the edge, sensitivity of a mapped feature
//! and the grid snapping that generalises a location.
//!
//! Invariants: a [`Geometry`] only exists with coordinates in range, closed rings of at
//! least four positions and no self-intersecting polygon ring; a category's allowed
//! geometry kind is checked before a feature is accepted. The GeoJSON parser is written
//! over serde_json (already a dependency) rather than pulling in the `geojson` crate: the
//! three geometry types a workshop draws are all that is accepted.

use crate::directory::string_enum;
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

string_enum!(
    /// The four dimensions a participatory map is read in.
    Dimension {
        Geographic = "geographic",
        Social = "social",
        Economic = "economic",
        Cultural = "cultural",
    }
);

string_enum!(
    /// Who may see a feature: everyone who reads the map, everyone but only snapped to
    /// a grid, or only mapping facilitators and program staff of the country.
    Sensitivity {
        Public = "public",
        Generalised = "generalised",
        Restricted = "restricted",
    }
);

string_enum!(
    /// The kind of geometry a category allows.
    GeomKind {
        Point = "point",
        Line = "line",
        Area = "area",
    }
);

/// A category of the default set: stable code, allowed geometry, dimension, colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    pub code: &'static str,
    pub kind: GeomKind,
    pub dimension: Dimension,
    /// Fill colour as `#rrggbb`, used as an SVG presentation attribute.
    pub colour: &'static str,
}

const fn cat(
    code: &'static str,
    kind: GeomKind,
    dimension: Dimension,
    colour: &'static str,
) -> Category {
    Category {
        code,
        kind,
        dimension,
        colour,
    }
}

/// The default category set (Iconoclasistas-style); labels live in the Fluent files
/// under `carto-cat-<code>`.
pub const DEFAULT_CATEGORIES: &[Category] = &[
    cat("school", GeomKind::Point, Dimension::Social, "#1f77b4"),
    cat(
        "health_centre",
        GeomKind::Point,
        Dimension::Social,
        "#2ca02c",
    ),
    cat(
        "community_kitchen",
        GeomKind::Point,
        Dimension::Social,
        "#17becf",
    ),
    cat("church", GeomKind::Point, Dimension::Cultural, "#9467bd"),
    cat(
        "police_station",
        GeomKind::Point,
        Dimension::Social,
        "#393b79",
    ),
    cat("workshop", GeomKind::Point, Dimension::Economic, "#8c564b"),
    cat(
        "brick_kiln",
        GeomKind::Point,
        Dimension::Economic,
        "#d62728",
    ),
    cat("dump", GeomKind::Area, Dimension::Economic, "#7f7f7f"),
    cat("market", GeomKind::Point, Dimension::Economic, "#ff7f0e"),
    cat(
        "transport_stop",
        GeomKind::Point,
        Dimension::Geographic,
        "#bcbd22",
    ),
    cat("route", GeomKind::Line, Dimension::Geographic, "#636363"),
    cat("stream", GeomKind::Line, Dimension::Geographic, "#6baed6"),
    cat(
        "place_of_risk",
        GeomKind::Area,
        Dimension::Social,
        "#e7298a",
    ),
    cat(
        "meeting_place",
        GeomKind::Point,
        Dimension::Cultural,
        "#66a61e",
    ),
];

/// The default category with this code.
pub fn category(code: &str) -> Option<&'static Category> {
    DEFAULT_CATEGORIES.iter().find(|c| c.code == code.trim())
}

/// A WGS84 position: longitude, latitude in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pos {
    pub lon: f64,
    pub lat: f64,
}

/// A validated geometry.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    Point(Pos),
    LineString(Vec<Pos>),
    /// Outer ring first, then holes; every ring closed.
    Polygon(Vec<Vec<Pos>>),
}

impl Geometry {
    /// The kind a category must allow for this geometry.
    pub fn kind(&self) -> GeomKind {
        match self {
            Geometry::Point(_) => GeomKind::Point,
            Geometry::LineString(_) => GeomKind::Line,
            Geometry::Polygon(_) => GeomKind::Area,
        }
    }

    /// Every position, for bounds.
    pub fn positions(&self) -> Vec<Pos> {
        match self {
            Geometry::Point(p) => vec![*p],
            Geometry::LineString(v) => v.clone(),
            Geometry::Polygon(r) => r.iter().flatten().copied().collect(),
        }
    }

    /// The geometry as a GeoJSON geometry object.
    pub fn to_json(&self) -> Value {
        let pos = |p: &Pos| serde_json::json!([p.lon, p.lat]);
        match self {
            Geometry::Point(p) => serde_json::json!({"type": "Point", "coordinates": pos(p)}),
            Geometry::LineString(v) => serde_json::json!({"type": "LineString",
                "coordinates": v.iter().map(pos).collect::<Vec<_>>()}),
            Geometry::Polygon(r) => serde_json::json!({"type": "Polygon",
                "coordinates": r.iter().map(|ring| ring.iter().map(pos).collect::<Vec<_>>()).collect::<Vec<_>>()}),
        }
    }

    /// The geometry with every position snapped to a grid of `cell` degrees, so a
    /// generalised feature never reveals its exact place.
    pub fn snapped(&self, cell: f64) -> Geometry {
        let s = |p: &Pos| snap(*p, cell);
        match self {
            Geometry::Point(p) => Geometry::Point(s(p)),
            Geometry::LineString(v) => Geometry::LineString(v.iter().map(s).collect()),
            Geometry::Polygon(r) => {
                Geometry::Polygon(r.iter().map(|ring| ring.iter().map(s).collect()).collect())
            }
        }
    }
}

/// Snaps a position to the centre of its grid cell of `cell` degrees (no-op for a
/// non-positive cell).
pub fn snap(p: Pos, cell: f64) -> Pos {
    if cell <= 0.0 || !cell.is_finite() {
        return p;
    }
    let f = |v: f64| ((v / cell).floor() + 0.5) * cell;
    Pos {
        lon: f(p.lon),
        lat: f(p.lat),
    }
}

/// Parses and validates a GeoJSON geometry (a bare geometry or a Feature's). The error
/// is a Fluent key naming what is wrong.
pub fn parse_geometry(v: &Value) -> Result<Geometry, &'static str> {
    let g = if v.get("type").and_then(Value::as_str) == Some("Feature") {
        v.get("geometry").ok_or("carto-geom-type")?
    } else {
        v
    };
    let coords = g.get("coordinates").ok_or("carto-geom-type")?;
    match g.get("type").and_then(Value::as_str) {
        Some("Point") => Ok(Geometry::Point(position(coords)?)),
        Some("LineString") => {
            let pts = positions(coords)?;
            if pts.len() < 2 {
                return Err("carto-geom-line");
            }
            Ok(Geometry::LineString(pts))
        }
        Some("Polygon") => {
            let rings = coords.as_array().ok_or("carto-geom-type")?;
            if rings.is_empty() {
                return Err("carto-geom-ring");
            }
            let mut out = Vec::with_capacity(rings.len());
            for r in rings {
                let pts = positions(r)?;
                if pts.len() < 4 || pts.first() != pts.last() {
                    return Err("carto-geom-ring");
                }
                if self_intersects(&pts) {
                    return Err("carto-geom-self-intersection");
                }
                out.push(pts);
            }
            Ok(Geometry::Polygon(out))
        }
        _ => Err("carto-geom-type"),
    }
}

fn position(v: &Value) -> Result<Pos, &'static str> {
    let a = v.as_array().ok_or("carto-geom-position")?;
    if a.len() < 2 || a.len() > 3 {
        return Err("carto-geom-position");
    }
    let lon = a[0].as_f64().ok_or("carto-geom-position")?;
    let lat = a[1].as_f64().ok_or("carto-geom-position")?;
    check_range(lon, lat)
}

/// A position from numbers, checked against the WGS84 ranges.
pub fn check_range(lon: f64, lat: f64) -> Result<Pos, &'static str> {
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err("carto-geom-range");
    }
    Ok(Pos { lon, lat })
}

fn positions(v: &Value) -> Result<Vec<Pos>, &'static str> {
    v.as_array()
        .ok_or("carto-geom-type")?
        .iter()
        .map(position)
        .collect()
}

fn orient(a: Pos, b: Pos, c: Pos) -> f64 {
    (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon)
}

fn on_segment(a: Pos, b: Pos, p: Pos) -> bool {
    p.lon >= a.lon.min(b.lon)
        && p.lon <= a.lon.max(b.lon)
        && p.lat >= a.lat.min(b.lat)
        && p.lat <= a.lat.max(b.lat)
}

fn segments_cross(a: Pos, b: Pos, c: Pos, d: Pos) -> bool {
    let (d1, d2, d3, d4) = (
        orient(c, d, a),
        orient(c, d, b),
        orient(a, b, c),
        orient(a, b, d),
    );
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(c, d, a))
        || (d2 == 0.0 && on_segment(c, d, b))
        || (d3 == 0.0 && on_segment(a, b, c))
        || (d4 == 0.0 && on_segment(a, b, d))
}

/// True when two non-adjacent edges of a closed ring touch or cross. A plain O(n²) test
/// over all edge pairs: workshop polygons have tens of vertices, not thousands.
fn self_intersects(ring: &[Pos]) -> bool {
    let n = ring.len() - 1; // edges; the last position repeats the first
    for i in 0..n {
        for j in (i + 1)..n {
            // Adjacent edges share a vertex (and the first and last edge share the start).
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            if segments_cross(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                return true;
            }
        }
    }
    false
}

/// A feature accepted for the map.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDraft {
    pub category: &'static Category,
    pub geometry: Geometry,
    pub description: String,
    pub sensitivity: Sensitivity,
}

/// A point as typed into the map form (or clicked: the form carries lon/lat).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PointInput {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub sensitivity: String,
}

fn category_for(
    code: &str,
    kind: GeomKind,
    field: &str,
    e: &mut FieldErrors,
) -> Option<&'static Category> {
    match category(code) {
        None => {
            e.add(field, "carto-category-unknown");
            None
        }
        Some(c) if c.kind != kind => {
            e.add(field, "carto-category-geometry");
            None
        }
        Some(c) => Some(c),
    }
}

fn description(s: &str, field: &str, e: &mut FieldErrors) -> String {
    let t = s.trim();
    if t.chars().count() > 2000 {
        e.add(field, "error-too-long");
    }
    t.to_owned()
}

fn sensitivity(s: &str, field: &str, e: &mut FieldErrors) -> Sensitivity {
    if s.trim().is_empty() {
        return Sensitivity::Public;
    }
    Sensitivity::parse(s).unwrap_or_else(|| {
        e.add(field, "carto-sensitivity-unknown");
        Sensitivity::Public
    })
}

impl FeatureDraft {
    /// Parses the point form, one message per field.
    pub fn point(i: &PointInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let num = |s: &str, f: &str, max: f64, e: &mut FieldErrors| -> Option<f64> {
            match s.trim().parse::<f64>().ok().filter(|v| v.is_finite()) {
                None => {
                    e.add(f, "carto-geom-position");
                    None
                }
                Some(v) if !(-max..=max).contains(&v) => {
                    e.add(f, "carto-geom-range");
                    None
                }
                Some(v) => Some(v),
            }
        };
        let lon = num(&i.lon, "lon", 180.0, &mut e);
        let lat = num(&i.lat, "lat", 90.0, &mut e);
        let geometry = match (lon, lat) {
            (Some(lon), Some(lat)) => Some(Geometry::Point(Pos { lon, lat })),
            _ => None,
        };
        let category = category_for(&i.category, GeomKind::Point, "category", &mut e);
        let description = description(&i.description, "description", &mut e);
        let sensitivity = sensitivity(&i.sensitivity, "sensitivity", &mut e);
        match (category, geometry) {
            (Some(category), Some(geometry)) if e.is_empty() => Ok(FeatureDraft {
                category,
                geometry,
                description,
                sensitivity,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }

    /// Parses a GeoJSON FeatureCollection; every bad feature is reported as
    /// `features[i]` (with its `id` when it has one), and nothing is accepted unless
    /// all are good.
    pub fn collection(text: &str) -> Result<Vec<Self>, Error> {
        let v: Value = serde_json::from_str(text)
            .map_err(|_| Error::Invalid(FieldErrors::single("geojson", "carto-geojson-invalid")))?;
        let feats = match (v.get("type").and_then(Value::as_str), v.get("features")) {
            (Some("FeatureCollection"), Some(Value::Array(f))) => f,
            _ => {
                return Err(Error::Invalid(FieldErrors::single(
                    "geojson",
                    "carto-geojson-collection",
                )));
            }
        };
        let mut e = FieldErrors::new();
        let mut out = Vec::with_capacity(feats.len());
        for (n, f) in feats.iter().enumerate() {
            let field = match f.get("id") {
                Some(Value::String(id)) => format!("features[{n}] ({id})"),
                Some(Value::Number(id)) => format!("features[{n}] ({id})"),
                _ => format!("features[{n}]"),
            };
            let props = f.get("properties").cloned().unwrap_or(Value::Null);
            let prop = |k: &str| {
                props
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let geometry = match parse_geometry(f) {
                Ok(g) => g,
                Err(k) => {
                    e.add(&field, k);
                    continue;
                }
            };
            let mut fe = FieldErrors::new();
            let category = category_for(&prop("category"), geometry.kind(), &field, &mut fe);
            let description = description(&prop("description"), &field, &mut fe);
            let sensitivity = sensitivity(&prop("sensitivity"), &field, &mut fe);
            match category {
                Some(category) if fe.is_empty() => out.push(FeatureDraft {
                    category,
                    geometry,
                    description,
                    sensitivity,
                }),
                _ => e.0.extend(fe.0),
            }
        }
        e.into_result(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn geom(s: &str) -> Result<Geometry, &'static str> {
        parse_geometry(&serde_json::from_str(s).unwrap())
    }

    #[test]
    fn polygons_must_be_closed_in_range_and_simple() {
        assert!(
            geom(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#).is_ok()
        );
        assert_eq!(
            geom(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#),
            Err("carto-geom-ring")
        );
        // A bow tie: the edges (0,0)-(1,1) and (1,0)-(0,1) cross.
        assert_eq!(
            geom(r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#),
            Err("carto-geom-self-intersection")
        );
        assert_eq!(
            geom(r#"{"type":"Point","coordinates":[181,0]}"#),
            Err("carto-geom-range")
        );
        assert_eq!(
            geom(r#"{"type":"Circle","coordinates":[0,0]}"#),
            Err("carto-geom-type")
        );
    }

    #[test]
    fn a_collection_reports_every_bad_feature_and_accepts_none() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"category":"school"},"geometry":{"type":"Point","coordinates":[-58.42,-34.73]}},
          {"type":"Feature","id":"k1","properties":{"category":"brick_kiln"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}},
          {"type":"Feature","properties":{"category":"dump"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}}
        ]}"#;
        let Err(Error::Invalid(e)) = FeatureDraft::collection(text) else {
            panic!("accepted")
        };
        assert_eq!(e.get("features[1] (k1)"), Some("carto-category-geometry"));
        assert_eq!(e.get("features[2]"), Some("carto-geom-ring"));
        assert_eq!(e.get("features[0]"), None);
        let ok = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"category":"school","sensitivity":"restricted"},"geometry":{"type":"Point","coordinates":[-58.42,-34.73]}}]}"#;
        let v = FeatureDraft::collection(ok).unwrap();
        assert_eq!(v[0].sensitivity, Sensitivity::Restricted);
        assert_eq!(v[0].category.dimension, Dimension::Social);
    }

    #[test]
    fn the_point_form_names_each_bad_field() {
        let i = PointInput {
            category: "dump".into(),
            lon: "200".into(),
            lat: "x".into(),
            ..Default::default()
        };
        let Err(Error::Invalid(e)) = FeatureDraft::point(&i) else {
            panic!("accepted")
        };
        assert_eq!(e.get("lon"), Some("carto-geom-range"));
        assert_eq!(e.get("lat"), Some("carto-geom-position"));
        assert_eq!(e.get("category"), Some("carto-category-geometry"));
    }

    #[test]
    fn snapping_moves_a_point_to_its_cell_centre() {
        let p = snap(
            Pos {
                lon: -58.4231,
                lat: -34.7287,
            },
            0.01,
        );
        assert!((p.lon - -58.425).abs() < 1e-9, "{p:?}");
        assert!((p.lat - -34.725).abs() < 1e-9, "{p:?}");
    }
}
